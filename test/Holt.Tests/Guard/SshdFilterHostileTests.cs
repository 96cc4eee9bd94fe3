using System.Net;
using System.Text;
using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>
/// Every line form the sshd filter reads, with what a client controls (user names, ident names, disconnect reasons,
/// certificate ids) filled with text that imitates sshd's own words and carries other addresses; then the same lines
/// made overlong, and cut at every length. The address must be the connection's, or no event where a line is
/// ambiguous by its nature; never the one the client wrote.
/// </summary>
public sealed class SshdFilterHostileTests
{
    private const string Injected4 = "203.0.113.9";
    private const string Injected6 = "2001:db8:bad::1";

    // Neither has a proper prefix that is itself an address, so a cut through them cannot name another host.
    private static readonly string[] s_real = ["198.51.100.5", "2001:db8:77:1:2:3:4:5"];

    private static readonly string[] s_hostileUsers =
    [
        $"root from {Injected4}",
        $"root from {Injected4} port 22",
        $"root from {Injected4} port 22 ssh2",
        $"x from {Injected4} port 22 ssh2: y",
        $"a {Injected4} port 1",
        $"b {Injected4} port 1: Too many authentication failures",
        $"c) ({Injected4}",
        $"d via {Injected4}",
        $"e rhost={Injected4}",
        $"f user=g rhost={Injected4}",
        $"h {Injected4} port 2 [preauth]",
        "i,ssh-connection) -> (j",
        $"k {Injected4} port 3: Change of username or service not allowed: (k",
        $"m from {Injected6} port 5 ssh2",
        Injected6,
        $"n:3: o from {Injected4}: Auth fail",
        "",
    ];

    /// <summary>A line form: the messages of one connection (for one pid) and, per message, whether it must give the address.</summary>
    private sealed record Form(string Name, Func<string, string, string[]> Lines, Func<int, Expect> Expectation);

    private enum Expect
    {
        /// <summary>No event (a line that says nothing, or one whose event another line of the attempt gives).</summary>
        Nothing,

        /// <summary>An event with the real address.</summary>
        Real,

        /// <summary>The real address or nothing: a line whose client text may make it ambiguous.</summary>
        RealOrNothing,
    }

    private static Form Simple(string name, Func<string, string, string> line) => new(name, (u, a) => [line(u, a)], _ => Expect.Real);

    private static readonly Form[] s_forms =
    [
        Simple("PAM error", (u, a) => $"error: PAM: Authentication failure for {u} from {a}"),
        Simple("PAM error, illegal user", (u, a) => $"error: PAM: Authentication failure for illegal user {u} from {a}"),
        Simple("PAM error, not known", (u, a) => $"error: PAM: User not known to the underlying authentication module for illegal user {u} from {a} "),
        Simple("PAM error via (macOS)", (u, a) => $"error: PAM: authentication error for {u} from {a} via 10.0.0.5"),
        new("PAM error, then its Failed line", (u, a) => [$"error: PAM: Authentication failure for {u} from {a}", $"Failed keyboard-interactive/pam for {u} from {a} port 4000 ssh2"],
            i => i == 0 ? Expect.Real : Expect.RealOrNothing),
        new("pam_unix, then the end", (u, a) => [$"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={a}  user={u}", $"Connection closed by authenticating user {u} {a} port 4000 [preauth]"],
            i => i == 0 ? Expect.Nothing : Expect.Real),
        new("invalid user, pam_unix, Failed", (u, a) => [$"Invalid user {u} from {a} port 4000", $"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={a} ", $"Failed password for invalid user {u} from {a} port 4000 ssh2"],
            i => i == 1 ? Expect.Nothing : Expect.Real),
        Simple("Invalid user, no port", (u, a) => $"Invalid user {u} from {a}"),
        Simple("Illegal user, no port", (u, a) => $"Illegal user {u} from {a}"),
        new("Failed for invalid user, no port", (u, a) => [$"Failed password for invalid user {u} from {a}"], _ => Expect.RealOrNothing),
        new("Invalid user, then Failed, no port", (u, a) => [$"Invalid user {u} from {a}", $"Failed password for invalid user {u} from {a}"], _ => Expect.Real),
        Simple("maximum attempts", (u, a) => $"error: maximum authentication attempts exceeded for invalid user {u} from {a} port 4000 ssh2 [preauth]"),
        Simple("closed by invalid user", (u, a) => $"Connection closed by invalid user {u} {a} port 4000 [preauth]"),
        Simple("reset by authenticating user", (u, a) => $"Connection reset by authenticating user {u} {a} port 4000 [preauth]"),
        Simple("disconnected from authenticating user", (u, a) => $"Disconnected from authenticating user {u} {a} port 4000 [preauth]"),
        Simple("too many failures", (u, a) => $"Disconnecting invalid user {u} {a} port 4000: Too many authentication failures [preauth]"),
        Simple("change of user", (u, a) => $"Disconnecting invalid user {u} {a} port 4000: Change of username or service not allowed: ({u},ssh-connection) -> (root,ssh-connection) [preauth]"),
        Simple("JSch Auth fail", (u, a) => $"error: Received disconnect from {a} port 4000:3: {u}: Auth fail [preauth]"),
        Simple("JSch Auth fail, no port", (u, a) => $"Received disconnect from {a}: 3: {u}: Auth fail"),
        Simple("TCP wrappers", (u, a) => $"refused connect from {u}@{a} ({a})"),
        Simple("not allowed", (u, a) => $"User {u} from {a} not allowed because not listed in AllowUsers"),
        new("locked account, then the end", (u, a) => [$"User {u} not allowed because account is locked", $"Received disconnect from {a}: 11: Bye Bye [preauth]"],
            i => i == 0 ? Expect.Nothing : Expect.Real),
        new("certificate id, connection known", (u, a) => [$"Connection from {a} port 4000 on 10.0.0.5 port 22", $"Failed publickey for root from {a} port 4000 ssh2: ED25519-CERT SHA256:abc ID {u} (serial 0) CA ED25519 SHA256:def"],
            i => i == 0 ? Expect.Nothing : Expect.Real),
        new("certificate id", (u, a) => [$"Failed publickey for root from {a} port 4000 ssh2: ED25519-CERT SHA256:abc ID {u} (serial 0) CA ED25519 SHA256:def"], _ => Expect.RealOrNothing),
        new("hostbased names", (u, a) => [$"Failed hostbased for root from {a} port 4000 ssh2: RSA SHA256:abc, client user \"{u}\", client host \"{u}\""], _ => Expect.RealOrNothing),
        new("invalid user, then Failed", (u, a) => [$"Invalid user {u} from {a} port 4000", $"Failed password for invalid user {u} from {a} port 4000 ssh2"], _ => Expect.Real),
    ];

