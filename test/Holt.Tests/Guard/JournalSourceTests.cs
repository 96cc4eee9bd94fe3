using Holt.Guard;
using Holt.Tests.Support;

namespace Holt.Tests.Guard;

/// <summary>journalctl itself is replaced by a shell script that records its arguments and prints canned entries.</summary>
public sealed class JournalSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("holt-journal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string FakeJournalctl(string output, int exitCode = 0, string error = "")
    {
        string outputFile = Path.Combine(_dir, "output.json");
        File.WriteAllText(outputFile, output);
        return Scripts.WriteExecutable(Path.Combine(_dir, "journalctl"), $"""
            #!/bin/sh
            for a in "$@"; do printf '%s\n' "$a"; done > '{_dir}/args'
            cat '{outputFile}'
            printf '%s' '{error}' >&2
            exit {exitCode}

            """);
    }

    private string[] RecordedArguments() => File.ReadAllLines(Path.Combine(_dir, "args"));

    [Fact]
    public void Read_SinceAndUntil_PassesInstantsAndBothProgramNames()
    {
        var source = new JournalSource(FakeJournalctl(JournalJsonTests.SshdFailedPassword + "\n"));
        var since = new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.FromHours(1));
        var until = new DateTimeOffset(2026, 11, 24, 23, 59, 59, 500, TimeSpan.Zero);

        List<JournalEntry> entries = [.. source.Read(new JournalQuery(since, until))];

        Assert.Single(entries);
        Assert.Equal(
            [
                "-o", "json", "--no-pager", "--quiet",
                "--since=@" + since.ToUnixTimeSeconds(),
                "--until=@" + (until.ToUnixTimeSeconds() + 1),
                "_COMM=sshd", "_COMM=sshd-session", "+", "SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session",
            ],
            RecordedArguments());
    }

    [Fact]
    public void Read_FollowAfterCursor_PassesFollowAndCursor()
    {
        var source = new JournalSource(FakeJournalctl(""));

        _ = source.Read(new JournalQuery(AfterCursor: "s=abc;i=1f", Follow: true)).ToList();

        string[] arguments = RecordedArguments();
        Assert.Contains("--after-cursor=s=abc;i=1f", arguments);
        Assert.Contains("--follow", arguments);
        Assert.DoesNotContain("--lines=0", arguments);
    }

    [Fact]
    public void Read_FollowWithoutPosition_StartsAtTheEnd()
    {
        var source = new JournalSource(FakeJournalctl(""));

        _ = source.Read(new JournalQuery(Follow: true)).ToList();

        Assert.Contains("--lines=0", RecordedArguments());
    }

    [Fact]
    public void Read_SeveralEntries_YieldsEachWithItsCursor()
    {
        string output = string.Join('\n',
            """{"__CURSOR":"c1","__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","_PID":"1","MESSAGE":"one"}""",
            "",
            """{"__CURSOR":"c2","__REALTIME_TIMESTAMP":"1795487973000000","SYSLOG_IDENTIFIER":"sshd-session","_PID":"2","MESSAGE":"two"}""") + "\n";
        var source = new JournalSource(FakeJournalctl(output));

        List<JournalEntry> entries = [.. source.Read(new JournalQuery())];

        Assert.Equal(["c1", "c2"], entries.Select(e => e.Cursor));
        Assert.Equal(["one", "two"], entries.Select(e => e.Line.Message));
    }

    [Fact]
    public void Read_JournalctlFails_ThrowsItsFirstErrorLine()
    {
        var source = new JournalSource(FakeJournalctl("", exitCode: 1, error: "Failed to seek to cursor: Invalid argument"));

        CommandException e = Assert.Throws<CommandException>(() => source.Read(new JournalQuery(AfterCursor: "junk")).ToList());

        Assert.Contains("Failed to seek to cursor: Invalid argument", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_JournalctlMissing_SaysSo()
    {
        var source = new JournalSource(Path.Combine(_dir, "no-such-dir", "journalctl"));

        CommandException e = Assert.Throws<CommandException>(() => source.Read(new JournalQuery()).ToList());

        Assert.StartsWith("journalctl is not installed;", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CancelledWhileFollowing_StopsJournalctl()
    {
        string script = Path.Combine(_dir, "journalctl");
        File.WriteAllText(script, """
            #!/bin/sh
            echo '{"__CURSOR":"c1","__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","_PID":"1","MESSAGE":"one"}'
            exec sleep 60

            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var cancel = new CancellationTokenSource();
        var seen = new List<string>();

        foreach (JournalEntry entry in new JournalSource(script).Read(new JournalQuery(Follow: true), cancel.Token))
        {
            seen.Add(entry.Line.Message);
            cancel.Cancel();
        }

        Assert.Equal(["one"], seen);
    }

    [Fact]
    public void Read_HugeLine_IsSkippedAndCounted_TheNextEntryIsRead()
    {
        string huge = "{\"__CURSOR\":\"c0\",\"__REALTIME_TIMESTAMP\":\"1795487971000000\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"MESSAGE\":\""
            + new string('x', 4 << 20) + "\"}";
        string output = huge + "\n" + """{"__CURSOR":"c1","__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","_PID":"1","MESSAGE":"one"}""" + "\n";
        var source = new JournalSource(FakeJournalctl(output));

        List<JournalEntry> entries = [.. source.Read(new JournalQuery())];

        Assert.Equal(["c1"], entries.Select(e => e.Cursor));
        Assert.Equal(1, source.SkippedLines);
    }

    [Fact]
    public void Read_LastLineWithoutNewline_IsStillAnEntry()
    {
        var source = new JournalSource(FakeJournalctl("""{"__CURSOR":"c1","__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","_PID":"1","MESSAGE":"one"}"""));

        Assert.Equal(["one"], source.Read(new JournalQuery()).Select(e => e.Line.Message));
    }
}
