using System.Net;
using Holt.WireGuard.Routing;

namespace Holt.WireGuard.Tests.Routing;

/// <summary>The trie against <see cref="ReferenceTable"/> under a long, seeded sequence of random changes.</summary>
public sealed class AllowedIpsRandomizedTests
{
    private const int OwnerCount = 50;
    private const int InsertsPerFamily = 4000;
    private const int LookupsPerFamily = 4000;

    [Theory]
    [InlineData(20_240_611)]
    [InlineData(7)]
    public void RandomChanges_MatchReference(int seed)
    {
        var random = new Random(seed);
        Owner[] owners = [.. Enumerable.Range(0, OwnerCount).Select(i => new Owner($"peer{i}"))];
        var table = new AllowedIps<Owner>();
        var reference = new ReferenceTable();
        var inserted = new List<IPNetwork>();
        var generator = new PrefixGenerator(random);

        for (int i = 0; i < 2 * InsertsPerFamily; i++)
        {
            bool ipv6 = i % 2 == 1;
            Owner owner = owners[random.Next(owners.Length)];

            // Re-inserting a held prefix, usually for someone else, moves it.
            IPNetwork prefix = inserted.Count > 0 && random.Next(8) == 0
                ? inserted[random.Next(inserted.Count)]
                : generator.Next(ipv6);
            inserted.Add(prefix);
            table.Insert(prefix, owner);
            reference.Insert(prefix, owner);

            if (random.Next(6) == 0)
            {
                // Remove something, often by an owner that does not hold it, which must change nothing.
                IPNetwork victim = inserted[random.Next(inserted.Count)];
                Owner remover = owners[random.Next(owners.Length)];
                Assert.Equal(reference.Remove(victim, remover), table.Remove(victim, remover));
            }

            if (random.Next(500) == 0)
            {
                Owner leaving = owners[random.Next(owners.Length)];
                table.RemoveAll(leaving);
                reference.RemoveAll(leaving);
            }
        }

        Assert.Equal(reference.Count, table.Count);
        Assert.True(table.Count > InsertsPerFamily, $"only {table.Count} prefixes survived; the test lost its teeth");
        foreach (Owner owner in owners)
        {
            Assert.Equal(reference.PrefixesOf(owner), table.PrefixesOf(owner).Select(n => n.ToString()));
        }

        IReadOnlyList<(byte[] Address, int Length)> held = reference.Prefixes();
        int hits = 0;
        for (int i = 0; i < 2 * LookupsPerFamily; i++)
        {
            byte[] address;
            if (random.Next(4) != 0)
            {
                // Most lookups land inside some held prefix, at a random host part.
                (byte[] prefix, int length) = held[random.Next(held.Count)];
                address = PrefixGenerator.RandomInside(random, prefix, length);
            }
            else
            {
                address = generator.Next(i % 2 == 1).BaseAddress.GetAddressBytes();
                PrefixGenerator.RandomizeFrom(random, address, random.Next(address.Length * 8 + 1));
            }

            Owner? expected = reference.Lookup(address);
            Owner? actual = table.Lookup(address);
            if (!ReferenceEquals(expected, actual))
            {
                Assert.Fail($"lookup of {new IPAddress(address)}: expected {expected?.Name ?? "none"}, got {actual?.Name ?? "none"}");
            }

            hits += expected is null ? 0 : 1;
        }

        Assert.True(hits > LookupsPerFamily, $"only {hits} lookups hit a prefix");
    }

    [Fact]
    public void RemovingEverything_LeavesEmptyTable()
    {
        var random = new Random(99);
        var generator = new PrefixGenerator(random);
        Owner[] owners = [new("x"), new("y"), new("z")];
        var table = new AllowedIps<Owner>();
        var reference = new ReferenceTable();
        var inserted = new List<(IPNetwork Prefix, Owner Owner)>();
        for (int i = 0; i < 2000; i++)
        {
            IPNetwork prefix = generator.Next(i % 2 == 0);
            Owner owner = owners[random.Next(owners.Length)];
            table.Insert(prefix, owner);
            reference.Insert(prefix, owner);
            inserted.Add((prefix, owner));
        }

        // Removing in random order exercises every collapse of branch nodes; each step is checked.
        foreach ((IPNetwork prefix, Owner owner) in inserted.OrderBy(_ => random.Next()))
        {
            Assert.Equal(reference.Remove(prefix, owner), table.Remove(prefix, owner));
            byte[] probe = prefix.BaseAddress.GetAddressBytes();
            Assert.Same(reference.Lookup(probe), table.Lookup(probe));
        }

        Assert.Equal(0, table.Count);
        Assert.Equal(0, reference.Count);
        Assert.All(owners, o => Assert.Empty(table.PrefixesOf(o)));
    }
}
