using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Holt.Guard;

/// <summary>
/// One record of /var/log/wtmp (logins) or /var/log/btmp (failed logins): glibc's <c>struct utmp</c> as x86_64 Linux
/// lays it out (bits/utmp.h, the __WORDSIZE_TIME64_COMPAT32 variant: 32-bit seconds and microseconds).
/// </summary>
internal sealed record UtmpRecord(
    UtmpType Type,
    int Pid,
    string Line,
    string Id,
    string User,
    string Host,
    int Session,
    DateTimeOffset Time,
    IPAddress? Address);

/// <summary>ut_type values from bits/utmp.h.</summary>
internal enum UtmpType : short
{
    Empty = 0,
    RunLevel = 1,
    BootTime = 2,
    NewTime = 3,
    OldTime = 4,
    InitProcess = 5,
    LoginProcess = 6,
    UserProcess = 7,
    DeadProcess = 8,
    Accounting = 9,
}

/// <summary>
/// Reads wtmp and btmp files and turns their records into <see cref="AuthEvent"/>s. The files are written by
/// login(1), sshd and friends, but any local root can write anything into them, so a damaged record is skipped,
/// never trusted or thrown on.
/// </summary>
/// <remarks>
/// Record layout, 384 bytes, little-endian (offsets checked with offsetof against glibc 2.36):
/// <code>
///   0  int16   ut_type (+2 bytes padding)
///   4  int32   ut_pid
///   8  char[32]  ut_line      "pts/0", "ssh:notty"
///  40  char[4]   ut_id
///  44  char[32]  ut_user
///  76  char[256] ut_host      as sshd wrote it: the address, or a name with UseDNS
/// 332  int16[2]  ut_exit
/// 336  int32   ut_session
/// 340  int32   ut_tv.tv_sec
/// 344  int32   ut_tv.tv_usec
/// 348  int32[4]  ut_addr_v6   network byte order; IPv4 in the first word, the rest zero
/// 364  char[20]  reserved
/// </code>
/// The strings are NUL-padded, not necessarily NUL-terminated: a 32-byte user name fills its field.
/// </remarks>
internal static class Utmp
{
    public const int RecordSize = 384;

    private const int TypeOffset = 0;
    private const int PidOffset = 4;
    private const int LineOffset = 8;
    private const int LineSize = 32;
    private const int IdOffset = 40;
    private const int IdSize = 4;
    private const int UserOffset = 44;
    private const int UserSize = 32;
    private const int HostOffset = 76;
    private const int HostSize = 256;
    private const int SessionOffset = 336;
    private const int SecondsOffset = 340;
    private const int MicrosecondsOffset = 344;
    private const int AddressOffset = 348;

