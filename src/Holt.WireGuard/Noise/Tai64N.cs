using System.Buffers.Binary;

namespace Holt.WireGuard.Noise;

/// <summary>
/// TAI64N timestamps (section 5.4.2): 8 bytes big-endian seconds since 1970 plus 2^62, then 4 bytes big-endian
/// nanoseconds. Big-endian makes byte order equal time order, so timestamps compare with a byte comparison.
/// </summary>
internal static class Tai64N
{
    public const int Size = 12;
    private const ulong Base = 0x400000000000000aUL;

    /// <summary>
    /// Writes <paramref name="time"/>. Nanoseconds are rounded down to a multiple of 2^24 (about 16.8 ms), as the
    /// kernel and wireguard-go do, so the timestamp leaks no fine timing; two initiations inside that interval are
    /// anyway refused by the 20 ms initiation rate.
    /// </summary>
    public static void Write(DateTimeOffset time, Span<byte> destination)
    {
        long ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long remainder);
        uint nanos = (uint)(remainder * 100) & ~((1u << 24) - 1);
        BinaryPrimitives.WriteUInt64BigEndian(destination, Base + (ulong)seconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], nanos);
    }

    /// <summary>True if <paramref name="candidate"/> is strictly after <paramref name="latest"/>.</summary>
    public static bool IsAfter(ReadOnlySpan<byte> candidate, ReadOnlySpan<byte> latest) =>
        candidate[..Size].SequenceCompareTo(latest[..Size]) > 0;
}
