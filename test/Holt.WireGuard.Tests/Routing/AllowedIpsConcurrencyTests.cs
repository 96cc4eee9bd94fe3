using System.Net;
using Holt.WireGuard.Routing;

namespace Holt.WireGuard.Tests.Routing;

/// <summary>
/// Lookups racing a writer. Default routes owned by a fixed owner stay in the table throughout, so a lookup that
/// ever returns null saw a half-built trie; any other answer must come from an owner that some covering prefix
/// could have had. Bounded by the writer's operation count, never by the clock.
/// </summary>
public sealed class AllowedIpsConcurrencyTests
{
    private const int WriterOperations = 30_000;
    private const int ReaderCount = 2;
    private const int PoolSizePerFamily = 300;
    private const int ProbeCount = 512;

    [Fact]
    public void Lookup_WhileWriterChangesTable_SeesOnlyConsistentTables()
    {
        var random = new Random(4242);
        var generator = new PrefixGenerator(random);
        var background = new Owner("default");
        Owner[] owners = [.. Enumerable.Range(0, 8).Select(i => new Owner($"peer{i}"))];

        // Every (prefix, owner) pair the writer may ever insert. No /0: those belong to the background owner.
        var pool = new List<(IPNetwork Prefix, Owner Owner)>();
        while (pool.Count < 2 * PoolSizePerFamily)
        {
            IPNetwork prefix = generator.Next(ipv6: pool.Count % 2 == 1);
            if (prefix.PrefixLength > 0)
            {
                pool.Add((prefix, owners[random.Next(owners.Length)]));
            }
        }

        // Probe addresses inside pool prefixes, each with every owner that could legitimately answer for it.
        var probes = new (byte[] Address, HashSet<Owner> Allowed)[ProbeCount];
        for (int i = 0; i < probes.Length; i++)
        {
            IPNetwork prefix = pool[random.Next(pool.Count)].Prefix;
            byte[] address = PrefixGenerator.RandomInside(random, prefix.BaseAddress.GetAddressBytes(), prefix.PrefixLength);
            var allowed = new HashSet<Owner> { background };
            foreach ((IPNetwork candidate, Owner owner) in pool)
            {
                byte[] candidateBytes = candidate.BaseAddress.GetAddressBytes();
                if (candidateBytes.Length == address.Length && ReferenceTable.Covers(candidateBytes, candidate.PrefixLength, address))
                {
                    allowed.Add(owner);
                }
            }

            probes[i] = (address, allowed);
        }

        var table = new AllowedIps<Owner>();
        var reference = new ReferenceTable();
        foreach (IPNetwork defaultRoute in new[] { IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0") })
        {
            table.Insert(defaultRoute, background);
            reference.Insert(defaultRoute, background);
        }

        using var start = new Barrier(ReaderCount + 1);
        int writerDone = 0;
        string?[] failures = new string?[ReaderCount];
        long[] lookups = new long[ReaderCount];
        var readers = new Thread[ReaderCount];
        for (int r = 0; r < ReaderCount; r++)
        {
            int readerIndex = r;
            readers[r] = new Thread(() => failures[readerIndex] = Read(table, probes, start, ref writerDone, out lookups[readerIndex]));
            readers[r].Start();
        }

        start.SignalAndWait();
        for (int i = 0; i < WriterOperations; i++)
        {
            (IPNetwork prefix, Owner owner) = pool[random.Next(pool.Count)];
            int choice = random.Next(100);
            if (choice < 55)
            {
                table.Insert(prefix, owner);
                reference.Insert(prefix, owner);
            }
            else if (choice < 99)
            {
                Assert.Equal(reference.Remove(prefix, owner), table.Remove(prefix, owner));
            }
            else
            {
                table.RemoveAll(owner);
                reference.RemoveAll(owner);
            }
        }

        Volatile.Write(ref writerDone, 1);
        foreach (Thread reader in readers)
        {
            reader.Join();
        }

        Assert.All(failures, f => Assert.Null(f));
        Assert.All(lookups, n => Assert.True(n >= ProbeCount, $"a reader finished after only {n} lookups"));

        // The final table still matches a single-threaded replay of the same writes.
        Assert.Equal(reference.Count, table.Count);
        foreach ((byte[] address, _) in probes)
        {
            Assert.Same(reference.Lookup(address), table.Lookup(address));
        }
    }

    private static string? Read(
        AllowedIps<Owner> table,
        (byte[] Address, HashSet<Owner> Allowed)[] probes,
        Barrier start,
        ref int writerDone,
        out long lookups)
    {
        lookups = 0;
        start.SignalAndWait();
        try
        {
            // Always finish at least one full pass, even if the writer is already done.
            bool last = false;
            while (!last)
            {
                last = Volatile.Read(ref writerDone) != 0;
                foreach ((byte[] address, HashSet<Owner> allowed) in probes)
                {
                    Owner? owner = table.Lookup(address);
                    lookups++;
                    if (owner is null || !allowed.Contains(owner))
                    {
                        return $"lookup of {new IPAddress(address)} returned {owner?.Name ?? "none"}";
                    }
                }
            }

            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"lookup threw {e}";
        }
    }
}
