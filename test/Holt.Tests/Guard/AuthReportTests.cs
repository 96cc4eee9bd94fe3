using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Holt.Guard;
using Holt.Tests.Support;

namespace Holt.Tests.Guard;

/// <summary>holt report auth over real files: rotations, gzip, windows, JSON.</summary>
public sealed class AuthReportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-report.").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void RotatedFamily_IsOldestFirst_AndIncludesGzip()
    {
        string log = Path.Combine(_directory, "auth.log");
        foreach (string name in new[] { "auth.log", "auth.log.1", "auth.log.2.gz", "auth.log.10.gz", "auth.log.old" })
        {
            File.WriteAllText(Path.Combine(_directory, name), "");
        }

        Assert.Equal(
            ["auth.log.10.gz", "auth.log.2.gz", "auth.log.1", "auth.log"],
            AuthLogReader.RotatedFamily(log).Select(p => Path.GetFileName(p)!).ToArray());
    }

    [Fact]
    public void Report_ReadsGzipByContent_AndCountsEachKind()
    {
        string plain = Write("auth.log",
            "2026-11-24T01:00:01+00:00 gw sshd[1]: Invalid user admin from 203.0.113.5 port 4000",
            "2026-11-24T01:00:02+00:00 gw sshd[1]: Failed password for invalid user admin from 203.0.113.5 port 4000 ssh2",
            "2026-11-24T02:00:02+00:00 gw sshd-session[2]: Accepted publickey for alice from 2001:db8::1 port 4001 ssh2: ED25519 SHA256:x");
        string gz = Path.Combine(_directory, "auth.log.2.gz");
        using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        {
            output.Write(Encoding.UTF8.GetBytes("2026-11-23T23:00:00+00:00 gw sshd[3]: Failed password for root from 198.51.100.9 port 4002 ssh2\n"));
        }

        var report = new AuthReport();
        foreach (string path in new[] { gz, plain })
        {
            var filter = new SshdFilter();
            foreach (LogLine line in AuthLogReader.Read(path))
            {
                if (filter.Process(line, path) is AuthEvent e)
                {
                    report.Add(e);
                }
            }
        }

        AuthReportView view = report.View(10);
        Assert.Equal(1, view.FailedAttempts);
        Assert.Equal(2, view.InvalidUserAttempts);
        Assert.Equal(1, view.SuccessfulLogins);
        Assert.Equal(new CountView("publickey", 1), Assert.Single(view.LoginsByMethod));
        SourceView top = view.TopSources[0];
        Assert.Equal(("203.0.113.5", 2L), (top.Address, top.Attempts));
        Assert.Equal(new LoginView("alice", "2001:db8::1", 1, new DateTimeOffset(2026, 11, 24, 2, 0, 2, TimeSpan.Zero)), Assert.Single(view.Logins));
        Assert.Equal(new long[] { 1, 2 }, view.AttemptsPerHour.Select(h => h.Attempts).ToArray());
    }

    [Fact]
    public void Cli_SinceUntilAndJson_SelectTheWindow()
    {
        string log = Write("auth.log",
            "2026-11-24T01:00:00+00:00 gw sshd[1]: Failed password for root from 203.0.113.1 port 1 ssh2",
            "2026-11-24T02:00:00+00:00 gw sshd[2]: Failed password for root from 203.0.113.2 port 1 ssh2",
            "2026-11-24T03:00:00+00:00 gw sshd[3]: Failed password for root from 203.0.113.3 port 1 ssh2");

        (int code, string output, string error) = HoltProcess.Run("report", "auth", log, "--since", "2026-11-24T01:30:00Z", "--until", "2026-11-24T03:00:00Z", "--json");

        Assert.True(code == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(1, json.RootElement.GetProperty("failed_attempts").GetInt64());
        Assert.Equal("203.0.113.2", json.RootElement.GetProperty("top_sources")[0].GetProperty("address").GetString());
    }

    [Theory]
    [InlineData("--top", "0")]
    [InlineData("--since", "yesterday")]
    [InlineData("--until", "2026-13-01")]
    [InlineData("--since", "1000000w")]
    public void Cli_BadOption_FailsWithOneLine(string option, string value)
    {
        string log = Write("auth.log", "2026-11-24T01:00:00+00:00 gw sshd[1]: Failed password for root from 203.0.113.1 port 1 ssh2");

        (int code, string output, string error) = HoltProcess.Run("report", "auth", log, option, value);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("holt: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Cli_TextReport_KeepsHostileUserNamesOnOneLine()
    {
        string log = Write("auth.log", "2026-11-24T01:00:00+00:00 gw sshd[1]: Invalid user \u001b[31mred from 203.0.113.1 port 1");

        (int code, string output, _) = HoltProcess.Run("report", "auth", log);

        Assert.Equal(0, code);
        Assert.DoesNotContain('\u001b', output);
        Assert.Contains("?[31mred", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Cli_BtmpAndWtmp_FromTheRealCapture_AddFailuresAndLogins()
    {
        string btmp = Path.Combine(Corpus.Directory, "btmp-openssh-9.2");
        string wtmp = Path.Combine(Corpus.Directory, "wtmp-openssh-9.2");

        (int code, string output, string error) = HoltProcess.Run("report", "auth", "--btmp", btmp, "--wtmp", wtmp, "--json");

        Assert.True(code == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(16, json.RootElement.GetProperty("failed_attempts").GetInt64());
        Assert.Equal(4, json.RootElement.GetProperty("successful_logins").GetInt64());
        Assert.Equal("wtmp", json.RootElement.GetProperty("logins_by_method")[0].GetProperty("name").GetString());
    }

    [Fact]
    public void NoFilesGiven_ReadsAuthLog_OrTheJournalWhereThereIsNone()
    {
        (int code, string output, string error) = HoltProcess.Run("report", "auth", "--json");

        if (File.Exists("/var/log/auth.log"))
        {
            Assert.DoesNotContain("journal", error, StringComparison.Ordinal);
        }
        else
        {
            // Debian 12 without rsyslog: the journal is where sshd's messages are, and the report goes there itself.
            Assert.True(code == 0, error);
            Assert.StartsWith("/var/log/auth.log does not exist: reading sshd's messages from the systemd journal.\n", error, StringComparison.Ordinal);
            Assert.StartsWith("{", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Cli_MissingBtmp_FailsWithOneLine()
    {
        (int code, _, string error) = HoltProcess.Run("report", "auth", "--btmp", Path.Combine(_directory, "none"));

        Assert.Equal(1, code);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    private string Write(string name, params string[] lines)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }
}
