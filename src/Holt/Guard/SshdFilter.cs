using System.Buffers.Binary;
using System.Net;

namespace Holt.Guard;

/// <summary>
/// Turns OpenSSH's log lines (program <c>sshd</c>, <c>sshd-session</c> since 9.8, <c>sshd-auth</c>, and old
/// Linux-PAM's <c>sshd(pam_unix)</c>) into authentication events, as real servers write them: current and older
/// OpenSSH (lines without " port N", "Illegal user", "ROOT LOGIN REFUSED"), sshd built with PAM (its own "PAM:"
/// errors, and PAM modules' "authentication failure" lines), TCP wrappers, and the disconnects of clients that gave
/// up after failing.
/// <para>
/// Safety against log injection: sshd writes the client's address after everything the client chose (user name,
/// banner text), or straight after its own words; <see cref="SshdText"/> reads it from there, never from the first
/// "from", and only as an IP literal. A user called <c>root from 203.0.113.9 port 22</c> stays a user name.
/// </para>
/// <para>
/// How a connection's lines count (state per connection, keyed by sshd's pid; a line with another address under
/// the same pid starts a new connection, as pids are reused):
/// <list type="bullet">
/// <item>Each failure sshd reports counts once: "Failed METHOD", "Invalid user", "User ... not allowed",
/// "maximum authentication attempts exceeded" (the only record of the attempt over the limit), "ROOT LOGIN
/// REFUSED", TCP wrappers' "refused connect", and sshd's "PAM: Authentication failure".</item>
/// <item>One attempt, several lines, one failure: a PAM module's "authentication failure" is counted by the
/// attempt's own sshd line after it ("Failed password"); and the "Failed keyboard-interactive" that follows sshd's
/// "PAM:" error repeats it. A PAM module's failure that no sshd line follows (the client left during PAM's delay)
/// counts when the connection ends. One followed by a successful login is a PAM stack whose next module let the
/// user in (pam_unix failing before pam_ldap or pam_sss succeeds): not a failure.</item>
/// <item>The end of a failing connection (too many failures, a change of user, a disconnect before
/// authentication by a named user, JSch's "Auth fail") counts one failure only if the connection had none
/// counted yet, so a key-spraying client is caught without counting a password guesser twice.</item>
/// <item>Lines that name no address (older "Disconnecting: Too many authentication failures", "User root not
/// allowed because account is locked") take the connection's; when none is known yet they wait, up to
/// <see cref="PendingLife"/>, for the connection's next line that names it and counts nothing itself.</item>
/// <item>A later success never erases failures already counted.</item>
/// </list>
/// </para>
/// </summary>
internal sealed partial class SshdFilter
{
    /// <summary>
    /// Connections tracked at most. sshd lets 100 unauthenticated connections wait at once by default (MaxStartups
    /// 10:30:100), and a connection is forgotten at its last line; past this, the oldest are forgotten first.
    /// </summary>
    private const int MaxConnections = 16384;

    /// <summary>How long a failure waits for its connection's address, at most (sshd's LoginGraceTime is 2 minutes).</summary>
    public static readonly TimeSpan PendingLife = TimeSpan.FromMinutes(10);

    private readonly Dictionary<int, Connection> _connections = [];

    /// <summary>
    /// The connections in the order they were made (some since forgotten or replaced: their stamp no longer matches),
    /// oldest first.
    /// </summary>
    private readonly Queue<(int Pid, Connection Connection, long Stamp)> _order = new();

    /// <summary>
    /// Forgotten connections' objects, for the next ones: a flood of short connections reuses the same few thousand
    /// instead of leaving one behind per line for the collector to promote and sweep.
    /// </summary>
    private readonly Stack<Connection> _spare = new();
    private long _stamps;
    private readonly bool _aggressive;
    private readonly bool _users;

