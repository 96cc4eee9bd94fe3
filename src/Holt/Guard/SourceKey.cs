using System.Buffers.Binary;
using System.Net;

namespace Holt.Guard;

/// <summary>A source address as a jail's table keys it: a value type of a fixed size, hashed with a secret seed.</summary>
internal interface ISourceKey<TSelf> : IEquatable<TSelf>
    where TSelf : unmanaged, ISourceKey<TSelf>
{
    /// <summary>
    /// 64 well-mixed bits of <paramref name="key"/> under <paramref name="seed"/>: the table takes a segment from the
    /// top bits and a slot from the bottom ones. The seed is secret so that a client choosing its addresses (an IPv6
    /// attacker has 2^64 of them) cannot aim them all at one probe sequence.
    /// </summary>
    static abstract ulong Hash(TSelf key, ulong seed);
}

/// <summary>An IPv4 address (an IPv4-mapped IPv6 address too) as its 32 bits, most significant first.</summary>
internal readonly record struct V4Key(uint Value) : ISourceKey<V4Key>
{
    public static ulong Hash(V4Key key, ulong seed) => SourceHash.Mix(key.Value + seed);
}

/// <summary>An IPv6 address as its 128 bits, in two halves; the scope, which no log line carries, is not part of it.</summary>
internal readonly record struct V6Key(ulong High, ulong Low) : ISourceKey<V6Key>
{
    public static ulong Hash(V6Key key, ulong seed) => SourceHash.Mix(SourceHash.Mix(key.High + seed) ^ key.Low);
}

/// <summary>How an <see cref="IPAddress"/> becomes a key: one source is one key however it was written.</summary>
internal static class SourceHash
{
    /// <summary>
    /// The finalizer of SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014): a
    /// bijection whose every output bit depends on every input bit, so keys that differ in a few bits spread out.
    /// </summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// The key of <paramref name="address"/>: IPv4, and IPv4-mapped IPv6 (<c>::ffff:192.0.2.1</c>, a dual-stack
    /// socket's view of an IPv4 client), as a <see cref="V4Key"/>; any other IPv6 address as a <see cref="V6Key"/>.
    /// True for IPv4.
    /// </summary>
    public static bool TryV4(IPAddress address, out V4Key v4, out V6Key v6)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int length))
        {
            throw new ArgumentException($"{address} is neither IPv4 nor IPv6", nameof(address));
        }

        v4 = default;
        v6 = default;
        if (length == 4)
        {
            v4 = new V4Key(BinaryPrimitives.ReadUInt32BigEndian(bytes));
            return true;
        }

        if (bytes[..10].IndexOfAnyExcept((byte)0) < 0 && bytes[10] == 0xFF && bytes[11] == 0xFF)
        {
            v4 = new V4Key(BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]));
            return true;
        }

        v6 = new V6Key(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
        return false;
    }
}
