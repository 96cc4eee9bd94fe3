using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Holt.WireGuard.Routing;

/// <summary>
/// An IP prefix as two big-endian 64-bit words, the form the routing trie compares. An IPv4 address sits in the
/// top 32 bits of <see cref="Hi"/> with everything below it zero, so the same bit arithmetic serves both families;
/// <see cref="IsIPv6"/> keeps the families apart because they live in separate tries.
/// Host bits beyond <see cref="Length"/> are always zero.
/// </summary>
internal readonly record struct PrefixKey(ulong Hi, ulong Lo, int Length, bool IsIPv6)
{
    public static PrefixKey FromNetwork(IPNetwork network)
    {
        IPAddress address = network.BaseAddress;
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written))
        {
            throw new ArgumentException("the prefix's address could not be read", nameof(network));
        }

        bool isIPv6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        ulong hi;
        ulong lo;
        if (isIPv6)
        {
            hi = BinaryPrimitives.ReadUInt64BigEndian(bytes);
            lo = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        }
        else if (written == 4)
        {
            hi = (ulong)BinaryPrimitives.ReadUInt32BigEndian(bytes) << 32;
            lo = 0;
        }
        else
        {
            throw new ArgumentException($"unsupported address family {address.AddressFamily}", nameof(network));
        }

        int length = network.PrefixLength;
        // IPNetwork already refuses host bits, but `wg` semantics are to mask them, so do not depend on it.
        return new PrefixKey(hi & MaskHi(length), lo & MaskLo(length), length, isIPv6);
    }

    public IPNetwork ToNetwork()
    {
        Span<byte> bytes = stackalloc byte[16];
        IPAddress address;
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes, Hi);
            BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Lo);
            address = new IPAddress(bytes);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)(Hi >> 32));
            address = new IPAddress(bytes[..4]);
        }

        return new IPNetwork(address, Length);
    }

    /// <summary>The order <c>wg</c> users see: IPv4 before IPv6, then by address, then shorter prefixes first.</summary>
    public static int Compare(PrefixKey a, PrefixKey b)
    {
        int result = a.IsIPv6.CompareTo(b.IsIPv6);
        if (result == 0)
        {
            result = a.Hi.CompareTo(b.Hi);
        }

        if (result == 0)
        {
            result = a.Lo.CompareTo(b.Lo);
        }

        return result != 0 ? result : a.Length.CompareTo(b.Length);
    }

    /// <summary>The high word of a netmask of <paramref name="length"/> bits (0..128).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MaskHi(int length) =>
        // C# masks shift counts to six bits, so a shift by 64 would be a shift by 0: handle /0 apart.
        length == 0 ? 0 : length >= 64 ? ulong.MaxValue : ulong.MaxValue << (64 - length);

    /// <summary>The low word of a netmask of <paramref name="length"/> bits (0..128).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MaskLo(int length) => length <= 64 ? 0 : ulong.MaxValue << (128 - length);

    /// <summary>
    /// Bit <paramref name="index"/> of the 128-bit value, counting from the most significant bit. Index 128 is
    /// allowed and yields an arbitrary bit (shift counts wrap); callers only ask for it at a /128 node, whose
    /// children are both empty, so whichever side is chosen ends the walk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BitAt(ulong hi, ulong lo, int index) =>
        (int)(index < 64 ? hi >> (63 - index) : lo >> (127 - index)) & 1;

    /// <summary>How many leading bits two 128-bit values share (128 when equal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CommonPrefixLength(ulong hi1, ulong lo1, ulong hi2, ulong lo2)
    {
        ulong difference = hi1 ^ hi2;
        return difference != 0
            ? BitOperations.LeadingZeroCount(difference)
            : 64 + BitOperations.LeadingZeroCount(lo1 ^ lo2);
    }
}
