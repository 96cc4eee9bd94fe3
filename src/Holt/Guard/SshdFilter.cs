using System.Globalization;
using System.Net;

namespace Holt.Guard;

/// <summary>
/// Turns OpenSSH's log lines (program <c>sshd</c>, <c>sshd-session</c> since 9.8, <c>sshd-auth</c>) into
/// authentication events.
/// <para>
/// Safety against log injection: sshd writes the client's address after everything the client chose (user name,
/// banner text), as "from ADDRESS port N" or "ADDRESS port N" near the end of the line. The address is therefore
/// read backwards from the end of the line, never from the first "from" (a user called
/// <c>root from 203.0.113.9 port 22</c> stays a user name), and only an IP literal is accepted.
/// </para>
/// <para>
/// State per connection, keyed by sshd's pid and started by any line that carries an address ("Connection from" at
/// LogLevel VERBOSE, or the first failure at INFO); a line with another address under the same pid starts a new
/// connection (pids are reused). Lines without an address (older "Disconnecting: Too many authentication
/// failures") are tied back to it, and a closing line (too many failures, a disconnect before authentication)
/// counts as one failure only if the connection had none counted yet, so a key-spraying client is caught without
/// counting a password guesser twice. "maximum authentication attempts exceeded" always counts: it is the only
/// record of the attempt over the limit. A later success never erases failures already counted.
/// </para>
/// </summary>
internal sealed class SshdFilter
{
    private const int MaxConnections = 65536;

    private static readonly string[] s_addressPrefixes =
    [
        "Unable to negotiate with ",
        "banner exchange: Connection from ",
        "Did not receive identification string from ",
        "Protocol major versions differ for ",
        "Timeout before authentication for ",
    ];

    private static readonly System.Buffers.SearchValues<char> s_addressChars = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF:.");

    private readonly Dictionary<int, Connection> _connections = [];
    private readonly bool _aggressive;

    public SshdFilter(bool aggressive = false) => _aggressive = aggressive;

    public static bool IsSshd(string program) => program is "sshd" or "sshd-session" or "sshd-auth";

