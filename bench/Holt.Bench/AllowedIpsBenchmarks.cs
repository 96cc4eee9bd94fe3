using System.Net;
using BenchmarkDotNet.Attributes;
using Holt.WireGuard.Routing;

namespace Holt.Bench;

/// <summary>
/// Cryptokey-routing lookups, done once per packet in each direction: a table of 10 000 random prefixes (half
/// IPv4, half IPv6, fixed seed) and 1024 precomputed addresses that each fall inside some prefix. Figures are
/// per lookup. <see cref="InsertAll"/> shows what building such a table costs, per prefix.
/// </summary>
[MemoryDiagnoser]
public class AllowedIpsBenchmarks
{
    private const int PrefixCount = 10_000;
    private const int AddressCount = 1024;
    private const int OwnerCount = 100;

    private readonly AllowedIps<BenchPeer> _table = new();
    private readonly List<(IPNetwork Prefix, BenchPeer Owner)> _prefixes = [];
    private byte[] _ipv4Addresses = [];
    private byte[] _ipv6Addresses = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20_240_611);
        BenchPeer[] owners = [.. Enumerable.Range(0, OwnerCount).Select(_ => new BenchPeer())];
        var ipv4 = new List<IPNetwork>();
        var ipv6 = new List<IPNetwork>();
        for (int i = 0; i < PrefixCount; i++)
        {
            bool isIPv6 = i % 2 == 1;
            var bytes = new byte[isIPv6 ? 16 : 4];
            random.NextBytes(bytes);
            int length = isIPv6 ? random.Next(16, 129) : random.Next(8, 33);
            var prefix = new IPNetwork(new IPAddress(bytes), length);
            BenchPeer owner = owners[random.Next(owners.Length)];
            _table.Insert(prefix, owner);
            _prefixes.Add((prefix, owner));
            (isIPv6 ? ipv6 : ipv4).Add(prefix);
        }

        _ipv4Addresses = AddressesInside(random, ipv4, 4);
        _ipv6Addresses = AddressesInside(random, ipv6, 16);
    }

    [Benchmark(OperationsPerInvoke = AddressCount)]
    public int LookupIPv4()
    {
        int hits = 0;
        ReadOnlySpan<byte> addresses = _ipv4Addresses;
        for (int i = 0; i < AddressCount; i++)
        {
            hits += _table.Lookup(addresses.Slice(i * 4, 4)) is null ? 0 : 1;
        }

        return hits;
    }

    [Benchmark(OperationsPerInvoke = AddressCount)]
    public int LookupIPv6()
    {
        int hits = 0;
        ReadOnlySpan<byte> addresses = _ipv6Addresses;
        for (int i = 0; i < AddressCount; i++)
        {
            hits += _table.Lookup(addresses.Slice(i * 16, 16)) is null ? 0 : 1;
        }

        return hits;
    }

    [Benchmark(OperationsPerInvoke = PrefixCount)]
    public int InsertAll()
    {
        var table = new AllowedIps<BenchPeer>();
        foreach ((IPNetwork prefix, BenchPeer owner) in _prefixes)
        {
            table.Insert(prefix, owner);
        }

        return table.Count;
    }

    /// <summary>Random addresses, each inside a randomly chosen prefix, packed back to back.</summary>
    private static byte[] AddressesInside(Random random, List<IPNetwork> prefixes, int size)
    {
        var addresses = new byte[AddressCount * size];
        var host = new byte[size];
        for (int i = 0; i < AddressCount; i++)
        {
            IPNetwork prefix = prefixes[random.Next(prefixes.Count)];
            byte[] network = prefix.BaseAddress.GetAddressBytes();
            random.NextBytes(host);
            for (int bit = prefix.PrefixLength; bit < size * 8; bit++)
            {
                int mask = 1 << (7 - (bit % 8));
                network[bit / 8] = (byte)((network[bit / 8] & ~mask) | (host[bit / 8] & mask));
            }

            network.CopyTo(addresses, i * size);
        }

        return addresses;
    }

    private sealed class BenchPeer;
}
