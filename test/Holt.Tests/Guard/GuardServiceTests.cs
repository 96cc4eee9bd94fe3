using System.Net;
using Holt.Guard;
using Holt.Tests.Support;
using Holt.Tests.Uapi.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Guard;

/// <summary>The running guard over real files: following from the end, rotation, and resuming after a restart.</summary>
public sealed class GuardServiceTests : IDisposable
{
    private const string Attacker = "203.0.113.9";

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-guardservice").FullName;
    private readonly RecordingSink _sink = new();
    private int _port = 40000;

    public GuardServiceTests() => AuthLog = Path.Combine(_directory, "auth.log");

    private string AuthLog { get; }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LinesAlreadyThere_AreNotCounted_NewOnesAre()
    {
        File.WriteAllText(AuthLog, Failures(5));
        using GuardService service = Start(maxretry: 3);

        service.PollOnce();
        Assert.Empty(_sink.Bans);

        File.AppendAllText(AuthLog, Failures(3));
        service.PollOnce();
        Assert.Equal(IPNetwork.Parse(Attacker + "/32"), Assert.Single(_sink.Bans).Network);
    }

    [Fact]
    public void RotationBetweenPolls_LosesNoLineAndReadsNoneTwice()
    {
        File.WriteAllText(AuthLog, string.Empty);
        using GuardService service = Start(maxretry: 6);
        File.AppendAllText(AuthLog, Failures(2));
        service.PollOnce();

        // Two more reach the old file after the poll, then it is renamed and the writer starts a new one.
        File.AppendAllText(AuthLog, Failures(2));
        File.Move(AuthLog, AuthLog + ".1");
        File.AppendAllText(AuthLog + ".1", Failures(1));
        File.WriteAllText(AuthLog, Failures(0));
        service.PollOnce();
        Assert.Empty(_sink.Bans);

        File.AppendAllText(AuthLog, Failures(1));
        service.PollOnce();
        Assert.Single(_sink.Bans);
    }

    [Fact]
    public void Restart_ResumesAfterTheLastLineHandled()
    {
        File.WriteAllText(AuthLog, string.Empty);
        using (GuardService first = Start(maxretry: 3))
        {
            File.AppendAllText(AuthLog, Failures(2));
            first.PollOnce();
        }

        // Written while no guard ran: read at the next start. The two from before are not read again, so one
        // more failure is not yet the third.
        File.AppendAllText(AuthLog, Failures(1));
        using (GuardService second = Start(maxretry: 3))
        {
            second.PollOnce();
            Assert.Empty(_sink.Bans);
            Assert.Equal(1, second.Engine.Failures["sshd"]);
        }
    }

    [Fact]
    public void LogThatAppearsLater_IsReadFromItsStart()
    {
        using GuardService service = Start(maxretry: 2);
        service.PollOnce();

        File.WriteAllText(AuthLog, Failures(2));
        service.PollOnce();

        Assert.Single(_sink.Bans);
    }

    [Fact]
    public void TwoJailsOnOneFile_ShareOneFollower_AndEachCounts()
    {
        File.WriteAllText(AuthLog, string.Empty);
        var config = new GuardConfig
        {
            Limits = new JailLimits { MaxRetry = 2 },
            Recidive = null,
            Filters = [new FilterConfig { Name = "root-only", Regex = [@"Failed password for root from (?<host>\S+) port"] }],
            Jails =
            [
                new JailConfig { Name = "sshd", Filter = "sshd", LogPaths = [AuthLog] },
                new JailConfig { Name = "root", Filter = "root-only", LogPaths = [AuthLog] },
            ],
        };
        using GuardService service = Start(config);
        Assert.Equal([AuthLog], service.FollowedFiles);

        File.AppendAllText(AuthLog, Failures(2));
        service.PollOnce();

        Assert.Equal(["root", "sshd"], _sink.Bans.Select(b => b.Jail).Order());
    }

