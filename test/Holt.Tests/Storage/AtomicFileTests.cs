using System.Net.Sockets;
using System.Text;
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

    [Fact]
    public void SymbolicLink_TheFileItLeadsToIsReplaced_AndTheLinkStays()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "real"));
        string target = Path.Combine(_directory, "real", "holt.toml");
        File.WriteAllText(target, "old");
        File.SetUnixFileMode(target, (UnixFileMode)0b110_100_100);
        string link = Path.Combine(_directory, "holt.toml");
        File.CreateSymbolicLink(link, "real/holt.toml");

        WriteKind kind = AtomicFile.WriteAllText(link, "new");

        Assert.Equal(WriteKind.Replace, kind);
        Assert.Equal("symbolic link", SpecialFiles.TypeOf(link));
        Assert.Equal("real/holt.toml", new FileInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(target));
        Assert.Equal(AtomicFile.Private, File.GetUnixFileMode(target));
        Assert.Equal(((string[])[link, Path.Combine(_directory, "real")]).Order(), Directory.EnumerateFileSystemEntries(_directory).Order());
        Assert.Equal([target], Directory.EnumerateFileSystemEntries(Path.Combine(_directory, "real")));
    }

    [Fact]
    public void ChainOfLinks_ThroughALinkedDirectory_ReplacesTheLastFile()
    {
        // first -> chain/second, where chain is a link to the directory real; real/second -> ../final/holt.toml.
        // The ".." is real's parent (the kernel's reading), not chain's textual parent.
        foreach (string name in (string[])["real", "final"])
        {
            Directory.CreateDirectory(Path.Combine(_directory, name));
        }

        Directory.CreateDirectory(Path.Combine(_directory, "links"));
        string final = Path.Combine(_directory, "final", "holt.toml");
        File.WriteAllText(final, "old");
        Directory.CreateSymbolicLink(Path.Combine(_directory, "links", "chain"), Path.Combine(_directory, "real"));
        File.CreateSymbolicLink(Path.Combine(_directory, "real", "second"), "../final/holt.toml");
        string first = Path.Combine(_directory, "first");
        File.CreateSymbolicLink(first, Path.Combine(_directory, "links", "chain", "second"));

        AtomicFile.WriteAllText(first, "new");

        Assert.Equal("new", File.ReadAllText(final));
        Assert.Equal(AtomicFile.Private, File.GetUnixFileMode(final));
        Assert.Equal("symbolic link", SpecialFiles.TypeOf(first));
        Assert.Equal("symbolic link", SpecialFiles.TypeOf(Path.Combine(_directory, "real", "second")));
        Assert.False(File.Exists(Path.Combine(_directory, "links", "final", "holt.toml")));
    }

    [Fact]
    public void DanglingLink_IsRefused_AndNothingIsCreated()
    {
        string link = Path.Combine(_directory, "holt.toml");
        File.CreateSymbolicLink(link, "gone/holt.toml");
        Directory.CreateDirectory(Path.Combine(_directory, "gone"));

        IOException e = Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(link, "x"));

        Assert.Equal($"it is a symbolic link leading to {_directory}/gone/holt.toml, which does not exist (create that file first, or remove the link)", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_directory, "gone")));
        Assert.Equal("symbolic link", SpecialFiles.TypeOf(link));
    }

    [Fact]
    public void LinkLoop_IsRefused()
    {
        string a = Path.Combine(_directory, "a");
        File.CreateSymbolicLink(a, "b");
        File.CreateSymbolicLink(Path.Combine(_directory, "b"), "a");

        IOException e = Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(a, "x"));

        Assert.Equal("too many levels of symbolic links", e.Message);
    }

    [Fact]
    public void Directory_IsRefusedInOneLine_AndStaysADirectory()
    {
        string directory = Path.Combine(_directory, "out");
        Directory.CreateDirectory(directory);
        File.CreateSymbolicLink(Path.Combine(_directory, "link"), "out");

        IOException direct = Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(directory, "x"));
        IOException linked = Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(Path.Combine(_directory, "link"), "x"));

        Assert.Equal("it is a directory", direct.Message);
        Assert.Equal($"it is a symbolic link leading to {directory}, which is a directory", linked.Message);
        Assert.Equal("directory", SpecialFiles.TypeOf(directory));
        Assert.Equal(((string[])[directory, Path.Combine(_directory, "link")]).Order(), Directory.EnumerateFileSystemEntries(_directory).Order());
    }

    [Fact]
    public void Socket_IsRefused_AndStaysASocket()
    {
        string path = Path.Combine(_directory, "control.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));

        IOException e = Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(path, "x"));

        Assert.Equal("it is a socket, not a file", e.Message);
        Assert.Equal("socket", SpecialFiles.TypeOf(path));
    }

    [Fact]
    public async Task Fifo_ItsReaderReceivesTheBytes_AndItStaysAFifo()
    {
        string fifo = SpecialFiles.MakeFifo(_directory);
        Task<byte[]> read = SpecialFiles.ReadFifo(fifo);

        WriteKind kind = AtomicFile.WriteAllText(fifo, "through the pipe");

        Assert.Equal(WriteKind.Stream, kind);
        Assert.Equal("fifo", SpecialFiles.TypeOf(fifo));
        Assert.Equal("600", SpecialFiles.ModeOf(fifo));
        Assert.Equal("through the pipe", Encoding.UTF8.GetString(await read.WaitAsync(TimeSpan.FromSeconds(30))));
        Assert.Equal([fifo], Directory.EnumerateFileSystemEntries(_directory));
    }

    [MknodFact]
    public void CharacterDevice_IsWrittenInto_AndStaysACharacterDevice()
    {
        string device = SpecialFiles.MakeNullDevice(_directory);
        File.CreateSymbolicLink(Path.Combine(_directory, "link"), "null");

        WriteKind direct = AtomicFile.WriteAllText(device, "discarded");
        WriteKind linked = AtomicFile.WriteAllText(Path.Combine(_directory, "link"), "discarded too");

        Assert.Equal(WriteKind.Stream, direct);
        Assert.Equal(WriteKind.Stream, linked);
        Assert.Equal("character special file", SpecialFiles.TypeOf(device));
        Assert.Equal("666", SpecialFiles.ModeOf(device));
        Assert.Equal(((string[])[device, Path.Combine(_directory, "link")]).Order(), Directory.EnumerateFileSystemEntries(_directory).Order());
    }
}
