using System.Net;
using static Holt.Guard.SshdText;

namespace Holt.Guard;

internal sealed partial class SshdFilter
{
    private static readonly string[] s_addressPrefixes =
    [
        "Unable to negotiate with ",
        "banner exchange: Connection from ",
        "Did not receive identification string from ",
        "Protocol major versions differ for ",
        "Timeout before authentication for ",
    ];

    private static readonly System.Buffers.SearchValues<char> s_moduleChars = System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_");

    private static readonly string[] s_pamFailures =
    [
        "Authentication failure for ", "authentication failure for ", "Authentication error for ", "authentication error for ",
        "Authentication failed for ", "authentication failed for ", "User not known to the underlying authentication module for ",
    ];

    private static readonly string[] s_userClosings =
    [
        "Connection closed by authenticating user ", "Connection closed by invalid user ", "Connection reset by authenticating user ",
        "Connection reset by invalid user ", "Disconnected from authenticating user ", "Disconnected from invalid user ",
    ];

    /// <summary>What one line says, before the connection's state is taken into account.</summary>
    private enum Role
    {
        /// <summary>Nothing about authentication.</summary>
        None,

        /// <summary>"Connection from": only the connection's address.</summary>
        Start,

        /// <summary>A failure in its own right.</summary>
        Counts,

        /// <summary>sshd's PAM error line: a failure, and the "Failed keyboard-interactive" line after it repeats it.</summary>
        PamError,

        /// <summary>"Failed keyboard-interactive": a failure, unless it repeats the PAM error just before it.</summary>
        KeyboardInteractive,

        /// <summary>A PAM module's "authentication failure": counted with the attempt's own sshd line, or at the connection's end.</summary>
        PamModule,

        /// <summary>The end of a connection that failed to authenticate: one failure if none was counted.</summary>
        Closing,

        /// <summary>A successful login.</summary>
        Accepted,

        /// <summary>A client misbehaving before authentication: counted in aggressive mode only.</summary>
        Aggressive,

        /// <summary>A connection's end that claims no failure itself (aggressive mode counts it when it never authenticated).</summary>
        Gone,
    }

    /// <summary>What one line says: its role, Failed or InvalidUser for failures, the address the line itself
    /// carries (or null), the user it names (a slice of the line, made a string only when an event keeps it), the
    /// method, and for <see cref="Role.Gone"/> whether it ends a connection that may not have authenticated.</summary>
    private readonly ref struct Said
    {
        public Said(Role role, AuthKind kind = AuthKind.Failed, IPAddress? address = null, ReadOnlySpan<char> user = default, string? method = null, bool eligible = false)
        {
            Role = role;
            Kind = kind;
            Address = address;
            User = user;
            Method = method;
            Eligible = eligible;
        }

        public Role Role { get; }

        public AuthKind Kind { get; }

        public IPAddress? Address { get; }

        public ReadOnlySpan<char> User { get; }

        public string? Method { get; }

        public bool Eligible { get; }
    }