    [Fact]
    public void JournalJail_BansFromTheFollowedEntries_AndResumesAfterTheSavedCursor()
    {
        DateTimeOffset logged = DateTimeOffset.FromUnixTimeMilliseconds(1795487972123);
        var config = new GuardConfig
        {
            Limits = new JailLimits { MaxRetry = 3 },
            Recidive = null,
            Jails = [new JailConfig { Name = "sshd", Filter = "sshd", Journal = true }],
        };
        string journalctl = FakeJournalctl(3);
        using (var service = new GuardService(config, Policy([], logged), BanStore.Open(Path.Combine(_directory, "guard.db")), _sink, NullLogger.Instance, new FakeTimeProvider(logged), journalctl))
        {
            service.Start(poll: false);
            Assert.True(service.ReadsJournal);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (_sink.Bans.Count == 0 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
                service.PollOnce();
            }

            Assert.Equal(IPNetwork.Parse("192.0.2.11/32"), Assert.Single(_sink.Bans).Network);
            service.SavePositions();
        }

        string[] first = File.ReadAllLines(Path.Combine(_directory, "args"));
        Assert.Contains("--follow", first);
        Assert.DoesNotContain(first, a => a.StartsWith("--after-cursor", StringComparison.Ordinal));
        using (var again = new GuardService(config, Policy([], logged), BanStore.Open(Path.Combine(_directory, "guard.db")), _sink, NullLogger.Instance, new FakeTimeProvider(logged), journalctl))
        {
            again.Start(poll: false);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!File.ReadAllText(Path.Combine(_directory, "args")).Contains("--after-cursor", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }

        Assert.Contains("--after-cursor=cursor-3", File.ReadAllLines(Path.Combine(_directory, "args")));
    }

    [Fact]
    public void Backlog_IsReadInSlices_EveryLineCounted()
    {
        File.WriteAllText(AuthLog, string.Empty);
        using GuardService service = Start(maxretry: 1_000_000);
        File.AppendAllText(AuthLog, Failures(20_000));

        service.PollOnce();
        Assert.True(service.Backlog);
        int polls = 1;
        while (service.Backlog)
        {
            service.PollOnce();
            polls++;
        }

        Assert.Equal(20_000, service.Engine.Failures["sshd"]);
        Assert.InRange(polls, 20_000 / LogFollower.MaxLinesPerRead, (20_000 / LogFollower.MaxLinesPerRead) + 2);
    }

    [Fact]
    public void SourceThatIsNotALog_IsReportedOnce_AndTheOtherSourcesAreRead()
    {
        string directory = Path.Combine(_directory, "not-a-log");
        Directory.CreateDirectory(directory);
        File.WriteAllText(AuthLog, string.Empty);
        var logger = new RecordingLogger();
        using GuardService service = Start(
            new GuardConfig
            {
                Limits = new JailLimits { MaxRetry = 2 },
                Recidive = null,
                Jails =
                [
                    new JailConfig { Name = "broken", Filter = "sshd", LogPaths = [directory] },
                    new JailConfig { Name = "sshd", Filter = "sshd", LogPaths = [AuthLog] },
                ],
            },
            logger);

        service.PollOnce();
        File.AppendAllText(AuthLog, Failures(2));
        service.PollOnce();

        Assert.Equal("sshd", Assert.Single(_sink.Bans).Jail);
        Assert.Equal(
            [$"Warning: guard: cannot follow {directory}: it is a directory, not a log file"],
            logger.Lines.Where(l => l.Contains("cannot", StringComparison.Ordinal)));
    }

    [Fact]
    public void SkippedLines_AreReportedAtOnce_ThenAtMostOnceAMinute()
    {
        File.WriteAllText(AuthLog, string.Empty);
        var logger = new RecordingLogger();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using GuardService service = Start(Config(maxretry: 3), logger, time);
        string overlong = new string('x', LineSplitter.MaxLineLength + 1) + "\n";

        File.AppendAllText(AuthLog, overlong + Failures(1));
        service.PollOnce();
        File.AppendAllText(AuthLog, overlong + overlong);
        service.PollOnce();
        time.Advance(TimeSpan.FromMinutes(1));
        service.PollOnce();

        string limit = $"longer than {LineSplitter.MaxLineLength} bytes, or cut by NUL padding";
        Assert.Equal(
            [$"Warning: guard: skipped 1 lines of {AuthLog}: {limit} (1 since the guard started)", $"Warning: guard: skipped 2 lines of {AuthLog}: {limit} (3 since the guard started)"],
            logger.Lines.Where(l => l.Contains("skipped", StringComparison.Ordinal)));
        Assert.Equal(1, service.Engine.Failures["sshd"]);
    }

    [Fact]
    public void NulRunWithNoLineAfterIt_ItsPositionIsSaved_SoARestartDoesNotReadItAgain()
    {
        File.WriteAllText(AuthLog, string.Empty);
        using (GuardService first = Start(maxretry: 3))
        {
            File.AppendAllText(AuthLog, new string('\0', 3 * LogFollower.MaxBytesPerRead));
            do
            {
                first.PollOnce();
            }
            while (first.Backlog);

            first.SavePositions();
        }

        var logger = new RecordingLogger();
        File.AppendAllText(AuthLog, Failures(1));
        using GuardService second = Start(Config(maxretry: 3), logger);
        second.PollOnce();

        Assert.False(second.Backlog);
        Assert.Equal(1, second.Engine.Failures["sshd"]);
        Assert.DoesNotContain(logger.Lines, l => l.Contains("skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void Position_RoundTripsAsText_AndBadTextIsNoPosition()
    {
        var position = new FollowPosition(2049, 1234567, 8192, new string('a', 64));

        Assert.Equal(position, GuardService.ParsePosition(GuardService.FormatPosition(position)));
        Assert.Null(GuardService.ParsePosition(null));
        Assert.Null(GuardService.ParsePosition("1:2:three:x"));
        Assert.Null(GuardService.ParsePosition("1:2:-5:x"));
    }

    /// <summary>A journalctl that records its arguments, prints <paramref name="count"/> failed passwords and follows (sleeps).</summary>
    private string FakeJournalctl(int count)
    {
        var output = new System.Text.StringBuilder();
        for (int i = 1; i <= count; i++)
        {
            output.Append(JournalJsonTests.SshdFailedPassword
                .Replace("s=6f0b1c8e2d4a4f3a9c1e5b7d2a3c4e5f;i=1a2b;b=0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a;m=2f1e0d;t=63a1b2c3d4e5f;x=9a8b7c6d5e4f3a2b", $"cursor-{i}", StringComparison.Ordinal)
                .Replace("\"29765\"", $"\"{29765 + i}\"", StringComparison.Ordinal)).Append('\n');
        }

        string outputFile = Path.Combine(_directory, "journal.json");
        File.WriteAllText(outputFile, output.ToString());
        return Scripts.WriteExecutable(
            Path.Combine(_directory, "journalctl"),
            $"#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{_directory}/args'\ncat '{outputFile}'\nexec sleep 60\n");
    }

    [Fact]
    public void LineWhoseDecisionThrows_IsPassedOverAndSaid_TheRestIsDecidedOnce()
    {
        File.WriteAllText(AuthLog, "");
        var logger = new RecordingLogger();
        var service = new GuardService(
            Config(maxretry: 5), Policy([IPNetwork.Parse("10.8.0.0/24")], null), BanStore.Open(Path.Combine(_directory, "guard.db")), _sink, logger)
        {
            FilterFactory = _ => new Defective(new SshdLineFilter()),
        };
        using (service)
        {
            service.Start(poll: false);
            File.AppendAllText(AuthLog, Failures(2) + "boom\n" + Failures(2));

            service.PollOnce();
            service.PollOnce();

            Assert.Equal(4, service.Engine.Failures["sshd"]);
            Assert.Empty(_sink.Bans);
            Assert.Contains(logger.Lines, line => line.Contains($"passed over 1 lines of {AuthLog}", StringComparison.Ordinal) &&
                line.Contains("InvalidOperationException: a defect on this line", StringComparison.Ordinal));

            File.AppendAllText(AuthLog, Failures(1));
            service.PollOnce();
            Assert.Single(_sink.Bans);
        }
    }

    /// <summary>A filter with a defect: it throws on a line that says "boom".</summary>
    private sealed class Defective(IGuardFilter inner) : IGuardFilter
    {
        public string Name => inner.Name;

        public Failure? MatchLine(string line, DateTimeOffset now) =>
            line == "boom" ? throw new InvalidOperationException("a defect on this line") : inner.MatchLine(line, now);

        public Failure? MatchEntry(LogLine entry) => inner.MatchEntry(entry);
    }

    private GuardConfig Config(int maxretry) => new()
    {
        Limits = new JailLimits { MaxRetry = maxretry },
        Recidive = null,
        Jails = [new JailConfig { Name = "sshd", Filter = "sshd", LogPaths = [AuthLog] }],
    };

    private GuardService Start(int maxretry) => Start(Config(maxretry));

    private GuardService Start(GuardConfig config, ILogger? logger = null, TimeProvider? time = null)
    {
        var service = new GuardService(
            config, Policy([IPNetwork.Parse("10.8.0.0/24")], null), BanStore.Open(Path.Combine(_directory, "guard.db")), _sink, logger ?? NullLogger.Instance, time);
        service.Start(poll: false);
        return service;
    }

    /// <summary><paramref name="count"/> wrong passwords, each on a connection of its own, as rsyslog writes them now.</summary>
    private string Failures(int count)
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < count; i++)
        {
            string time = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff+00:00", System.Globalization.CultureInfo.InvariantCulture);
            int port = _port++;
            text.Append($"{time} vps sshd[{port}]: Failed password for root from {Attacker} port {port} ssh2\n");
        }

        return text.ToString();
    }

    /// <summary>The guard's ignore rule with the VPN given and no live ways in (this machine's addresses and logins are not the test's).</summary>
    private static IgnorePolicy Policy(IReadOnlyList<IPNetwork> vpn, DateTimeOffset? now) =>
        new(vpn, [], () => [], now is DateTimeOffset at ? new FakeTimeProvider(at) : TimeProvider.System);
}
