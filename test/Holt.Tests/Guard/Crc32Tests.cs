using System.Buffers.Binary;
using System.IO.Compression;
using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>The CRC-32 of gzip trailers, against the check value of its catalogue and the runtime's gzip writer.</summary>
public sealed class Crc32Tests
{
    [Fact]
    public void CheckValue_OfTheDigitsOneToNine_IsThatOfTheCatalogue()
    {
        Assert.Equal(0xcbf43926u, Crc32.Append(0, "123456789"u8));
        Assert.Equal(0u, Crc32.Append(0, []));
    }

    [Fact]
    public void EveryLength_InOneGoOrInPieces_MatchesTheTrailerGzipWrites()
    {
        var random = new Random(23);
        for (int length = 1; length < 100; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            int split = random.Next(length + 1);

            uint whole = Crc32.Append(0, data);
            uint pieces = Crc32.Append(Crc32.Append(0, data.AsSpan(0, split)), data.AsSpan(split));

            Assert.Equal(TrailerCrc(data), whole);
            Assert.Equal(whole, pieces);
        }
    }

    private static uint TrailerCrc(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return BinaryPrimitives.ReadUInt32LittleEndian(compressed.ToArray().AsSpan()[^8..]);
    }
}
