using System.Net;
using System.Text.RegularExpressions;
using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>The corpus checks itself, so a filter test failing on it points at the filter, not at the corpus.</summary>
public sealed partial class CorpusTests
{
    // rsyslog's traditional file format, as the capture script writes it.
    [GeneratedRegex(@"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ (?<program>sshd|sshd-session)\[(?<pid>\d+)\]: (?<message>.+)$")]
    private static partial Regex SyslogLine();

    private static readonly IPAddress[] s_injected = [IPAddress.Parse("203.0.113.9"), IPAddress.Parse("198.51.100.7"), IPAddress.Parse("2001:db8:bad::1")];

    [Fact]
    public void Corpus_EveryFile_LoadsWithExpectations()
    {
        foreach (string file in Corpus.Files)
        {
            List<CorpusLine> lines = [.. Corpus.Load(file)];

            Assert.NotEmpty(lines);
            Assert.Contains(lines, l => l.Expected is not null);
            Assert.Contains(lines, l => l.Expected is null);
        }
    }

    [Fact]
    public void Corpus_EveryLine_IsInSyslogFormat()
    {
        Assert.All(Corpus.All(), line => Assert.Matches(SyslogLine(), line.Text));
    }

    [Fact]
    public void Corpus_ExpectedAddressAndUser_AppearInTheMessage()
    {
        foreach (CorpusLine line in Corpus.All().Where(l => l.Expected is not null))
        {
            string message = SyslogLine().Match(line.Text).Groups["message"].Value;
            CorpusEvent e = line.Expected!;
            Assert.True(message.Contains(e.Address.ToString(), StringComparison.Ordinal), $"{line}: {e.Address} not in the message");
            Assert.True(e.User is null || message.Contains(e.User, StringComparison.Ordinal), $"{line}: user {e.User} not in the message");
            Assert.True(e.Method is null || message.Contains(" " + e.Method + " ", StringComparison.Ordinal), $"{line}: method {e.Method} not in the message");
        }
    }

    [Fact]
    public void Corpus_InjectedAddresses_AreNeverTheExpectedOnes()
    {
        List<CorpusLine> hostile = [.. Corpus.All().Where(l => s_injected.Any(a => l.Text.Contains(a.ToString(), StringComparison.Ordinal)) || l.Text.Contains(" from 2001 ", StringComparison.Ordinal))];

        Assert.True(hostile.Count >= 20, $"only {hostile.Count} hostile lines");
        Assert.All(hostile.Where(l => l.Expected is not null), l => Assert.DoesNotContain(l.Expected!.Address, s_injected));
    }

    [Fact]
    public void Corpus_Accepted_OnlyFromAcceptedMethodLines()
    {
        foreach (CorpusLine line in Corpus.All())
        {
            string message = SyslogLine().Match(line.Text).Groups["message"].Value;
            bool accepted = message.StartsWith("Accepted ", StringComparison.Ordinal) && !message.StartsWith("Accepted key ", StringComparison.Ordinal);
            Assert.True(accepted == (line.Expected?.Kind == AuthKind.Accepted), $"{line}: {message}");
        }
    }

    [Fact]
    public void Corpus_CapturedLog_CoversTheScenariosItWasMadeFor()
    {
        List<CorpusLine> lines = [.. Corpus.Load("openssh-9.2-debian12.log")];
        string[] wanted =
        [
            "Invalid user ", "Failed password for invalid user ", "Failed password for ", "Failed publickey for ",
            "Failed keyboard-interactive/pam for ", "maximum authentication attempts exceeded", "Too many authentication failures",
            "not allowed because listed in DenyUsers", "not allowed because not listed in AllowUsers",
            "Connection closed by authenticating user", "Connection closed by invalid user", "[preauth]",
            "Received disconnect from ", "Unable to negotiate with ", "banner exchange: ", "drop connection #",
            "Accepted publickey for ", "Accepted password for ", "Accepted keyboard-interactive/pam for ",
        ];

        Assert.All(wanted, w => Assert.Contains(lines, l => l.Text.Contains(w, StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Expected?.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6);
        Assert.Contains(Corpus.Load("openssh-versions.log"), l => l.Text.Contains(" sshd-session[", StringComparison.Ordinal));
    }
}