    /// <summary>The event <paramref name="line"/> reports, or null.</summary>
    public AuthEvent? Process(LogLine line, string source)
    {
        if (!IsSshd(line.Program))
        {
            return null;
        }

        string message = line.Message;
        bool preauth = message.EndsWith(" [preauth]", StringComparison.Ordinal);
        ReadOnlySpan<char> text = preauth ? message.AsSpan(0, message.Length - 10) : message;
        if (text.StartsWith("error: "))
        {
            text = text[7..];
        }
        else if (text.StartsWith("fatal: "))
        {
            text = text[7..];
        }

        Connection? connection = line.Pid > 0 ? _connections.GetValueOrDefault(line.Pid) : null;
        AuthEvent? Event(AuthKind kind, IPAddress? address, string? user, string? method, bool closing = false)
        {
            // The line's own address (read from its end, where sshd writes it) is the connection's; the pid's state
            // speaks only for lines that carry none. A different address under the same pid is a new connection
            // (pids are reused), never a reason to keep the old one.
            if (address is not null && line.Pid > 0 && (connection is null || !connection.Address.Equals(address)))
            {
                connection = Remember(line.Pid, address);
            }

            address ??= connection?.Address;
            if (address is null)
            {
                return null;
            }

            if (closing && connection is { Counted: true })
            {
                return null;
            }

            if (kind is AuthKind.Failed or AuthKind.InvalidUser && connection is not null)
            {
                connection.Counted = true;
            }

            if (kind == AuthKind.Accepted && connection is not null)
            {
                connection.Authenticated = true;
            }

            return kind == AuthKind.Aggressive && !_aggressive ? null : new AuthEvent(line.Time, kind, address, user, method, source);
        }

        switch (text)
        {
            case var t when t.StartsWith("Connection from "):
                // "Connection from ADDR port N on ADDR port N rdomain ..." — the first word after "from" is sshd's.
                if (Ip(Word(t["Connection from ".Length..])) is IPAddress connectionFrom && line.Pid > 0)
                {
                    _ = Remember(line.Pid, connectionFrom);
                }

                return null;

            case var t when t.StartsWith("Failed "):
                // "Failed METHOD for [invalid user ]USER from ADDR port N ssh2[: KEY]"
                {
                    t = CutKeyInfo(t);
                    if (!TailAddress(t, " from ", out IPAddress? address, out ReadOnlySpan<char> head))
                    {
                        return null;
                    }

                    int forAt = head.IndexOf(" for ");
                    if (forAt < 0)
                    {
                        return null;
                    }

                    string method = NormalizeMethod(head["Failed ".Length..forAt]);
                    ReadOnlySpan<char> user = head[(forAt + 5)..];
                    bool invalid = user.StartsWith("invalid user ");
                    return Event(invalid ? AuthKind.InvalidUser : AuthKind.Failed, address, (invalid ? user[13..] : user).ToString(), method);
                }

            case var t when t.StartsWith("Invalid user "):
                // "Invalid user USER from ADDR port N"
                return TailAddress(t, " from ", out IPAddress? invalidFrom, out ReadOnlySpan<char> invalidHead)
                    ? Event(AuthKind.InvalidUser, invalidFrom, invalidHead["Invalid user ".Length..].ToString(), null)
                    : null;

            case var t when t.StartsWith("Accepted "):
                {
                    t = CutKeyInfo(t);
                    if (!TailAddress(t, " from ", out IPAddress? address, out ReadOnlySpan<char> head))
                    {
                        return null;
                    }

                    int forAt = head.IndexOf(" for ");
                    return forAt < 0 ? null : Event(AuthKind.Accepted, address, head[(forAt + 5)..].ToString(), NormalizeMethod(head["Accepted ".Length..forAt]));
                }

            case var t when t.StartsWith("User ") && t.Contains(" not allowed because ", StringComparison.Ordinal):
                // "User USER from ADDR not allowed because ..." — the reason is sshd's own text.
                {
                    int because = t.LastIndexOf(" not allowed because ");
                    ReadOnlySpan<char> head = t[..because];
                    int fromAt = head.LastIndexOf(" from ");
                    return fromAt < 0 || Ip(head[(fromAt + 6)..]) is not IPAddress address
                        ? null
                        : Event(AuthKind.InvalidUser, address, head[5..fromAt].ToString(), null);
                }

            case var t when t.StartsWith("maximum authentication attempts exceeded for "):
                // The attempt over the limit: sshd logs it with this line alone, so it always counts.
                return TailAddress(t, " from ", out IPAddress? maxFrom, out ReadOnlySpan<char> maxHead)
                    ? Event(maxHead["maximum authentication attempts exceeded for ".Length..].StartsWith("invalid user ") ? AuthKind.InvalidUser : AuthKind.Failed,
                        maxFrom, StripInvalid(maxHead["maximum authentication attempts exceeded for ".Length..]), null)
                    : null;

            case var t when t.StartsWith("Disconnecting authenticating user ") || t.StartsWith("Disconnecting invalid user "):
                // "Disconnecting authenticating user USER ADDR port N: Too many authentication failures"
                {
                    int colon = t.LastIndexOf(": ");
                    return colon > 0 && TailAddress(t[..colon], " ", out IPAddress? address, out ReadOnlySpan<char> head)
                        ? Event(AuthKind.Failed, address, head[(t.StartsWith("Disconnecting invalid") ? 27 : 34)..].ToString(), null, closing: true)
                        : null;
                }

            case var t when t.StartsWith("Disconnecting: Too many authentication failures"):
                return Event(AuthKind.Failed, null, null, null, closing: true);

            case var t when preauth && (t.StartsWith("Connection closed by authenticating user ") || t.StartsWith("Connection closed by invalid user ")
                || t.StartsWith("Disconnected from authenticating user ") || t.StartsWith("Disconnected from invalid user ")):
                {
                    // "... user USER ADDR port N"
                    if (!TailAddress(t, " ", out IPAddress? address, out ReadOnlySpan<char> head))
                    {
                        return null;
                    }

                    int user = head.IndexOf(" user ");
                    return Event(AuthKind.Failed, address, head[(user + 6)..].ToString(), null, closing: true);
                }

            case var t when t.StartsWith("Connection closed by ") || t.StartsWith("Connection reset by ")
                || t.StartsWith("Received disconnect from ") || t.StartsWith("Disconnected from "):
                {
                    // With no user named: a connection dropped before authenticating (a scanner's noise, counted in
                    // aggressive mode only), or the end of a session, which counts for nothing.
                    bool bySomeone = t.StartsWith("Connection");
                    ReadOnlySpan<char> body = t[(bySomeone ? t.IndexOf(" by ") + 4 : t.IndexOf(" from ") + 6)..];
                    IPAddress? address = Ip(Word(body).TrimEnd(':'));
                    if (address is null || t.StartsWith("Disconnected from user ") || (!preauth && (connection?.Authenticated ?? false)) ||
                        (!preauth && !bySomeone))
                    {
                        Forget(line.Pid, t);
                        return null;
                    }

                    return Event(AuthKind.Aggressive, address, null, null);
                }

            case var t when t.StartsWith("Timeout before authentication for connection from "):
                // OpenSSH 9.8: "... for connection from LOCAL to REMOTE, pid = N": the client is after " to ".
                {
                    int to = t.LastIndexOf(" to ");
                    ReadOnlySpan<char> remote = to < 0 ? default : Word(t[(to + 4)..]).TrimEnd(',');
                    return Event(AuthKind.Aggressive, Ip(remote), null, null);
                }

            case var t when t.StartsWith("drop connection #"):
                // "drop connection #N from [ADDRESS]:PORT on [ADDRESS]:PORT past MaxStartups"
                {
                    int open = t.IndexOf(" from [");
                    int close = open < 0 ? -1 : t[(open + 7)..].IndexOf(']');
                    return close < 0 ? null : Event(AuthKind.Aggressive, Ip(t.Slice(open + 7, close)), null, null);
                }

            case var t when t.StartsWith("ssh_dispatch_run_fatal: Connection from "):
                // "... Connection from [authenticating|invalid user USER ]ADDRESS port N: REASON": the reason is sshd's,
                // the user the client's; the address is the word before the last " port N:".
                return Event(AuthKind.Aggressive, AddressBeforePortColon(t), null, null);

            case var t when t.StartsWith("Bad protocol version identification "):
                // The client's banner is quoted before "from ADDRESS port N"; read from the end.
                return Event(AuthKind.Aggressive, AddressNearEnd(t), null, null);

            case var t when t.StartsWith("kex_exchange_identification: "):
                // No address on this line; the "Connection closed by ADDRESS port N" after it counts instead.
                return null;

            case var t when AddressPrefix(t) is int length:
                // "Unable to negotiate with ADDRESS port N: ...", "banner exchange: Connection from ADDRESS port N: ...":
                // the address comes straight after sshd's words, before anything the client sent.
                return Event(AuthKind.Aggressive, Ip(Word(t[length..]).TrimEnd(':')), null, null);

            default:
                return null;
        }
    }