    /// <summary>Reads one sshd message (without "error: ", "fatal: " and " [preauth]").</summary>
    /// <param name="t">The message.</param>
    /// <param name="preauth">Whether it was tagged [preauth].</param>
    /// <param name="pamProgram">Whether the program was "sshd(pam_unix)" (old Linux-PAM), which drops the module prefix.</param>
    /// <param name="known">The connection's address, when an earlier line gave it.</param>
    private static Said Read(ReadOnlySpan<char> t, bool preauth, bool pamProgram, IPAddress? known)
    {
        switch (t)
        {
            case var _ when t.StartsWith("Connection from "):
                // "Connection from ADDR port N on ADDR port N rdomain ..." — the first word after "from" is sshd's.
                return new Said(Role.Start, address: Ip(Word(t["Connection from ".Length..])));

            case var _ when t.StartsWith("Failed ") || t.StartsWith("Accepted "):
                return Authentication(t, known);

            case var _ when t.StartsWith("Invalid user ") || t.StartsWith("Illegal user "):
                // "Invalid user USER from ADDR[ port N]"
                {
                    IPAddress? address = AuthAddress(t, known, endDecides: true, out int fromAt);
                    return address is null ? default : new Said(Role.Counts, AuthKind.InvalidUser, address, Between(t, 13, fromAt));
                }

            case var _ when t.StartsWith("User ") && t.Contains(" not allowed because ", StringComparison.Ordinal):
                // "User USER from HOST not allowed because ..." (auth.c, allowed_user), where HOST is an address or a
                // name sshd verified; or, for a locked account or a missing shell, "User USER not allowed because
                // ..." with no host. The account exists, so USER is its real name.
                {
                    int because = t.LastIndexOf(" not allowed because ");
                    ReadOnlySpan<char> head = t[..because];
                    ReadOnlySpan<char> reason = t[(because + 21)..];
                    if (reason.StartsWith("account is locked") || reason.StartsWith("shell "))
                    {
                        return new Said(Role.Counts, AuthKind.InvalidUser, null, Between(head, 5, head.Length));
                    }

                    int fromAt = head.LastIndexOf(" from ");
                    IPAddress? address = fromAt < 0 ? null : Ip(head[(fromAt + 6)..]);
                    return new Said(Role.Counts, AuthKind.InvalidUser, address, Between(head, 5, fromAt < 0 ? head.Length : fromAt));
                }

            case var _ when t.StartsWith("ROOT LOGIN REFUSED FROM "):
                // Older sshd with PermitRootLogin no: "ROOT LOGIN REFUSED FROM ADDR[ port N]".
                return Ip(Word(t["ROOT LOGIN REFUSED FROM ".Length..])) is IPAddress refused ? new Said(Role.Counts, AuthKind.Failed, refused, "root") : default;

            case var _ when t.StartsWith("refused connect from ") && t.EndsWith(")"):
                // TCP wrappers (libwrap): "refused connect from NAME (ADDR)" — the name is the client's reverse DNS;
                // the address is in the last parentheses, which end the line.
                {
                    int open = t.LastIndexOf(" (");
                    return open < 0 || Ip(t[(open + 2)..^1]) is not IPAddress wrapped ? default : new Said(Role.Counts, AuthKind.Failed, wrapped);
                }

            case var _ when t.StartsWith("PAM: "):
                return PamError(t[5..]);

            case var _ when t.StartsWith("pam_") || (pamProgram && t.StartsWith("authentication failure; ")):
                return PamModule(t, pamProgram);

            case var _ when t.StartsWith("maximum authentication attempts exceeded for "):
                // The attempt over the limit: sshd logs it with this line alone, so it always counts.
                {
                    IPAddress? address = AuthAddress(t, known, endDecides: true, out int fromAt);
                    if (address is null)
                    {
                        return default;
                    }

                    const int Prefix = 45;
                    ReadOnlySpan<char> user = fromAt < Prefix ? default : t[Prefix..fromAt];
                    bool invalid = user.StartsWith("invalid user ");
                    return new Said(Role.Counts, invalid ? AuthKind.InvalidUser : AuthKind.Failed, address, invalid ? user[13..] : user);
                }

            case var _ when t.StartsWith("Disconnecting authenticating user ") || t.StartsWith("Disconnecting invalid user "):
                return Disconnecting(t);

            case var _ when t.StartsWith("Disconnecting: Too many authentication failures"):
                // Older sshd names no address ("... [for USER]"): the connection's earlier or later lines give it.
                {
                    ReadOnlySpan<char> rest = t["Disconnecting: Too many authentication failures".Length..];
                    return new Said(Role.Closing, user: rest.StartsWith(" for ") ? rest[5..] : default);
                }

            case var _ when preauth && StartsWithAny(t, s_userClosings) is int prefix:
                // "... user USER ADDR port N": the address is the word before the final port.
                {
                    if (!TailAddress(t, " ", out IPAddress? address, out ReadOnlySpan<char> head))
                    {
                        return default;
                    }

                    return new Said(Role.Closing, AuthKind.Failed, address, head[prefix..]);
                }

            case var _ when t.StartsWith("Received disconnect from "):
                return ReceivedDisconnect(t, preauth);

            case var _ when t.StartsWith("Connection closed by ") || t.StartsWith("Connection reset by ") || t.StartsWith("Disconnected from "):
                {
                    // With no user named: a connection dropped before authenticating (a scanner's noise, counted in
                    // aggressive mode only), or the end of a session, which counts for nothing.
                    bool bySomeone = t.StartsWith("Connection");
                    ReadOnlySpan<char> body = t[(bySomeone ? t.IndexOf(" by ") + 4 : t.IndexOf(" from ") + 6)..];
                    IPAddress? address = IpBeforeColon(Word(body));
                    bool eligible = address is not null && !t.StartsWith("Disconnected from user ") && (preauth || bySomeone);
                    return new Said(Role.Gone, address: address, eligible: eligible);
                }

            case var _ when t.StartsWith("Timeout before authentication for connection from "):
                // OpenSSH 9.8: "... for connection from LOCAL to REMOTE, pid = N": the client is after " to ".
                {
                    int to = t.LastIndexOf(" to ");
                    return Aggressive(to < 0 ? null : Ip(Word(t[(to + 4)..]).TrimEnd(',')));
                }

            case var _ when t.StartsWith("drop connection #"):
                // "drop connection #N from [ADDRESS]:PORT on [ADDRESS]:PORT past MaxStartups"
                {
                    int open = t.IndexOf(" from [");
                    int close = open < 0 ? -1 : t[(open + 7)..].IndexOf(']');
                    return close < 0 ? default : Aggressive(Ip(t.Slice(open + 7, close)));
                }

            case var _ when t.StartsWith("ssh_dispatch_run_fatal: Connection from "):
                // "... Connection from [authenticating|invalid user USER ]ADDRESS port N: REASON": the reason is sshd's,
                // the user the client's; the address is the word before the last " port N:".
                return Aggressive(AddressBeforePortColon(t, out _));

            case var _ when t.StartsWith("Bad protocol version identification "):
                // The client's banner is quoted before "from ADDRESS port N"; read from the end.
                return Aggressive(AddressNearEnd(t));

            case var _ when StartsWithAny(t, s_addressPrefixes) is int length:
                // "Unable to negotiate with ADDRESS port N: ...", "banner exchange: Connection from ADDRESS port N: ...":
                // the address comes straight after sshd's words, before anything the client sent.
                return Aggressive(IpBeforeColon(Word(t[length..])));

            default:
                return default;
        }
    }

