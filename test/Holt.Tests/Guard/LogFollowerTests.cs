using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>Following a log across rotation and truncation without losing or re-reading a line.</summary>
public sealed class LogFollowerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-follow.").FullName;

    private string LogPath => Path.Combine(_directory, "auth.log");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void NewFollower_StartsAtTheEnd_ThenSeesAppendedLines()
    {
        File.WriteAllText(LogPath, "old 1\nold 2\n");
        using var follower = new LogFollower(LogPath, resume: null);
        Assert.Empty(follower.ReadAvailable());

        File.AppendAllText(LogPath, "new 1\nnew 2\n");

        Assert.Equal(["new 1", "new 2"], follower.ReadAvailable());
        Assert.Empty(follower.ReadAvailable());
    }

    [Fact]
    public void LinesHandedOneByOne_AreNotKeptByTheFollower()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);
        File.AppendAllText(LogPath, string.Concat(Enumerable.Range(0, 1000).Select(i => $"line {i}\n")));
        var handed = new List<WeakReference>();

        Assert.Equal(1000, follower.ReadAvailable(line => handed.Add(new WeakReference(line))));

        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.DoesNotContain(handed, reference => reference.IsAlive);
    }

    [Fact]
    public void WhatTheHandlerThrows_PassesThroughAsItIs_NotAsTheFilesProblem()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);
        File.AppendAllText(LogPath, "a\nb\nc\n");
        var thrown = new IOException("the handler's own");

        IOException caught = Assert.Throws<IOException>(() => follower.ReadAvailable(line =>
        {
            if (line == "b")
            {
                throw thrown;
            }
        }));

        Assert.Same(thrown, caught);

        // Nothing is said next time as the file's trouble, and no line is lost: the slice is handed again.
        Assert.Equal(["a", "b", "c"], follower.ReadAvailable());
    }

    [Fact]
    public void PartialLine_WaitsForItsNewline()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);
        File.AppendAllText(LogPath, "Failed password for ro");
        Assert.Empty(follower.ReadAvailable());
        long before = follower.Position!.Offset;

        File.AppendAllText(LogPath, "ot from 203.0.113.5 port 1 ssh2\nnext");

        Assert.Equal(["Failed password for root from 203.0.113.5 port 1 ssh2"], follower.ReadAvailable());
        Assert.Equal(before + 54, follower.Position!.Offset);
    }

    [Fact]
    public void RotationByRename_FinishesTheOldFile_ThenReadsTheNewOne()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);
        File.AppendAllText(LogPath, "a\n");
        Assert.Equal(["a"], follower.ReadAvailable());

        // logrotate renames; the writer still has the old file open and adds to it before it reopens.
        File.Move(LogPath, LogPath + ".1");
        File.AppendAllText(LogPath + ".1", "b\nc");
        File.WriteAllText(LogPath, "d\ne\n");

        Assert.Equal(["b", "c", "d", "e"], follower.ReadAvailable());
        File.AppendAllText(LogPath, "f\n");
        Assert.Equal(["f"], follower.ReadAvailable());
    }

    [Fact]
    public void CopyTruncate_RereadsFromTheStart_OnlyWhatIsNew()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);
        File.AppendAllText(LogPath, "one\ntwo\n");
        Assert.Equal(["one", "two"], follower.ReadAvailable());

        File.WriteAllText(LogPath, "");
        File.AppendAllText(LogPath, "three\n");

        Assert.Equal(["three"], follower.ReadAvailable());
    }

    [Fact]
    public void SavedPosition_ResumesAfterTheLastLine_AcrossARestart()
    {
        File.WriteAllText(LogPath, "");
        FollowPosition saved;
        using (var first = new LogFollower(LogPath, resume: null))
        {
            File.AppendAllText(LogPath, "1\n2\n");
            Assert.Equal(["1", "2"], first.ReadAvailable());
            saved = first.Position!;
        }

        File.AppendAllText(LogPath, "3\n4\n");
        using var second = new LogFollower(LogPath, saved);

        Assert.Equal(["3", "4"], second.ReadAvailable());
    }

    [Fact]
    public void SavedPositionOfAnotherFile_StartsAtTheEndOfTheCurrentOne()
    {
        File.WriteAllText(LogPath, "x\n");
        FollowPosition saved;
        using (var first = new LogFollower(LogPath, resume: null))
        {
            saved = first.Position!;
        }

        File.Delete(LogPath);
        File.WriteAllText(LogPath, "rotated while stopped\n");
        using var second = new LogFollower(LogPath, saved with { Offset = 1 });

        Assert.Empty(second.ReadAvailable());
    }

    [Fact]
    public void MissingFile_IsReadFromItsStartOnceItAppears()
    {
        using var follower = new LogFollower(LogPath, resume: null);
        Assert.Null(follower.Position);
        Assert.Empty(follower.ReadAvailable());

        File.WriteAllText(LogPath, "first\n");

        Assert.Equal(["first"], follower.ReadAvailable());
    }

    [Fact]
    public void ManyRotationsDuringAFlood_LoseNoLine()
    {
        File.WriteAllText(LogPath, "");
        using var follower = new LogFollower(LogPath, resume: null);
        var seen = new List<string>();
        int written = 0;
        for (int round = 0; round < 20; round++)
        {
            using (var writer = new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)))
            {
                for (int i = 0; i < 50; i++)
                {
                    writer.Write($"line {written++}\n");
                    if (i == 25)
                    {
                        writer.Flush();
                        seen.AddRange(follower.ReadAvailable());
                    }
                }

                writer.Flush();
                if (round % 3 == 0)
                {
                    File.Move(LogPath, LogPath + "." + round);
                    writer.Write($"line {written++}\n");
                    writer.Flush();
                    File.WriteAllText(LogPath, "");
                }
            }

            seen.AddRange(follower.ReadAvailable());
        }

        Assert.Equal(Enumerable.Range(0, written).Select(i => $"line {i}"), seen);
    }
}
