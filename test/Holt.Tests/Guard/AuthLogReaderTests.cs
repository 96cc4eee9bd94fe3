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

        Assert.Equal($"{path} is not a valid gzip file: its compressed data is damaged", e.Message);
        Assert.IsType<InvalidDataException>(e.InnerException, exactMatch: false);
    }

    [Fact]
    public void GzipCutAtAnyByte_IsRefused_NeverReadAsWhole()
    {
        byte[] whole = Gzip(Lines(300));
        string path = Path.Combine(_directory, "auth.log.2.gz");

        // Every prefix: in the header, the deflate data, the trailer (the runtime's GZipStream takes most for whole).
        for (int length = 1; length < whole.Length; length++)
        {
            File.WriteAllBytes(path, whole[..length]);

            CommandException e = Assert.Throws<CommandException>(() => AuthLogReader.ReadLines(path).ToList());

            Assert.StartsWith($"{path} is not a valid gzip file: ", e.Message, StringComparison.Ordinal);
            Assert.IsType<InvalidDataException>(e.InnerException, exactMatch: false);
            Assert.DoesNotContain('\n', e.Message);
        }

        File.WriteAllBytes(path, whole);
        Assert.Equal(300, AuthLogReader.ReadLines(path).Count());
    }

    [Theory]
    [InlineData(20, "it is cut short (it ends inside its compressed data)")]
    [InlineData(4, "its data does not match its CRC-32 and length (damaged, or cut short in its last 8 bytes)")]
    public void GzipCutShort_SaysWhatIsWrong(int cutFromEnd, string expected)
    {
        byte[] whole = Gzip(Lines(50));
        string path = Write("auth.log.3.gz", whole[..^cutFromEnd]);

        CommandException e = Assert.Throws<CommandException>(() => AuthLogReader.ReadLines(path).ToList());

        Assert.Equal($"{path} is not a valid gzip file: {expected}", e.Message);
    }

    [Fact]
    public void GzipWhoseDataDoesNotMatchItsChecksum_IsRefused()
    {
        byte[] file = Gzip(Lines(50));
        file[^8] ^= 0x01;
        string path = Write("auth.log.2.gz", file);

        CommandException e = Assert.Throws<CommandException>(() => AuthLogReader.ReadLines(path).ToList());

        Assert.Equal($"{path} is not a valid gzip file: its data does not match its CRC-32 and length (damaged, or cut short in its last 8 bytes)", e.Message);
    }

    [Fact]
    public void GzipOfManyMembers_WithHeaderFields_AndTrailingZeros_IsReadWhole()
    {
        var random = new Random(17);
        var expected = new List<string>();
        var file = new List<byte>();
        for (int member = 0; member < 40; member++)
        {
            // Sizes around the decompressor's 8 KiB blocks, empty members too, and incompressible text.
            int count = random.Next(0, 400);
            string[] lines = [.. Enumerable.Range(0, count).Select(i => $"{Good} {random.NextInt64():x16}{random.NextInt64():x16}")];
            expected.AddRange(lines);
            byte[] gzip = Gzip(lines);
            file.AddRange(member % 3 == 0 ? WithHeaderFields(gzip) : gzip);
        }

        file.AddRange(new byte[100]);
        string path = Write("auth.log.4.gz", [.. file]);

        Assert.Equal(expected, AuthLogReader.ReadLines(path));
    }

    [Fact]
    public void NamedGzip_EmptyOrBinary_IsNotAValidGzipFile_ButPlainTextIsRead()
    {
        string empty = Write("auth.log.2.gz", []);
        byte[] random = new byte[10_000];
        new Random(9).NextBytes(random);
        random[0] = (byte)'x';
        string binary = Write("auth.log.3.gz", random);
        string text = Write("auth.log.4.gz", Encoding.UTF8.GetBytes(Good + "\n"));

        Assert.Equal($"{empty} is not a valid gzip file: it is empty", Assert.Throws<CommandException>(() => AuthLogReader.ReadLines(empty).ToList()).Message);
        Assert.Equal(
            $"{binary} is not a valid gzip file: it does not start as one, and holds binary data",
            Assert.Throws<CommandException>(() => AuthLogReader.ReadLines(binary).ToList()).Message);
        Assert.Equal([Good], AuthLogReader.ReadLines(text));
    }

    private static string[] Lines(int count) => [.. Enumerable.Range(0, count).Select(i => $"{Good} #{i}")];

    private static byte[] Gzip(IEnumerable<string> lines)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));
        }

        return compressed.ToArray();
    }

    /// <summary>The same member with every optional header field (RFC 1952 FEXTRA, FNAME, FCOMMENT, FHCRC), as gzip(1) and others write some.</summary>
    private static byte[] WithHeaderFields(byte[] gzip)
    {
        byte[] header = [.. gzip[..10]];
        header[3] = 0x02 | 0x04 | 0x08 | 0x10;
        return [.. header, 3, 0, (byte)'a', (byte)'b', (byte)'c', .. "auth.log"u8, 0, .. "rotated"u8, 0, 0x12, 0x34, .. gzip[10..]];
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
