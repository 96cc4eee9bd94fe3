using System.Text;
using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>Cutting bytes into lines with a fixed bound: overlong lines and NUL padding are skipped and counted.</summary>
public sealed class LineSplitterTests
{
    [Fact]
    public void Lines_AreCutAtNewlines_AndALineInProgressWaitsAcrossBlocks()
    {
        var splitter = new LineSplitter();

        Assert.Equal(["one", "", "two"], Split(splitter, "one\n\ntw", "o\nthr"));
        Assert.Equal(3, splitter.Pending);
        Assert.True(splitter.TryFinish(out ReadOnlySpan<byte> last));
        Assert.Equal("thr", Encoding.UTF8.GetString(last));
        Assert.Equal(0, splitter.SkippedLines);
    }

    [Fact]
    public void OverlongLine_IsSkippedWholeAndCounted_TheNextLineIsHandedOut()
    {
        var splitter = new LineSplitter(maxLength: 8);

        Assert.Equal(["short", "12345678", "next"], Split(splitter, "short\n123456789", "abcdef", "ghi\n12345678\nnext\n"));
        Assert.Equal(1, splitter.SkippedLines);
        Assert.Equal(0, splitter.Pending);
    }

    [Fact]
    public void OverlongLine_AtTheDefaultLimit_IsSkipped()
    {
        var splitter = new LineSplitter();

        Assert.Equal(["after"], Split(splitter, new string('x', LineSplitter.MaxLineLength + 1) + "\n" + "after\n"));
        Assert.Equal(1, splitter.SkippedLines);
        Assert.Equal([new string('y', LineSplitter.MaxLineLength)], Split(splitter, new string('y', LineSplitter.MaxLineLength) + "\n"));
    }

    [Fact]
    public void NulRun_IsSkippedAsOneLine_TheTextAfterItStartsALine()
    {
        var splitter = new LineSplitter();

        // An unclean shutdown: the end of "cut" was lost to padding; the writer went on after it with whole lines.
        Assert.Equal(["before", "after", "last"], Split(splitter, "before\ncut\0\0\0", "\0\0", "\0after\nlast\n"));
        Assert.Equal(1, splitter.SkippedLines);
    }

    [Fact]
    public void LineOfOnlyNuls_IsSkippedAndCounted_NotHandedOutEmpty()
    {
        var splitter = new LineSplitter();

        Assert.Equal(["a", "b"], Split(splitter, "a\n\0\0\0\n\0\nb\n"));
        Assert.Equal(2, splitter.SkippedLines);
    }

    [Fact]
    public void OverlongLineEndedByNuls_CountsOnce()
    {
        var splitter = new LineSplitter(maxLength: 4);

        Assert.Equal(["ok"], Split(splitter, "toolong\0\0ok\n"));
        Assert.Equal(1, splitter.SkippedLines);
    }

    [Theory]
    [InlineData((byte)'x', new[] { "next" })]
    [InlineData((byte)'\n', new[] { "tail", "next" })]
    [InlineData((byte)0, new[] { "tail", "next" })]
    public void ResumeAfter_InsideALine_SkipsItsTailWithoutCounting(byte previous, string[] expected)
    {
        var splitter = new LineSplitter();
        splitter.ResumeAfter(previous);

        Assert.Equal(expected, Split(splitter, "tail\nnext\n"));
        Assert.Equal(0, splitter.SkippedLines);
    }

    [Fact]
    public void HowTheBytesAreCutIntoBlocks_ChangesNothing()
    {
        var random = new Random(20261124);
        byte[] alphabet = "ab\n\0"u8.ToArray();
        for (int round = 0; round < 500; round++)
        {
            byte[] bytes = new byte[random.Next(0, 60)];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = alphabet[random.Next(alphabet.Length)];
            }

            var whole = new LineSplitter(maxLength: 5);
            List<string> expected = Split(whole, bytes);
            var pieces = new LineSplitter(maxLength: 5);
            var actual = new List<string>();
            for (int at = 0; at < bytes.Length;)
            {
                int length = Math.Min(random.Next(1, 8), bytes.Length - at);
                actual.AddRange(Split(pieces, bytes.AsSpan(at, length).ToArray()));
                at += length;
            }

            Assert.Equal(expected, actual);
            Assert.Equal(whole.SkippedLines, pieces.SkippedLines);
            Assert.Equal(whole.Pending, pieces.Pending);
            Assert.All(expected, line => Assert.True(line.Length <= 5 && !line.Contains('\0', StringComparison.Ordinal)));
        }
    }

    private static List<string> Split(LineSplitter splitter, params string[] blocks)
    {
        var lines = new List<string>();
        foreach (string block in blocks)
        {
            lines.AddRange(Split(splitter, Encoding.UTF8.GetBytes(block)));
        }

        return lines;
    }

    private static List<string> Split(LineSplitter splitter, byte[] block)
    {
        var lines = new List<string>();
        ReadOnlySpan<byte> input = block;
        while (splitter.TryRead(ref input, out ReadOnlySpan<byte> line))
        {
            lines.Add(Encoding.UTF8.GetString(line));
        }

        Assert.True(input.IsEmpty);
        return lines;
    }
}
