using System.Buffers.Binary;

namespace Holt.Tun.Offload;

/// <summary>
/// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit words. The sum is
/// independent of byte order (RFC 1071 section 2(B)), so it runs over native little-endian 32-bit loads into a
/// 64-bit accumulator that cannot overflow for any IP packet, and is folded and byte-swapped once at the end.
/// </summary>
/// <remarks>
/// A running sum is built by calls to <see cref="Add"/> over consecutive spans; every span but the last must have
/// an even length, or the words of the next would be misaligned.
/// </remarks>
internal static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running sum.</summary>
    public static ulong Add(ReadOnlySpan<byte> data, ulong sum)
    {
        int i = 0;
        for (; i + 16 <= data.Length; i += 16)
        {
            ulong a = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            ulong b = BinaryPrimitives.ReadUInt64LittleEndian(data[(i + 8)..]);
            sum += (a & 0xFFFF_FFFF) + (a >> 32) + (b & 0xFFFF_FFFF) + (b >> 32);
        }

        for (; i + 4 <= data.Length; i += 4)
        {
            sum += BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
        }

        if (i + 2 <= data.Length)
        {
            sum += BinaryPrimitives.ReadUInt16LittleEndian(data[i..]);
            i += 2;
        }

        if (i < data.Length)
        {
            // An odd last byte is the high byte of a word padded with zero; in a little-endian load, the low one.
            sum += data[i];
        }

        return sum;
    }

    /// <summary>Adds a 16-bit field as it appears on the wire (big-endian), such as a pseudo-header's length.</summary>
    public static ulong AddWord(ushort value, ulong sum) => sum + BinaryPrimitives.ReverseEndianness(value);

    /// <summary>
    /// The sum of a TCP or UDP pseudo-header (RFC 793, RFC 8200 section 8.1): both addresses, the protocol and the
    /// transport length.
    /// </summary>
    public static ulong PseudoHeader(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, int length)
    {
        ulong sum = Add(source, 0);
        sum = Add(destination, sum);
        sum = AddWord(protocol, sum);
        return AddWord((ushort)length, sum);
    }

    /// <summary>The sum folded to 16 bits, in the little-endian reading of the wire's bytes.</summary>
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>Writes the checksum of <paramref name="sum"/> (its folded complement) into a 2-byte field.</summary>
    public static void Write(Span<byte> field, ulong sum) => BinaryPrimitives.WriteUInt16LittleEndian(field, (ushort)~Fold(sum));

    /// <summary>
    /// Writes the folded sum itself, not complemented: the partial checksum a CHECKSUM_PARTIAL packet carries in its
    /// transport header, which the kernel completes over the rest of the packet.
    /// </summary>
    public static void WritePartial(Span<byte> field, ulong sum) => BinaryPrimitives.WriteUInt16LittleEndian(field, Fold(sum));

    /// <summary>Whether a region that includes its own checksum field sums to all ones, as a correct one does.</summary>
    public static bool Verifies(ulong sum) => Fold(sum) == 0xFFFF;
}
