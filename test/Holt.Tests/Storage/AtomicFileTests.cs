using Holt.Storage;

namespace Holt.Tests.Storage;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-atomic").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Write_CreatesTheFile_WithMode0600_WhateverTheUmask()
    {
        string path = Path.Combine(_directory, "server.key");

        AtomicFile.WriteAllText(path, "secret\n");

        Assert.Equal("secret\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Write_ReplacesAnOpenFile_WithoutEverNarrowingItsModeToOthers()
    {
        string path = Path.Combine(_directory, "holt.toml");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);

        AtomicFile.WriteAllText(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Write_AsksForAMode_GetsExactlyIt()
    {
        string path = Path.Combine(_directory, "public.txt");
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

        AtomicFile.WriteAllText(path, "x", mode);

        Assert.Equal(mode, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Readers_SeeOldOrNew_NeverAMixture()
    {
        string path = Path.Combine(_directory, "state");
        string a = new('a', 200_000), b = new('b', 200_000);
        AtomicFile.WriteAllText(path, a);
        using var stop = new CancellationTokenSource();
        int mixed = 0, reads = 0;
        Task reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                string seen = File.ReadAllText(path);
                Interlocked.Increment(ref reads);
                if (seen != a && seen != b)
                {
                    mixed++;
                }
            }
        });

        // Keep replacing the file until the reader has looked at it often, racing the writes.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        for (int i = 0; (i < 200 || Volatile.Read(ref reads) < 200) && DateTime.UtcNow < deadline; i++)
        {
            AtomicFile.WriteAllText(path, i % 2 == 0 ? b : a);
        }

        stop.Cancel();
        await reader;
        Assert.True(reads >= 200, $"the reader read only {reads} times");
        Assert.Equal(0, mixed);
    }

    [Fact]
    public void FailedWrite_LeavesTheTargetAndNoTemporaryFile()
    {
        string path = Path.Combine(_directory, "missing-dir", "file");

        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(path, "x"));

        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public void Write_LeavesNoTemporaryFiles()
    {
        string path = Path.Combine(_directory, "peers");
        for (int i = 0; i < 5; i++)
        {
            AtomicFile.WriteAllText(path, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal([path], Directory.EnumerateFileSystemEntries(_directory));
    }
}
