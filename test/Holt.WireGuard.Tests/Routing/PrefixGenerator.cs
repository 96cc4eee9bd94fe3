using System.Net;

namespace Holt.WireGuard.Tests.Routing;

/// <summary>
/// Random prefixes that cluster around a few dozen seed addresses per family, so that many of them share
/// leading bits, nest inside one another and force the trie to branch at every depth.
/// </summary>
internal sealed class PrefixGenerator
{
    private const int SeedCount = 48;

    private readonly Random _random;
    private readonly byte[][] _ipv4Seeds;
    private readonly byte[][] _ipv6Seeds;

    public PrefixGenerator(Random random)
    {
        _random = random;
        _ipv4Seeds = [.. Enumerable.Range(0, SeedCount).Select(_ => RandomBytes(4))];
        _ipv6Seeds = [.. Enumerable.Range(0, SeedCount).Select(_ => RandomBytes(16))];
    }

    public IPNetwork Next(bool ipv6)
    {
        byte[][] seeds = ipv6 ? _ipv6Seeds : _ipv4Seeds;
        byte[] address = (byte[])seeds[_random.Next(seeds.Length)].Clone();
        int bits = address.Length * 8;
        int length = _random.Next(100) switch
        {
            0 => 0,
            < 5 => _random.Next(1, 8),
            < 15 => bits,
            _ => _random.Next(8, bits + 1),
        };

        // Keep a random share of the seed's leading bits, so prefixes from one seed part ways at varied depths.
        RandomizeFrom(_random, address, _random.Next(length / 2, length + 1));
        return new IPNetwork(new IPAddress(ReferenceTable.Masked(address, length)), length);
    }

    /// <summary>A random address inside the prefix.</summary>
    public static byte[] RandomInside(Random random, byte[] prefix, int length)
    {
        byte[] address = (byte[])prefix.Clone();
        RandomizeFrom(random, address, length);
        return address;
    }

    /// <summary>Replaces every bit from <paramref name="fromBit"/> on with a random one.</summary>
    public static void RandomizeFrom(Random random, byte[] address, int fromBit)
    {
        for (int bit = fromBit; bit < address.Length * 8; bit++)
        {
            int mask = 1 << (7 - (bit % 8));
            address[bit / 8] = (byte)(random.Next(2) == 0 ? address[bit / 8] & ~mask : address[bit / 8] | mask);
        }
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }
}
