using System.Text.Json;
using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Guard;

/// <summary>
/// Holt's sshd filter beside fail2ban's own (Debian's fail2ban-regex and filter.d/sshd.conf, normal mode) on the same
/// logs: Holt must find every address fail2ban finds, but for the few listed here with their reasons, and nothing a
/// client wrote into a line.
/// </summary>
public sealed partial class Fail2banSshdTests(ITestOutputHelper output)
{
    private const string Fail2banFilter = "/etc/fail2ban/filter.d/sshd.conf";

    /// <summary>fail2ban's collection of real sshd lines from many systems (shipped with Debian's fail2ban package).</summary>
    private const string Fail2banTestLog = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs/sshd";

    private static readonly string s_corpus = Path.Combine(AppContext.BaseDirectory, "Guard", "Corpus");

    // "# failJSON: { ... "match": true , "host": "ADDRESS" ... }": fail2ban's own word that a line is a failure (in
    // some mode) from that host.
    [GeneratedRegex(@"^# failJSON: .*""match"": *true *,.*""host"": *""([^""]+)""", RegexOptions.Multiline)]
    private static partial Regex AnnotatedFailure();

    [RootFact]
    public async Task Fail2bansOwnTestLog_HoltFindsWhatFail2banFinds_AndOnlyRealFailures()
    {
        Requirements.EnsureMet();
        Assert.True(File.Exists(Fail2banTestLog), $"{Fail2banTestLog} is missing: Debian's fail2ban package ships it");
        string text = await File.ReadAllTextAsync(Fail2banTestLog);

        HashSet<string> fail2ban = await Fail2banAsync(Fail2banTestLog);
        HashSet<string> holt = await HoltAsync(Fail2banTestLog);

        // Host names fail2ban resolved (or would, with DNS) are not in the file: Holt takes only IP literals.
        fail2ban.RemoveWhere(address => !text.Contains(address, StringComparison.Ordinal));
        var missed = fail2ban.Except(holt).Order(StringComparer.Ordinal).ToList();
        var annotated = AnnotatedFailure().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var unannotated = holt.Except(annotated).Order(StringComparer.Ordinal).ToList();
        output.WriteLine($"fail2ban (normal mode) finds {fail2ban.Count} addresses; Holt finds {holt.Count}, {fail2ban.Count - missed.Count} of fail2ban's.");
        output.WriteLine($"Holt misses: {string.Join(", ", missed)}; Holt alone: {string.Join(", ", holt.Except(fail2ban).Order(StringComparer.Ordinal))}");

        // What Holt leaves out, on purpose:
        // - 192.030.0.6: not an address as sshd writes one (some parsers read 030 as octal);
        // - 192.0.2.114, 192.0.2.116: PAM failures for other users and then a login, on one connection. OpenSSH
        //   refuses a change of user within a connection, so these are not sshd's; for Holt a PAM failure that a
        //   login follows is a PAM stack whose next module let the user in.
        Assert.Equal(["192.0.2.114", "192.0.2.116", "192.030.0.6"], missed);

        // Whatever Holt finds beyond fail2ban's normal mode, fail2ban's own annotations call a failure in one of its
        // modes (a client's disconnect after failing, a PAM failure the connection's end settles).
        Assert.Empty(unannotated);
        Assert.DoesNotContain("10.10.1.1", holt);
        Assert.DoesNotContain("10.10.1.2", holt);
    }

    [RootFact]
    public async Task HoltsVariantsCorpus_HoltFindsWhatFail2banFinds_ButNeverAnInjectedAddress()
    {
        Requirements.EnsureMet();
        string log = Path.Combine(s_corpus, "openssh-variants.log");
        string[] injected = ["203.0.113.9", "198.51.100.7", "2001:db8:bad::1"];

        HashSet<string> fail2ban = await Fail2banAsync(log);
        HashSet<string> holt = await HoltAsync(log);
        HashSet<string> expected = [.. File.ReadAllLines(Path.Combine(s_corpus, "openssh-variants.expected"))
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line.Split('\t'))
            .Where(f => f[1] is "Failed" or "InvalidUser")
            .Select(f => System.Net.IPAddress.Parse(f[2]) is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4().ToString() : f[2])];
        var missed = fail2ban.Except(holt).Order(StringComparer.Ordinal).ToList();
        output.WriteLine($"fail2ban (normal mode) finds {fail2ban.Count} addresses; Holt finds {holt.Count}, {fail2ban.Count - missed.Count} of fail2ban's.");
        output.WriteLine($"Holt misses: {string.Join(", ", missed)}; Holt alone: {string.Join(", ", holt.Except(fail2ban).Order(StringComparer.Ordinal))}");

        Assert.Empty(holt.Intersect(injected));
        Assert.Equal(expected.Order(StringComparer.Ordinal), holt.Order(StringComparer.Ordinal));

        // fail2ban takes two of the injected addresses; and 203.0.113.184's line has a user name or an INFO that
        // carries another address ("... from 203.0.113.184 port 52280 ssh2: from 2001:db8:bad::1 port 5 ssh2"):
        // either could be sshd's, so Holt counts neither.
        Assert.Equal(["2001:db8:bad::1", "203.0.113.184", "203.0.113.9"], missed);
    }

    /// <summary>The addresses fail2ban-regex reports failures for, with Debian's sshd filter in its default mode.</summary>
    private static async Task<HashSet<string>> Fail2banAsync(string log)
    {
        CommandResult result = await Command.RunAsync([Tools.Fail2banRegex, "--out", "<ip>", log, Fail2banFilter], TimeSpan.FromSeconds(120));
        result.EnsureSuccess();
        return [.. result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }

    /// <summary>The addresses <c>holt guard test --json</c> counts failures for.</summary>
    private static async Task<HashSet<string>> HoltAsync(string log)
    {
        string json = (await Command.RunAsync([Tools.Holt, "guard", "test", log, "--json"])).EnsureSuccess().Output;
        using JsonDocument document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("failures").EnumerateArray().Select(f => f.GetProperty("address").GetString()!)];
    }
}