    private static Said Aggressive(IPAddress? address) => address is null ? default : new Said(Role.Aggressive, AuthKind.Aggressive, address);

    /// <summary>"Failed METHOD for [invalid user ]USER from ADDR port N ssh2[: INFO]" and "Accepted ..." alike.</summary>
    private static Said Authentication(ReadOnlySpan<char> t, IPAddress? known)
    {
        bool accepted = t[0] == 'A';
        int start = accepted ? 9 : 7;
        int forAt = t[start..].IndexOf(" for ");
        if (forAt <= 0 || t.Slice(start, forAt).Contains(' '))
        {
            return default;
        }

        forAt += start;
        IPAddress? address = AuthAddress(t, known, endDecides: false, out int fromAt);
        if (address is null || fromAt < forAt + 5)
        {
            return default;
        }

        ReadOnlySpan<char> method = t[start..forAt];
        int slash = method.IndexOf('/');
        string methodName = MethodName(slash > 0 ? method[..slash] : method);
        ReadOnlySpan<char> user = t[(forAt + 5)..fromAt];
        if (accepted)
        {
            return new Said(Role.Accepted, AuthKind.Accepted, address, user, methodName);
        }

        bool invalid = user.StartsWith("invalid user ") || user.StartsWith("illegal user ");
        AuthKind kind = invalid || user.SequenceEqual("<invalid username>") ? AuthKind.InvalidUser : AuthKind.Failed;
        Role role = method.StartsWith("keyboard-interactive") ? Role.KeyboardInteractive : Role.Counts;
        return new Said(role, kind, address, invalid ? user[13..] : user, methodName);
    }