    /// <param name="aggressive">Also count what fail2ban's aggressive mode counts (key exchange, banners, drops).</param>
    /// <param name="users">Keep the user names in the events (the report shows them; the guard needs none).</param>
    public SshdFilter(bool aggressive = false, bool users = true)
    {
        _aggressive = aggressive;
        _users = users;
    }

    public static bool IsSshd(string program) => program is "sshd" or "sshd-session" or "sshd-auth" || IsPamProgram(program);

    private static bool IsPamProgram(string program) => program.StartsWith("sshd(pam_", StringComparison.Ordinal) && program.EndsWith(')');

    /// <summary>The event <paramref name="line"/> reports, or null.</summary>
    public AuthEvent? Process(LogLine line, string source) => Process(new LogLineView(line.Time, line.Host, line.Program, line.Pid, line.Message), source);

    /// <summary>The event <paramref name="line"/> reports, or null.</summary>
    public AuthEvent? Process(LogLineView line, string source)
    {
        if (!IsSshd(line.Program))
        {
            return null;
        }

        ReadOnlySpan<char> text = line.Message;
        bool preauth = text.EndsWith(" [preauth]");
        if (preauth)
        {
            text = text[..^10];
        }

        if (text.StartsWith("error: ") || text.StartsWith("fatal: "))
        {
            text = text[7..];
        }

        Connection? connection = line.Pid > 0 ? _connections.GetValueOrDefault(line.Pid) : null;
        if (connection is not null && line.Time.UtcDateTime - connection.Seen > PendingLife)
        {
            connection.Clear();
        }

        Said said = Read(text, preauth, IsPamProgram(line.Program), connection?.Address());
        AuthEvent? found = said.Role == Role.None ? null : Apply(said, line.Time, line.Pid, preauth, source, connection);
        if (line.Pid > 0 && (text.StartsWith("Connection closed by ") || text.StartsWith("Connection reset by ") || text.StartsWith("Disconnected from ")))
        {
            // sshd's last line for a connection: nothing of it follows, and a flood must not keep its state.
            Forget(line.Pid);
        }

        return found;
    }

    private AuthEvent? Apply(Said said, DateTimeOffset time, int pid, bool preauth, string source, Connection? connection)
    {
        if (pid > 0 && said.Role != Role.Gone)
        {
            // The line's own address is the connection's; a different one under the same pid is a new connection
            // (pids are reused), never a reason to keep the old one. A line without one joins the pid's connection.
            if (said.Address is IPAddress own)
            {
                // "Connection from" always starts one: the same client can come back under a reused pid.
                if (connection is null || said.Role == Role.Start || !connection.Allows(own))
                {
                    connection = Remember(pid, own);
                }
                else
                {
                    connection.Learn(own);
                }
            }
            else
            {
                connection ??= Remember(pid, null);
            }

            connection.Seen = time.UtcDateTime;
        }

        IPAddress? address = said.Address ?? connection?.Address();
        switch (said.Role)
        {
            case Role.Start:
                return null;

            case Role.PamModule:
                if (connection is not null)
                {
                    connection.Module ??= new Pending(said.Kind, User(said.User), time);
                }

                return null;

            case Role.Counts or Role.PamError or Role.KeyboardInteractive:
                if (said.Role == Role.KeyboardInteractive && connection is { Echo: true })
                {
                    connection.Echo = false;
                    connection.Module = null;
                    return null;
                }

                if (address is null)
                {
                    if (connection is not null)
                    {
                        connection.Waiting ??= new Pending(said.Kind, User(said.User), time);
                    }

                    return null;
                }

                if (connection is not null)
                {
                    connection.Counted = true;
                    connection.Module = null;
                    connection.Waiting = null;
                    connection.Echo = said.Role == Role.PamError;
                }

                return Event(time, said.Kind, address, User(said.User), said.Method, source);

            case Role.Closing:
                if (address is null)
                {
                    if (connection is { Counted: false })
                    {
                        connection.Waiting ??= new Pending(AuthKind.Failed, User(said.User), time, Closing: true);
                    }

                    return null;
                }

                if (TakePending(connection, address, source) is AuthEvent held)
                {
                    return held;
                }

                if (connection is { Counted: true })
                {
                    return null;
                }

                if (connection is not null)
                {
                    connection.Counted = true;
                }

                return Event(time, AuthKind.Failed, address, User(said.User), null, source);

            case Role.Accepted:
                if (connection is not null)
                {
                    connection.Authenticated = true;
                    connection.Module = null;
                    connection.Waiting = null;
                }

                return Event(time, AuthKind.Accepted, address, User(said.User), said.Method, source);

            case Role.Aggressive:
                return (address is null ? null : TakePending(connection, address, source)) ?? Event(time, AuthKind.Aggressive, address, null, null, source);

            case Role.Gone:
                return Gone(said, time, pid, preauth, source, connection);

            default:
                return null;
        }
    }

