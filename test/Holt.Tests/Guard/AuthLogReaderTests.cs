using System.IO.Compression;
using System.Text;
using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>Reading whole log files for the report and <c>holt guard test</c>, whatever they hold.</summary>
[Collection(LargeFiles.Name)]
public sealed class AuthLogReaderTests : IDisposable
{
    private const string Good = "2026-11-24T01:00:00+00:00 gw sshd[10]: Failed password for root from 203.0.113.5 port 4000 ssh2";

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-authlogreader.").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void SparseNulRunOf3GiB_IsReadInBoundedMemory_TheLinesAroundItKept()
    {
        string path = Path.Combine(_directory, "auth.log");
        File.WriteAllText(path, Good + "\n");
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(file.Length + (3L << 30));
        }

        File.AppendAllText(path, Good + "\nlast line without its newline");
        var tally = new ReadTally();

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        List<string> lines = [.. AuthLogReader.ReadLines(path, tally)];
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Equal([Good, Good, "last line without its newline"], lines);
        Assert.Equal(1, tally.SkippedLines);
        Assert.InRange(allocated, 0, 4 << 20);
    }

    [Fact]
    public void OverlongLines_AreSkipped_AndCountedAcrossFiles()
    {
        string first = Write("a.log", Encoding.UTF8.GetBytes(new string('x', LineSplitter.MaxLineLength + 1) + "\n" + Good + "\n"));
        string second = Write("b.log", Encoding.UTF8.GetBytes("cut\0\0\0" + Good + "\n"));
        var tally = new ReadTally();

        Assert.Equal([Good], AuthLogReader.ReadLines(first, tally));
        Assert.Equal([Good], AuthLogReader.ReadLines(second, tally));
        Assert.Equal(2, tally.SkippedLines);
    }

    [Fact]
    public void LogStartingWithNulPadding_IsRead()
    {
        string path = Write("auth.log", [.. new byte[200 * 1024], .. Encoding.UTF8.GetBytes(Good + "\n")]);

        Assert.Equal([Good], AuthLogReader.ReadLines(path));
    }

    [Fact]
    public void CrLfLines_LoseTheirCarriageReturn()
    {
        string path = Write("auth.log", Encoding.UTF8.GetBytes(Good + "\r\nnext\r\n"));

        Assert.Equal([Good, "next"], AuthLogReader.ReadLines(path));
    }

    [Fact]
    public void GzipOfBinaryData_IsRefused()
    {
        byte[] random = new byte[100_000];
        new Random(3).NextBytes(random);
        string path = Path.Combine(_directory, "auth.log.2.gz");
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gzip.Write(random);
        }

        CommandException e = Assert.Throws<CommandException>(() => AuthLogReader.ReadLines(path).ToList());

        Assert.Equal($"cannot read {path}: it is binary data, not a text log", e.Message);
    }

    [Fact]
    public void DamagedGzip_IsOneError()
    {
        string path = Write("auth.log.2.gz", [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, .. Encoding.ASCII.GetBytes("not deflate at all")]);

        CommandException e = Assert.Throws<CommandException>(() => AuthLogReader.ReadLines(path).ToList());

        Assert.StartsWith($"{path} is a damaged gzip file: ", e.Message, StringComparison.Ordinal);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