    /// <summary>
    /// sshd's own PAM errors (keyboard-interactive through PAM): "PAM: Authentication failure for [illegal user
    /// ]USER from HOST[ via ADDR]". HOST is last but for macOS's " via " and the server's own address after it.
    /// </summary>
    private static Said PamError(ReadOnlySpan<char> t)
    {
        if (StartsWithAny(t, s_pamFailures) is not int prefix)
        {
            return default;
        }

        bool unknownUser = t[0] == 'U';
        t = t.TrimEnd(' ');
        int via = t.LastIndexOf(" via ");
        if (via > 0 && !t[(via + 5)..].Contains(' ') && t[..via].LastIndexOf(" from ") > 0)
        {
            t = t[..via];
        }

        int fromAt = t.LastIndexOf(" from ");
        if (fromAt < prefix - 1)
        {
            return default;
        }

        ReadOnlySpan<char> user = fromAt < prefix ? default : t[prefix..fromAt];
        bool illegal = user.StartsWith("illegal user ");
        return new Said(Role.PamError, illegal || unknownUser ? AuthKind.InvalidUser : AuthKind.Failed, Ip(t[(fromAt + 6)..]),
            illegal ? user[13..] : user, "keyboard-interactive");
    }

    /// <summary>
    /// A PAM module's failure, as Linux-PAM's pam_unix writes it: "pam_unix(sshd:auth): authentication failure;
    /// logname= uid=0 euid=0 tty=ssh ruser= rhost=HOST  user=USER". The fields before rhost are set by sshd, not the
    /// client, and must come in this order; the user, which the client chose, comes after the address.
    /// </summary>
    private static Said PamModule(ReadOnlySpan<char> t, bool pamProgram)
    {
        const string Failure = "(sshd:auth): authentication failure; ";
        if (!pamProgram || !t.StartsWith("authentication failure; "))
        {
            int open = t.IndexOf('(');
            if (open < 5 || !t[open..].StartsWith(Failure) || t[4..open].IndexOfAnyExcept(s_moduleChars) >= 0)
            {
                return default;
            }

            t = t[(open + Failure.Length)..];
        }
        else
        {
            t = t["authentication failure; ".Length..];
        }

        ReadOnlySpan<char> ruser = default;
        foreach (string key in (ReadOnlySpan<string>)["logname=", "uid=", "euid=", "tty=", "ruser=", "rhost="])
        {
            t = t.TrimStart(' ');
            ReadOnlySpan<char> value = Word(t);
            if (!value.StartsWith(key))
            {
                return new Said(Role.PamModule);
            }

            t = t[value.Length..];
            value = value[key.Length..];
            if (key == "ruser=")
            {
                ruser = value;
            }
            else if (key == "rhost=")
            {
                ReadOnlySpan<char> rest = t.TrimStart(' ');
                ReadOnlySpan<char> user = rest.StartsWith("user=") ? rest[5..] : ruser;
                return new Said(Role.PamModule, AuthKind.Failed, Ip(value), user);
            }
        }

        return new Said(Role.PamModule);
    }

