using System.IO.Compression;
using System.Text;
using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary><c>holt guard test</c> run as the built executable on small logs in a temporary directory.</summary>
public sealed class GuardTestCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-guard-test").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Log(string name, params string[] lines)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    /// <summary>The report without its Time line, which varies.</summary>
    private static string WithoutTime(string output) =>
        string.Join('\n', output.Split('\n').Where(l => !l.StartsWith("Time: ", StringComparison.Ordinal)));

    [Fact]
    public void Sshd_CountsFailuresPerAddress_InTheUsualReport()
    {
        string log = Log(
            "auth.log",
            "2026-11-24T01:00:00+00:00 gw sshd[10]: Failed password for root from 203.0.113.5 port 4000 ssh2",
            "2026-11-24T01:00:01+00:00 gw sshd[10]: Failed password for root from 203.0.113.5 port 4000 ssh2",
            "2026-11-24T01:00:02+00:00 gw sshd[11]: Invalid user a from 2001:db8::7 port 4001",
            "2026-11-24T01:00:03+00:00 gw sshd[12]: Accepted publickey for alice from 192.0.2.1 port 4002 ssh2: ED25519 SHA256:x",
            "2026-11-24T01:00:04+00:00 gw CRON[13]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
            "not syslog");

        (int code, string output, string error) = HoltProcess.Run("guard", "test", log);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(
            """
            Lines: 6 read, 5 syslog lines, 3 matched, 3 missed
            Addresses: 2

            ADDRESS      FAILURES
            203.0.113.5  2
            2001:db8::7  1

            """,
            WithoutTime(output));
    }

    [Fact]
    public void Json_GivesLinesFailuresPerAddressAndTime()
    {
        string log = Log(
            "auth.log",
            "2026-11-24T01:00:00+00:00 gw sshd[10]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=root",
            "2026-11-24T01:00:01+00:00 gw sshd[10]: Failed password for root from 203.0.113.5 port 4000 ssh2",
            "2026-11-24T01:00:02+00:00 gw sshd[10]: Failed password for root from 203.0.113.5 port 4000 ssh2",
            "Nov 24 01:00:02 sshd[11]: Invalid user a from 2001:db8::7",
            "2026-11-24T01:00:03+00:00 gw sshd[12]: Accepted publickey for alice from 192.0.2.1 port 4002 ssh2: ED25519 SHA256:x",
            "not syslog");

        (int code, string output, string error) = HoltProcess.Run("guard", "test", log, "--json");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        using var document = System.Text.Json.JsonDocument.Parse(output);
        System.Text.Json.JsonElement root = document.RootElement;
        Assert.Equal(log, root.GetProperty("file").GetString());
        Assert.Equal("sshd", root.GetProperty("filter").GetString());
        Assert.Equal(6, root.GetProperty("lines_read").GetInt64());
        Assert.Equal(5, root.GetProperty("syslog_lines").GetInt64());
        Assert.Equal(3, root.GetProperty("lines_matched").GetInt64());
        Assert.Equal(3, root.GetProperty("lines_missed").GetInt64());
        Assert.Equal(0, root.GetProperty("lines_skipped").GetInt64());
        Assert.Equal(2, root.GetProperty("addresses").GetInt32());
        Assert.True(root.GetProperty("seconds").GetDouble() >= 0);
        Assert.Equal(
            [("203.0.113.5", 2L), ("2001:db8::7", 1L)],
            root.GetProperty("failures").EnumerateArray().Select(e => (e.GetProperty("address").GetString(), e.GetProperty("failures").GetInt64())).ToList());
    }

    [Fact]
    public void Json_ListsEveryAddress_UnlessTopIsGiven()
    {
        string[] lines = [.. Enumerable.Range(1, 30).Select(i => $"2026-11-24T01:00:00+00:00 gw sshd[{i}]: Invalid user a from 203.0.113.{i} port 4000")];
        string log = Log("auth.log", lines);

        (_, string all, _) = HoltProcess.Run("guard", "test", log, "--json");
        (_, string three, _) = HoltProcess.Run("guard", "test", log, "--json", "--top", "3");

        using var allDocument = System.Text.Json.JsonDocument.Parse(all);
        using var threeDocument = System.Text.Json.JsonDocument.Parse(three);
        Assert.Equal(30, allDocument.RootElement.GetProperty("failures").GetArrayLength());
        Assert.Equal(3, threeDocument.RootElement.GetProperty("failures").GetArrayLength());
        Assert.Equal(30, threeDocument.RootElement.GetProperty("addresses").GetInt32());
    }

    [Fact]
    public void Sshd_ReadsGzipByContent()
    {
        string path = Path.Combine(_directory, "auth.log.2");
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes("2026-11-24T01:00:00+00:00 gw sshd[10]: Invalid user a from 203.0.113.5 port 4000\n"));
        }

        (int code, string output, _) = HoltProcess.Run("guard", "test", path);

        Assert.Equal(0, code);
        Assert.StartsWith("Lines: 1 read, 1 syslog lines, 1 matched, 0 missed\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void NginxHttpAuth_CountsBasicAuthFailures()
    {
        string log = Log(
            "error.log",
            "2024/10/10 13:55:36 [error] 1234#1234: *5 user \"admin\" was not found in \"/etc/nginx/.htpasswd\", client: 203.0.113.9, server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com\"",
            "2024/10/10 13:55:37 [error] 1234#1234: *6 user \"admin\": password mismatch, client: 203.0.113.9, server: example.com, request: \"GET /, client: 198.51.100.1, server: x HTTP/1.1\", host: \"example.com\"",
            "2024/10/10 13:55:38 [info] 1234#1234: *7 no user/password was provided for basic authentication, client: 192.0.2.1, server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com\"");

        (int code, string output, _) = HoltProcess.Run("guard", "test", log, "--filter", "nginx-http-auth");

        Assert.Equal(0, code);
        Assert.Equal("Lines: 3 read, 2 matched, 1 missed\nAddresses: 1\n\nADDRESS      FAILURES\n203.0.113.9  2\n", WithoutTime(output));
    }

    [Fact]
    public void ApacheAuth_CountsBasicAuthFailures()
    {
        string log = Log(
            "error.log",
            "[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid 1234:tid 140000] [client 203.0.113.9:51234] AH01617: user admin: authentication failure for \"/private\": Password Mismatch",
            "[Wed Oct 11 14:32:53 2000] [auth_basic:error] [pid 1234] [client 2001:db8::9:51234] AH01618: user [client 198.51.100.1:1] not found: /private");

        (int code, string output, _) = HoltProcess.Run("guard", "test", log, "--filter", "apache-auth");

        Assert.Equal(0, code);
        Assert.Equal("Lines: 2 read, 2 matched, 0 missed\nAddresses: 2\n\nADDRESS      FAILURES\n2001:db8::9  1\n203.0.113.9  1\n", WithoutTime(output));
    }

    [Fact]
    public void WordPress_CountsLoginPostsThatAreNotRedirects()
    {
        string log = Log(
            "access.log",
            "203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] \"POST /wp-login.php HTTP/1.1\" 200 1234 \"-\" \"Mozilla/5.0\"",
            "203.0.113.9 - - [10/Oct/2024:13:55:37 +0000] \"POST /wp-login.php HTTP/1.1\" 302 0 \"-\" \"Mozilla/5.0\"",
            "203.0.113.9 - - [10/Oct/2024:13:55:38 +0000] \"POST /xmlrpc.php HTTP/1.1\" 200 1234 \"-\" \"Mozilla/5.0\"",
            "192.0.2.1 - - [10/Oct/2024:13:55:39 +0000] \"GET /wp-login.php HTTP/1.1\" 200 1234 \"-\" \"198.51.100.1 - - [10/Oct/2024:13:55:39 +0000] \\\"POST /wp-login.php HTTP/1.1\\\" 200\"");

        (int code, string output, _) = HoltProcess.Run("guard", "test", log, "--filter", "wordpress");

        Assert.Equal(0, code);
        Assert.Equal("Lines: 4 read, 2 matched, 2 missed\nAddresses: 1\n\nADDRESS      FAILURES\n203.0.113.9  2\n", WithoutTime(output));
    }

    [Fact]
    public void Regex_TestsTheOperatorsPatterns()
    {
        string log = Log("app.log", "login failed from 203.0.113.9", "bad token from 203.0.113.9", "login failed from evil.example.com", "ok");

        (int code, string output, _) = HoltProcess.Run("guard", "test", log, "--regex", @"^login failed from (?<host>\S+)$", "--regex", @"^bad token from (?<host>\S+)$");

        Assert.Equal(0, code);
        Assert.Equal("Lines: 4 read, 2 matched, 2 missed\nAddresses: 1\n\nADDRESS      FAILURES\n203.0.113.9  2\n", WithoutTime(output));
    }

    [Fact]
    public void Regex_ThatTimesOut_IsReportedAndTheLineSkipped()
    {
        string log = Log("app.log", "203.0.113.9 " + new string('a', 40) + "!", "203.0.113.9 aa");

        (int code, string output, _) = HoltProcess.Run("guard", "test", log, "--regex", @"^(?<host>\S+) (a+)+\1$");

        Assert.Equal(0, code);
        Assert.StartsWith("Lines: 2 read, 1 matched, 1 missed\nTimeouts: 1 (lines on which a pattern ran longer than 50 ms; not counted)\nAddresses: 1\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("holt: --filter: unknown filter 'nginx' (one of sshd, sshd-aggressive, nginx-http-auth, apache-auth, wordpress)", "--filter", "nginx")]
    [InlineData("holt: --regex: pattern '(' is not a valid regex: Not enough )'s (at offset 1)", "--regex", "(")]
    [InlineData("holt: --regex: pattern 2 'b' has no (?<host>...) group for the client's address", "--regex", "(?<host>a)", "--regex", "b")]
    [InlineData("holt: --filter and --regex cannot be combined: --regex tests your own pattern instead of a named filter", "--filter", "sshd", "--regex", "(?<host>a)")]
    [InlineData("holt: --top must be between 1 and 100000", "--top", "0")]
    public void BadOptions_FailWithOneLine(string message, params string[] options)
    {
        string log = Log("auth.log", "x");

        (int code, string output, string error) = HoltProcess.Run(["guard", "test", log, .. options]);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal(message + "\n", error);
    }

    [Fact]
    public void MissingFile_FailsWithOneLine()
    {
        string missing = Path.Combine(_directory, "nope.log");

        (int code, _, string error) = HoltProcess.Run("guard", "test", missing, "--filter", "wordpress");

        Assert.Equal(1, code);
        Assert.StartsWith($"holt: cannot read {missing}: ", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Help_ListsTheFiltersAndRegex()
    {
        (int code, string output, _) = HoltProcess.Run("guard", "test", "--help");

        Assert.Equal(0, code);
        Assert.Contains("sshd, sshd-aggressive, nginx-http-auth, apache-auth, wordpress", output, StringComparison.Ordinal);
        Assert.Contains("--regex", output, StringComparison.Ordinal);
        Assert.Contains("Example: holt guard test", output, StringComparison.Ordinal);
    }
}