    /// <summary>
    /// A connection's end that claims no failure itself: it settles what waited for it (a PAM module's failure, a
    /// failure without an address), or is a scanner's noise (aggressive mode) when the connection never
    /// authenticated; the end of a session forgets the connection.
    /// </summary>
    private AuthEvent? Gone(Said said, DateTimeOffset time, int pid, bool preauth, string source, Connection? connection)
    {
        if (said.Address is IPAddress address && connection is not null && !connection.Allows(address))
        {
            connection = null;
        }

        AuthEvent? result = null;
        if (said.Address is IPAddress own)
        {
            connection?.Learn(own);
            result = TakePending(connection, own, source);
            if (result is null && said.Eligible && !(connection?.Authenticated ?? false))
            {
                result = Event(time, AuthKind.Aggressive, own, null, null, source);
            }
        }

        // [preauth] lines come from the unprivileged child; the connection's monitor may still write after them.
        if (pid > 0 && !preauth && (said.Address is null || !said.Eligible || (connection?.Authenticated ?? false)))
        {
            Forget(pid);
        }

        return result;
    }

    /// <summary>What waited for this connection's end or address, as one failure; or null.</summary>
    private static AuthEvent? TakePending(Connection? connection, IPAddress address, string source)
    {
        if (connection is null)
        {
            return null;
        }

        Pending? pending = connection.Module;
        if (pending is null && connection.Waiting is Pending waiting && !(waiting.Closing && connection.Counted))
        {
            pending = waiting;
        }

        connection.Module = null;
        connection.Waiting = null;
        if (pending is not Pending found)
        {
            return null;
        }

        connection.Counted = true;
        return new AuthEvent(found.Time, found.Kind, address, found.User, null, source);
    }

    /// <summary>The user, as an event keeps it: a string, unless this filter keeps none.</summary>
    private string? User(ReadOnlySpan<char> user) => _users && !user.IsEmpty ? user.ToString() : null;

    private AuthEvent? Event(DateTimeOffset time, AuthKind kind, IPAddress? address, string? user, string? method, string source) =>
        address is null || (kind == AuthKind.Aggressive && !_aggressive) ? null : new AuthEvent(time, kind, address, user, method, source);

    /// <summary>A new connection under <paramref name="pid"/>, replacing the one it had; the caller drops the old one.</summary>
    private Connection Remember(int pid, IPAddress? address)
    {
        Forget(pid);
        if (_order.Count >= 2 * MaxConnections)
        {
            // Most entries are of connections already forgotten at their last line: keep the current ones, in order,
            // within the queue's own storage.
            for (int left = _order.Count; left > 0; left--)
            {
                (int Pid, Connection Connection, long Stamp) entry = _order.Dequeue();
                if (IsCurrent(entry))
                {
                    _order.Enqueue(entry);
                }
            }
        }

        while (_connections.Count >= MaxConnections && _order.TryDequeue(out (int Pid, Connection Connection, long Stamp) oldest))
        {
            // A flood of connections that never log their end: the oldest go first.
            if (IsCurrent(oldest))
            {
                Forget(oldest.Pid);
            }
        }

        Connection connection = _spare.TryPop(out Connection? spare) ? spare : new Connection();
        connection.Start(address, ++_stamps);
        _connections[pid] = connection;
        _order.Enqueue((pid, connection, connection.Stamp));
        return connection;
    }