    /// <summary>
    /// "Disconnecting authenticating|invalid user USER ADDR port N: REASON". The reason is sshd's, except that a
    /// change of user quotes both user names: "Change of username or service not allowed: (USER,SERVICE) -> (...)".
    /// There the line is read so that the first quoted name is the USER before the address, which only sshd's own
    /// words can satisfy.
    /// </summary>
    private static Said Disconnecting(ReadOnlySpan<char> t)
    {
        int prefix = t.StartsWith("Disconnecting invalid") ? 27 : 34;
        const string Change = ": Change of username or service not allowed: (";
        if (!t.EndsWith(": Too many authentication failures"))
        {
            for (int at = t.IndexOf(Change); at > 0; at = NextIndex(t, Change, at))
            {
                if (TailAddress(t[..at], " ", out IPAddress? address, out ReadOnlySpan<char> head) && head.Length >= prefix)
                {
                    ReadOnlySpan<char> user = head[prefix..];
                    ReadOnlySpan<char> quoted = t[(at + Change.Length)..];
                    if (quoted.StartsWith(user) && quoted.Length > user.Length && quoted[user.Length] == ',')
                    {
                        return new Said(Role.Closing, AuthKind.Failed, address, user);
                    }
                }
            }

            if (t.Contains(Change, StringComparison.Ordinal))
            {
                return default;
            }
        }

        // Any other reason is sshd's own text: the address is before the last " port N:".
        IPAddress? found = AddressBeforePortColon(t, out ReadOnlySpan<char> before);
        return found is null || before.Length < prefix ? default : new Said(Role.Closing, AuthKind.Failed, found, before[prefix..]);
    }

    /// <summary>
    /// "Received disconnect from ADDR port N:CODE: REASON" (or "ADDR: CODE: REASON", older). The reason is the
    /// client's; code 3 with "Auth fail" is how JSch and its kin give up after failing to authenticate.
    /// </summary>
    private static Said ReceivedDisconnect(ReadOnlySpan<char> t, bool preauth)
    {
        ReadOnlySpan<char> rest = t["Received disconnect from ".Length..];
        ReadOnlySpan<char> word = Word(rest);
        IPAddress? address = IpBeforeColon(word);
        rest = rest[word.Length..];
        if (rest.StartsWith(" port "))
        {
            rest = rest[6..];
            int digits = rest.IndexOfAnyExceptInRange('0', '9');
            rest = digits <= 0 || rest[digits] != ':' ? default : rest[(digits + 1)..];
        }

        rest = rest.TrimStart(' ');
        int colon = rest.IndexOf(':');
        bool authFail = colon > 0 && rest[..colon].SequenceEqual("3") && rest[(colon + 1)..].TrimEnd(' ').EndsWith(": Auth fail");
        return authFail && address is not null
            ? new Said(Role.Closing, AuthKind.Failed, address)
            : new Said(Role.Gone, address: address, eligible: address is not null && preauth);
    }

    /// <summary>The method's name, without allocating for the ones sshd knows.</summary>
    private static string MethodName(ReadOnlySpan<char> method) => method switch
    {
        "password" => "password",
        "publickey" => "publickey",
        "keyboard-interactive" => "keyboard-interactive",
        "none" => "none",
        "hostbased" => "hostbased",
        "gssapi-with-mic" => "gssapi-with-mic",
        _ => method.ToString(),
    };

    /// <summary>The text from <paramref name="start"/> to <paramref name="end"/>, or empty when they are out of order.</summary>
    private static ReadOnlySpan<char> Between(ReadOnlySpan<char> text, int start, int end) => end <= start ? default : text[start..end];

    private static int NextIndex(ReadOnlySpan<char> text, string value, int after)
    {
        int next = text[(after + 1)..].IndexOf(value);
        return next < 0 ? -1 : after + 1 + next;
    }

    private static int? StartsWithAny(ReadOnlySpan<char> text, string[] prefixes)
    {
        foreach (string prefix in prefixes)
        {
            if (text.StartsWith(prefix))
            {
                return prefix.Length;
            }
        }

        return null;
    }
}
