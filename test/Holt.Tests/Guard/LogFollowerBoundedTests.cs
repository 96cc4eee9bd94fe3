using System.Text;
using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>
/// Following a log whatever it holds: overlong lines, gigabytes of NUL padding, binary data, a file that shrinks or
/// is replaced between two slices of a read; memory and work per call stay bounded and the position stays right.
/// </summary>
[Collection(LargeFiles.Name)]
public sealed class LogFollowerBoundedTests : IDisposable
{
    private const string Good = "2026-11-24T01:00:00+00:00 gw sshd[10]: Failed password for root from 203.0.113.5 port 4000 ssh2";

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-follow-bounded.").FullName;

    private string LogPath => Path.Combine(_directory, "auth.log");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void OverlongLine_IsSkippedAndCounted_TheNextGoodLineIsDelivered()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);

        Append(new string('x', 200 * 1024) + "\n" + Good + "\n");

        Assert.Equal([Good], ReadAll(follower));
        Assert.Equal(1, follower.SkippedLines);
        Assert.Equal(new FileInfo(LogPath).Length, follower.Position!.Offset);
    }

    [Fact]
    public void SparseNulRunOf3GiB_IsReadInBoundedSlicesAndMemory_AndAResumedFollowerDoesNotReadItAgain()
    {
        File.WriteAllText(LogPath, "before\n");
        using var follower = new LogFollower(LogPath, resume: null);
        using (var file = new FileStream(LogPath, FileMode.Open, FileAccess.Write))
        {
            // A hole: reads as NULs, takes no disk.
            file.SetLength(file.Length + (3L << 30));
        }

        Append(Good + "\nsecond\n");
        long length = new FileInfo(LogPath).Length;

        var lines = new List<string>();
        int calls = 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        do
        {
            lines.AddRange(follower.ReadAvailable());
            calls++;
        }
        while (follower.MoreAvailable);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Equal([Good, "second"], lines);
        Assert.Equal(1, follower.SkippedLines);
        Assert.InRange(allocated, 0, 4 << 20);
        Assert.InRange(calls, (3L << 30) / LogFollower.MaxBytesPerRead, ((3L << 30) / LogFollower.MaxBytesPerRead) + 2);
        FollowPosition position = follower.Position!;
        Assert.Equal(length, position.Offset);

        using var resumed = new LogFollower(LogPath, position);
        Assert.Empty(resumed.ReadAvailable());
        Assert.False(resumed.MoreAvailable);
        Append("third\n");
        Assert.Equal(["third"], resumed.ReadAvailable());
    }

    [Fact]
    public void PositionInsideANulRun_IsSaved_AndResumesWithoutReadingItAgain()
    {
        File.WriteAllText(LogPath, "");
        using var first = new LogFollower(LogPath, resume: null);
        Append("a\n" + new string('\0', 3 * LogFollower.MaxBytesPerRead) + "b\n");

        Assert.Equal(["a"], first.ReadAvailable());
        Assert.True(first.MoreAvailable);
        FollowPosition saved = first.Position!;
        Assert.Equal(LogFollower.MaxBytesPerRead, saved.Offset);

        using var second = new LogFollower(LogPath, saved);
        Assert.Equal(["b"], ReadAll(second));
        Assert.Equal(0, second.SkippedLines);
    }

    [Fact]
    public void OverlongLineWithoutNewline_ThePositionCoversItsBytes_AndAResumeSkipsItsTail()
    {
        File.WriteAllText(LogPath, "");
        FollowPosition saved;
        using (var first = new LogFollower(LogPath, resume: null))
        {
            Append(new string('x', 200 * 1024));
            Assert.Empty(ReadAll(first));
            Assert.Equal(1, first.SkippedLines);
            saved = first.Position!;
            Assert.Equal(200 * 1024, saved.Offset);
        }

        // The rest of the overlong line arrives while no follower runs: its tail is not a line of its own.
        Append("tail of the long line\n" + Good + "\n");
        using var second = new LogFollower(LogPath, saved);

        Assert.Equal([Good], ReadAll(second));
    }

    [Fact]
    public void NulsMidLine_CutTheLine_AndTheTextAfterThemIsALine()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);

        Append("2026-11-24T00:59:59+00:00 gw sshd[9]: Failed pass\0\0\0\0" + Good + "\nnext\n");

        Assert.Equal([Good, "next"], ReadAll(follower));
        Assert.Equal(1, follower.SkippedLines);
    }

    [Fact]
    public void ManyShortLines_AreHandedOutInSlices_InOrder()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);
        Append(string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{i}\n")));

        IReadOnlyList<string> first = follower.ReadAvailable();
        Assert.Equal(LogFollower.MaxLinesPerRead, first.Count);
        Assert.True(follower.MoreAvailable);

        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => $"{i}"), [.. first, .. ReadAll(follower)]);
    }

    [Fact]
    public void FileTruncatedBelowALineInProgress_IsReadAgainFromItsStart()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);
        Append("line one\na line still being written");
        Assert.Equal(["line one"], follower.ReadAvailable());

        // copytruncate, and the writer's next line is longer than the whole lines read but shorter than all read.
        File.WriteAllText(LogPath, "fresh line 1\n");

        Assert.Equal(["fresh line 1"], follower.ReadAvailable());
        Append("fresh line 2 and then some more text\n");
        Assert.Equal(["fresh line 2 and then some more text"], follower.ReadAvailable());
    }

    [Fact]
    public void FileTruncatedBetweenSlices_IsReadAgainFromItsStart()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);
        Append(string.Concat(Enumerable.Range(0, 300_000).Select(i => $"old {i}\n")));
        Assert.NotEmpty(follower.ReadAvailable());
        Assert.True(follower.MoreAvailable);

        File.WriteAllText(LogPath, "new\n");

        Assert.Equal(["new"], ReadAll(follower));
    }

    [Fact]
    public void FileReplacedBetweenSlices_TheOldOneIsFinishedFirst()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);
        Append(string.Concat(Enumerable.Range(0, 300_000).Select(i => $"old {i}\n")));
        var lines = new List<string>(follower.ReadAvailable());
        Assert.True(follower.MoreAvailable);

        File.Move(LogPath, LogPath + ".1");
        File.WriteAllText(LogPath, "new\n");
        lines.AddRange(ReadAll(follower));

        Assert.Equal([.. Enumerable.Range(0, 300_000).Select(i => $"old {i}"), "new"], lines);
    }

    [Fact]
    public void BinaryData_IsReadInBoundedLines_AndTheNextGoodLineIsDelivered()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);
        byte[] garbage = new byte[4 << 20];
        new Random(7).NextBytes(garbage);
        using (var file = new FileStream(LogPath, FileMode.Append))
        {
            file.Write(garbage);
        }

        Append("\n" + Good + "\n");

        List<string> lines = ReadAll(follower);
        Assert.Equal(Good, lines[^1]);
        Assert.All(lines, line => Assert.True(line.Length <= LineSplitter.MaxLineLength));
        Assert.Equal(new FileInfo(LogPath).Length, follower.Position!.Offset);
    }

    [Fact]
    public void SymlinkedLog_IsNotTakenForARotation()
    {
        string target = Path.Combine(_directory, "real.log");
        File.WriteAllText(target, "old\n");
        File.CreateSymbolicLink(LogPath, target);
        using var follower = new LogFollower(LogPath, resume: null);

        File.AppendAllText(target, "one\n");
        Assert.Equal(["one"], follower.ReadAvailable());
        File.AppendAllText(target, "two\n");
        Assert.Equal(["two"], follower.ReadAvailable());
    }

    [Fact]
    public void Directory_IsNotFollowed_AndSaysSo()
    {
        Directory.CreateDirectory(LogPath);
        using var follower = new LogFollower(LogPath, resume: null);

        CommandException e = Assert.Throws<CommandException>(() => follower.ReadAvailable());

        Assert.Equal($"cannot follow {LogPath}: it is a directory, not a log file", e.Message);
    }

    [Fact]
    public void Fifo_IsNotOpened_SoNothingBlocks()
    {
        File.Delete(LogPath);
        Assert.Equal(0, Mkfifo(LogPath));
        using var follower = new LogFollower(LogPath, resume: null);

        CommandException e = Assert.Throws<CommandException>(() => follower.ReadAvailable());

        Assert.Equal($"cannot follow {LogPath}: it is a FIFO (named pipe), not a log file", e.Message);
    }

    [Fact]
    public void RotatedToADirectory_TheOldFilesLastLinesAreDelivered_ThenTheProblemIsSaid()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);
        Append("last\n");
        File.Move(LogPath, LogPath + ".1");
        Directory.CreateDirectory(LogPath);

        Assert.Equal(["last"], follower.ReadAvailable());
        Assert.True(follower.MoreAvailable);
        _ = Assert.Throws<CommandException>(() => follower.ReadAvailable());

        Directory.Delete(LogPath);
        File.WriteAllText(LogPath, "first of the new file\n");
        Assert.Equal(["first of the new file"], follower.ReadAvailable());
    }

    [Fact]
    public void LogThatWasADirectoryAtStart_IsFollowedFromItsEndOnceItIsAFile()
    {
        Directory.CreateDirectory(LogPath);
        using var follower = new LogFollower(LogPath, resume: null);
        _ = Assert.Throws<CommandException>(() => follower.ReadAvailable());

        Directory.Delete(LogPath);
        File.WriteAllText(LogPath, "written before the follower could open it\n");
        Assert.Empty(follower.ReadAvailable());
        Append("new\n");
        Assert.Equal(["new"], follower.ReadAvailable());
    }

    private static List<string> ReadAll(LogFollower follower)
    {
        var lines = new List<string>();
        do
        {
            lines.AddRange(follower.ReadAvailable());
        }
        while (follower.MoreAvailable);
        return lines;
    }

    private void Append(string text)
    {
        using var file = new FileStream(LogPath, FileMode.Append);
        file.Write(Encoding.UTF8.GetBytes(text));
    }

    private static int Mkfifo(string path)
    {
        using var process = System.Diagnostics.Process.Start("mkfifo", [path]);
        process.WaitForExit();
        return process.ExitCode;
    }
}

/// <summary>
/// Tests that read gigabytes run alone: in parallel they would hold a core each for seconds and starve tests whose
/// filters have a wall-clock match timeout.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LargeFiles
{
    public const string Name = "Large files";
}