    /// <summary>Forgets the connection under <paramref name="pid"/>, if any; its object waits for the next one.</summary>
    private void Forget(int pid)
    {
        if (_connections.Remove(pid, out Connection? gone))
        {
            gone.Start(null, 0);
            _spare.Push(gone);
        }
    }

    private bool IsCurrent((int Pid, Connection Connection, long Stamp) entry) =>
        _connections.TryGetValue(entry.Pid, out Connection? current) && ReferenceEquals(current, entry.Connection) && current.Stamp == entry.Stamp;

    /// <summary>A failure known to have happened but not counted yet (a class: most connections never have one).</summary>
    private sealed record Pending(AuthKind Kind, string? User, DateTimeOffset Time, bool Closing = false);

    /// <summary>
    /// What is known of one connection. Its address is kept as its bytes, not as an <see cref="IPAddress"/>, so that a
    /// connection holds no object of its own: a flood's worth of them costs the collector nothing.
    /// </summary>
    private sealed class Connection
    {
        // The address's bytes, big-endian halves; _length is 0 (none yet), 4 or 16.
        private ulong _high;
        private ulong _low;
        private int _length;

        /// <summary>Which use of this object this is: the order queue's entries of an earlier use are stale.</summary>
        public long Stamp { get; private set; }

        /// <summary>When its last line was written (UTC).</summary>
        public DateTime Seen { get; set; }

        /// <summary>A failure was counted for this connection.</summary>
        public bool Counted { get; set; }

        public bool Authenticated { get; set; }

        /// <summary>sshd's "PAM:" error was counted: the "Failed keyboard-interactive" after it is the same attempt.</summary>
        public bool Echo { get; set; }

        /// <summary>A PAM module's failure, waiting for the attempt's sshd line or the connection's end.</summary>
        public Pending? Module { get; set; }

        /// <summary>A failure that named no address, waiting for a line that does.</summary>
        public Pending? Waiting { get; set; }

        /// <summary>The connection's address, as a new object each time; null while no line gave it.</summary>
        public IPAddress? Address()
        {
            if (_length == 0)
            {
                return null;
            }

            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt64BigEndian(bytes, _high);
            BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], _low);
            return new IPAddress(_length == 4 ? bytes[..4] : bytes);
        }

        /// <summary>Whether <paramref name="address"/> can be this connection's: it is its address, or none is known yet.</summary>
        public bool Allows(IPAddress address)
        {
            if (_length == 0)
            {
                return true;
            }

            Span<byte> bytes = stackalloc byte[16];
            bytes.Clear();
            return address.TryWriteBytes(bytes, out int length) && length == _length &&
                BinaryPrimitives.ReadUInt64BigEndian(bytes) == _high && BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]) == _low;
        }

        /// <summary>Takes <paramref name="address"/> as the connection's, unless it has one already.</summary>
        public void Learn(IPAddress address)
        {
            if (_length != 0)
            {
                return;
            }

            Span<byte> bytes = stackalloc byte[16];
            bytes.Clear();
            if (address.TryWriteBytes(bytes, out int length))
            {
                _high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
                _low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
                _length = length;
            }
        }

        /// <summary>Makes this object a new connection (stamp 0: a spare one), with <paramref name="address"/> if known.</summary>
        public void Start(IPAddress? address, long stamp)
        {
            (_high, _low, _length) = (0, 0, 0);
            Stamp = stamp;
            Seen = default;
            Counted = false;
            Authenticated = false;
            Clear();
            if (address is not null)
            {
                Learn(address);
            }
        }

        /// <summary>Forgets what waited too long (the pid was probably reused).</summary>
        public void Clear()
        {
            Module = null;
            Waiting = null;
            Echo = false;
        }
    }
}