    private static readonly DateTimeOffset s_epoch = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Reads records until the stream ends; a truncated last record is ignored, a damaged one skipped.</summary>
    public static IEnumerable<UtmpRecord> Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] buffer = new byte[RecordSize];
        while (true)
        {
            int filled = 0;
            while (filled < RecordSize)
            {
                int read = stream.Read(buffer, filled, RecordSize - filled);
                if (read == 0)
                {
                    // End of stream: a partial record is one still being written or cut off; neither is a record.
                    yield break;
                }

                filled += read;
            }

            UtmpRecord? record = Parse(buffer);
            if (record is not null)
            {
                yield return record;
            }
        }
    }

    /// <summary>Parses one 384-byte record, or returns null if it cannot be a record glibc wrote.</summary>
    public static UtmpRecord? Parse(ReadOnlySpan<byte> record)
    {
        if (record.Length < RecordSize)
        {
            return null;
        }

        short type = BinaryPrimitives.ReadInt16LittleEndian(record[TypeOffset..]);
        if (type < (short)UtmpType.Empty || type > (short)UtmpType.Accounting)
        {
            return null;
        }

        int seconds = BinaryPrimitives.ReadInt32LittleEndian(record[SecondsOffset..]);
        int microseconds = BinaryPrimitives.ReadInt32LittleEndian(record[MicrosecondsOffset..]);
        // Negative times and out-of-range microseconds are damage: no clock writes them.
        if (seconds < 0 || microseconds is < 0 or >= 1_000_000)
        {
            return null;
        }

        DateTimeOffset time = s_epoch.AddSeconds(seconds).AddTicks(microseconds * 10L);
        if (!TryText(record.Slice(LineOffset, LineSize), out string line)
            || !TryText(record.Slice(IdOffset, IdSize), out string id)
            || !TryText(record.Slice(UserOffset, UserSize), out string user)
            || !TryText(record.Slice(HostOffset, HostSize), out string host))
        {
            return null;
        }

        return new UtmpRecord(
            (UtmpType)type,
            BinaryPrimitives.ReadInt32LittleEndian(record[PidOffset..]),
            line,
            id,
            user,
            host,
            BinaryPrimitives.ReadInt32LittleEndian(record[SessionOffset..]),
            time,
            ReadAddress(record.Slice(AddressOffset, 16)));
    }

    /// <summary>
    /// A btmp record is a failed login: which kind of failure btmp cannot tell (sshd writes the same record for a
    /// wrong password and an unknown user), so every one is <see cref="AuthKind.Failed"/>.
    /// </summary>
    public static AuthEvent? ToFailedEvent(UtmpRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        IPAddress? address = RemoteAddress(record);
        if (address is null && record.User.Length == 0)
        {
            return null;
        }

        return new AuthEvent(record.Time, AuthKind.Failed, address, NullIfEmpty(record.User), Method: null, Source: "btmp");
    }

    /// <summary>
    /// A wtmp login over SSH: a USER_PROCESS record on an sshd terminal ("pts/N", or "ssh:..." as sshd names a
    /// session without one) with a remote host. Console logins and logouts (DEAD_PROCESS) are not SSH logins.
    /// </summary>
    public static AuthEvent? ToLoginEvent(UtmpRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Type != UtmpType.UserProcess
            || record.User.Length == 0
            || record.Host.Length == 0
            || !(record.Line.StartsWith("pts", StringComparison.Ordinal) || record.Line.StartsWith("ssh", StringComparison.Ordinal)))
        {
            return null;
        }

        return new AuthEvent(record.Time, AuthKind.Accepted, RemoteAddress(record), record.User, Method: "wtmp", Source: "wtmp");
    }

    /// <summary>Reads a btmp stream as failed-login events.</summary>
    public static IEnumerable<AuthEvent> ReadFailures(Stream btmp)
    {
        foreach (UtmpRecord record in Read(btmp))
        {
            if (ToFailedEvent(record) is { } e)
            {
                yield return e;
            }
        }
    }

    /// <summary>Reads a wtmp stream as SSH login events.</summary>
    public static IEnumerable<AuthEvent> ReadLogins(Stream wtmp)
    {
        foreach (UtmpRecord record in Read(wtmp))
        {
            if (ToLoginEvent(record) is { } e)
            {
                yield return e;
            }
        }
    }

    /// <summary>
    /// The binary address when there is one, else ut_host if it is an address literal. ut_host may also be a name
    /// (sshd with UseDNS) or, from other programs, a display like ":0"; those give no address.
    /// </summary>
    private static IPAddress? RemoteAddress(UtmpRecord record)
    {
        if (record.Address is not null)
        {
            return record.Address;
        }

        string host = record.Host;
        // A scoped link-local address is written "fe80::1%eth0"; the scope names an interface, not a peer.
        int percent = host.IndexOf('%', StringComparison.Ordinal);
        if (percent > 0)
        {
            host = host[..percent];
        }

        return ParseLiteral(host);
    }

    /// <summary>
    /// An address literal as sshd prints one. IPAddress.TryParse also takes inet_aton's shorthands ("10.1",
    /// "167772161"), which a host name field may hold without being an address, so IPv4 must be a dotted quad.
    /// </summary>
    private static IPAddress? ParseLiteral(string host)
    {
        return Config.AddressText.TryParse(host, out IPAddress? parsed) ? Unmap(parsed) : null;
    }

    private static IPAddress? ReadAddress(ReadOnlySpan<byte> words)
    {
        if (!words.ContainsAnyExcept((byte)0))
        {
            return null;
        }

        if (!words[4..].ContainsAnyExcept((byte)0))
        {
            return new IPAddress(words[..4]);
        }

        return Unmap(new IPAddress(words));
    }

    private static IPAddress Unmap(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>
    /// The text up to the first NUL. Bytes that are not UTF-8 become U+FFFD; control characters mean the record is
    /// garbage (no program writes a newline into a user or terminal name), so it is refused.
    /// </summary>
    private static bool TryText(ReadOnlySpan<byte> field, out string text)
    {
        int end = field.IndexOf((byte)0);
        ReadOnlySpan<byte> bytes = end < 0 ? field : field[..end];
        foreach (byte b in bytes)
        {
            if (b < 0x20 || b == 0x7f)
            {
                text = "";
                return false;
            }
        }

        text = s_utf8.GetString(bytes);
        return true;
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