    public static TheoryData<string> FormNames() => new(s_forms.Select(f => f.Name));

    [Theory]
    [MemberData(nameof(FormNames))]
    public void HostileUserNames_NeverGiveTheirAddress(string name)
    {
        Form form = s_forms.Single(f => f.Name == name);
        var problems = new List<string>();
        foreach (string real in s_real)
        {
            foreach (string user in s_hostileUsers)
            {
                Check(form, user, real, problems);
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(FormNames))]
    public void OverlongUserNames_StillGiveTheRealAddress(string name)
    {
        Form form = s_forms.Single(f => f.Name == name);
        var long1 = new StringBuilder();
        while (long1.Length < 20_000)
        {
            long1.Append(s_hostileUsers[long1.Length % s_hostileUsers.Length]).Append(' ');
        }

        var problems = new List<string>();
        foreach (string real in s_real)
        {
            Check(form, long1.ToString(), real, problems);
            Check(form, new string('x', 70_000), real, problems);
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>
    /// Each line of a form cut at every length, as a log damaged mid-write holds it (whole syslog lines, with the
    /// connection's earlier lines intact): an event, if any, is the real address; nothing throws.
    /// </summary>
    [Theory]
    [MemberData(nameof(FormNames))]
    public void LinesCutAnywhere_GiveTheRealAddressOrNothing(string name)
    {
        Form form = s_forms.Single(f => f.Name == name);
        var problems = new List<string>();
        foreach (string real in s_real)
        {
            string[] messages = form.Lines("alice", real);
            for (int cut = 0; cut < messages.Length; cut++)
            {
                string full = Syslog(messages[cut]);
                for (int length = 0; length < full.Length; length++)
                {
                    var filter = new SshdLineFilter(aggressive: true);
                    for (int i = 0; i < cut; i++)
                    {
                        _ = filter.MatchLine(Syslog(messages[i]), s_now);
                    }

                    if (filter.MatchLine(full[..length], s_now) is Failure failure && !failure.Address.Equals(Unmapped(real)))
                    {
                        problems.Add($"{name}, line {cut} cut at {length}: {failure.Address} from '{full[..length]}'");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems.Take(20)));
    }

    private static readonly DateTimeOffset s_now = new(2026, 3, 4, 12, 0, 0, TimeSpan.Zero);

    private static string Syslog(string message) => $"2026-03-04T09:00:01.000000+00:00 gw sshd[4242]: {message}";

    private static IPAddress Unmapped(string address) => FilterText.Unmap(IPAddress.Parse(address));

    private static void Check(Form form, string user, string real, List<string> problems)
    {
        // The filter itself (events, kinds), and the guard's view of the same lines (syslog text, failures).
        var filter = new SshdFilter(aggressive: false);
        var lines = new SshdLineFilter();
        string[] messages = form.Lines(user, real);
        for (int i = 0; i < messages.Length; i++)
        {
            AuthEvent? got = filter.Process(new LogLine(s_now, "gw", "sshd", 4242, messages[i]), "test");
            Failure? failure = lines.MatchLine(Syslog(messages[i]), s_now);
            string shown = user.Length > 60 ? user[..60] + "..." : user;
            if (!Equals(got?.Address, failure?.Address is null ? null : got?.Address) && !(got?.Kind == AuthKind.Accepted))
            {
                problems.Add($"{form.Name} [{shown}] line {i}: the filter and the line filter disagree ({got?.Address} vs {failure?.Address})");
            }

            IPAddress? address = got?.Address is IPAddress a ? FilterText.Unmap(a) : null;
            if (address is not null && (address.ToString() is Injected4 or Injected6))
            {
                problems.Add($"{form.Name} [{shown}] line {i}: took the injected address {address}");
                continue;
            }

            Expect want = form.Expectation(i);
            bool ok = want switch
            {
                Expect.Nothing => address is null,
                Expect.Real => address is not null && address.Equals(Unmapped(real)),
                _ => address is null || address.Equals(Unmapped(real)),
            };
            if (!ok)
            {
                problems.Add($"{form.Name} [{shown}] line {i}: expected {want} ({real}), got {address?.ToString() ?? "nothing"}");
            }
        }
    }
}