    private static IPAddress? AddressBeforePortColon(ReadOnlySpan<char> text)
    {
        for (int at = text.LastIndexOf(" port "); at > 0; at = text[..at].LastIndexOf(" port "))
        {
            ReadOnlySpan<char> after = text[(at + 6)..];
            int digits = after.IndexOfAnyExceptInRange('0', '9');
            if (digits > 0 && after[digits] == ':')
            {
                ReadOnlySpan<char> before = text[..at];
                return Ip(before[(before.LastIndexOf(' ') + 1)..]);
            }
        }

        return null;
    }

    private static int? AddressPrefix(ReadOnlySpan<char> text)
    {
        foreach (string prefix in s_addressPrefixes)
        {
            if (text.StartsWith(prefix))
            {
                return prefix.Length;
            }
        }

        return null;
    }

    private Connection Remember(int pid, IPAddress address)
    {
        if (_connections.Count >= MaxConnections)
        {
            // A flood of connections that never log their end: start afresh rather than grow without bound.
            _connections.Clear();
        }

        var connection = new Connection(address);
        _connections[pid] = connection;
        return connection;
    }

    private void Forget(int pid, ReadOnlySpan<char> text)
    {
        if (pid > 0 && !text.EndsWith("[preauth]"))
        {
            _ = _connections.Remove(pid);
        }
    }

    /// <summary>
    /// Finds "SEP ADDRESS port N" at the end of <paramref name="text"/> (after removing " ssh2"), searching for the
    /// last separator, so nothing a client put earlier in the line can stand in for the address.
    /// </summary>
    private static bool TailAddress(ReadOnlySpan<char> text, string separator, out IPAddress? address, out ReadOnlySpan<char> head)
    {
        address = null;
        head = default;
        if (text.EndsWith(" ssh2"))
        {
            text = text[..^5];
        }

        int port = text.LastIndexOf(" port ");
        if (port < 0 || !int.TryParse(text[(port + 6)..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return false;
        }

        ReadOnlySpan<char> beforePort = text[..port];
        int sep = beforePort.LastIndexOf(separator);
        if (sep < 0)
        {
            return false;
        }

        address = Ip(beforePort[(sep + separator.Length)..]);
        head = beforePort[..sep];
        return address is not null;
    }

    /// <summary>For the aggressive-only lines: the address in "ADDRESS port N" nearest the end.</summary>
    private static IPAddress? AddressNearEnd(ReadOnlySpan<char> text)
    {
        int port = text.LastIndexOf(" port ");
        if (port < 0)
        {
            return null;
        }

        ReadOnlySpan<char> before = text[..port];
        int space = before.LastIndexOf(' ');
        return Ip(before[(space + 1)..]);
    }

    private static ReadOnlySpan<char> CutKeyInfo(ReadOnlySpan<char> text)
    {
        // "... ssh2: ED25519 SHA256:..." — the key description follows sshd's own " ssh2".
        int ssh2 = text.LastIndexOf(" ssh2: ");
        return ssh2 >= 0 ? text[..(ssh2 + 5)] : text;
    }

    private static string StripInvalid(ReadOnlySpan<char> user) =>
        (user.StartsWith("invalid user ") ? user[13..] : user).ToString();

    private static string NormalizeMethod(ReadOnlySpan<char> method)
    {
        int slash = method.IndexOf('/');
        return (slash > 0 ? method[..slash] : method).ToString();
    }

    private static ReadOnlySpan<char> Word(ReadOnlySpan<char> text)
    {
        int space = text.IndexOf(' ');
        return space < 0 ? text : text[..space];
    }

    private static IPAddress? Ip(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text.Length > 45 || text.IndexOfAnyExcept(s_addressChars) >= 0)
        {
            return null;
        }

        return IPAddress.TryParse(text, out IPAddress? address) && (text.Contains(':') || text.Count('.') == 3) ? address : null;
    }

    private sealed class Connection(IPAddress address)
    {
        public IPAddress Address { get; } = address;

        public bool Counted { get; set; }

        public bool Authenticated { get; set; }
    }
}
