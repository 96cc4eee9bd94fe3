using System.Net;
using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>
/// The jail's compact table of sources: random operations against a slow reference (a queue of times per address,
/// as the jail kept them before), its bounds and what it forgets first, and which addresses are one source.
/// </summary>
public sealed class SourceTableTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<int, int, int, double?> RandomCases => new()
    {
        // seed, maxretry, findtime in minutes, bantime factor
        { 1, 5, 10, null },
        { 2, 1, 10, null },
        { 3, 2, 10, null },
        { 4, 3, 10, 2.0 },
        { 5, 8, 10, null },
        { 6, 5, 1, 24.0 },
        { 7, 4, 60 * 24 * 60, null },   // findtime 60 days: gaps too long for a slot go to a record
        { 8, 5, 60 * 24 * 60, 3.0 },
    };

    [Theory]
    [MemberData(nameof(RandomCases))]
    public void RandomOperations_DecideAsTheReference(int seed, int maxRetry, int findMinutes, double? factor)
    {
        var options = new JailOptions
        {
            Name = "sshd",
            MaxRetry = maxRetry,
            FindTime = TimeSpan.FromMinutes(findMinutes),
            BanTime = TimeSpan.FromMinutes(30),
            IncrementFactor = factor,
            MaxTime = TimeSpan.FromDays(40),
        };
        var jail = new Jail(options, new SourceLimits(10_000, 10_000, 1 << 20), seed: (ulong)seed);
        var reference = new ReferenceJail(options);
        var random = new Random(seed);
        IPAddress[] pool = Pool(random);
        long longGap = Math.Max(1, options.FindTime.Ticks / 3);
        DateTimeOffset now = s_start;
        int banned = 0;

        for (int step = 0; step < 40_000; step++)
        {
            // Some sources fail often, others seldom, so that windows also slide over sparse failures.
            IPAddress address = pool[(int)(pool.Length * Math.Pow(random.NextDouble(), 3))];
            int what = random.Next(100);
            // Whole seconds, so that failures also fall exactly findtime apart; now and then a failure at a time
            // that is not even a whole millisecond.
            now = what switch
            {
                < 70 => now.AddSeconds(random.Next(0, 7)),
                < 80 => now.AddSeconds(random.NextInt64(0, longGap / TimeSpan.TicksPerSecond)),
                < 85 => now.AddSeconds(-random.Next(0, 120)),   // out of order
                _ => now,
            };
            DateTimeOffset when = what is >= 90 and < 95 ? now.AddTicks(random.Next(0, (int)TimeSpan.TicksPerSecond)) : now;

            if (what is >= 97)
            {
                int bans = random.Next(0, 4);
                jail.RestoreBanCount(address, bans, when);
                reference.RestoreBanCount(address, bans);
                continue;
            }

            BanDecision? actual = jail.Record(address, when);
            BanDecision? expected = reference.Record(address, when);
            banned += expected is null ? 0 : 1;
            Assert.True(
                (actual?.Count, actual?.Duration) == (expected?.Count, expected?.Duration),
                $"step {step}: {address} at {when:O}: {Describe(actual)} where the reference says {Describe(expected)}");
            if (step % 97 == 0)
            {
                Assert.Equal(reference.BanCount(address), jail.BanCount(address));
            }
        }

        foreach (IPAddress address in pool)
        {
            Assert.Equal(reference.BanCount(address), jail.BanCount(address));
        }

        // The walk went through bans, not only counting.
        Assert.InRange(banned, 20, 40_000);
    }

    [Fact]
    public void ManySources_AsTheirSlicesGrowInPlace_DecideAsTheReference()
    {
        // 30,000 sources over 64 slices: each slice leaves its array for its window and grows there, in place,
        // several times while the walk goes on.
        var options = new JailOptions { Name = "sshd", MaxRetry = 3, FindTime = TimeSpan.FromMinutes(10) };
        var jail = new Jail(options, new SourceLimits(100_000, 100_000, 16 << 20), seed: 9);
        var reference = new ReferenceJail(options);
        var random = new Random(9);
        DateTimeOffset now = s_start;
        int banned = 0;
        var seen = new HashSet<int>();
        for (int step = 0; step < 200_000; step++)
        {
            now = now.AddMilliseconds(random.Next(0, 20));
            int source = random.Next(30_000);
            _ = seen.Add(source);
            IPAddress address = source % 10 == 0
                ? new IPAddress([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)(source >> 8), (byte)source])
                : new IPAddress([100, 64, (byte)(source >> 8), (byte)source]);
            BanDecision? actual = jail.Record(address, now);
            BanDecision? expected = reference.Record(address, now);
            banned += expected is null ? 0 : 1;
            Assert.True(actual?.Count == expected?.Count, $"step {step}: {address} at {now:O}: {Describe(actual)} where the reference says {Describe(expected)}");
        }

        Assert.InRange(banned, 100, 200_000);
        Assert.Equal(seen.Count, jail.Sources.Count);
        Assert.True(jail.Sources.SlotBytes > 64 * 4096, $"{jail.Sources.SlotBytes} bytes of slots: the slices never left their arrays");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void AFailureExactlyFindTimeOld_NoLongerCounts(int maxRetry)
    {
        // maxretry 3 keeps the two failures in the slot; 5 keeps them in a record.
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = maxRetry, FindTime = TimeSpan.FromMinutes(10) });
        IPAddress address = V4(1);
        for (int i = 0; i < maxRetry - 1; i++)
        {
            Assert.Null(jail.Record(address, s_start.AddSeconds(i)));
        }

        // The first failure is exactly findtime old: it has left the window, and the one after it has not.
        Assert.Null(jail.Record(address, s_start.AddMinutes(10)));
        Assert.NotNull(jail.Record(address, s_start.AddMinutes(10).AddMilliseconds(999)));
    }

    [Fact]
    public void StaleSources_AreForgottenFirst_ALiveSourceKeepsItsFailures()
    {
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 3 }, new SourceLimits(64, 64, 1 << 20), seed: 1);
        for (int i = 0; i < 60; i++)
        {
            _ = jail.Record(V4(i), s_start);
        }

        // Twenty minutes on, the sixty are stale; one live source has two failures in its window.
        IPAddress live = IPAddress.Parse("203.0.113.5");
        Assert.Null(jail.Record(live, s_start.AddMinutes(20)));
        Assert.Null(jail.Record(live, s_start.AddMinutes(21)));
        // Forty newer sources overflow the table once: the sixty stale ones make the room, the live one stays.
        for (int i = 100; i < 140; i++)
        {
            _ = jail.Record(V4(i), s_start.AddMinutes(22));
            Assert.InRange(jail.Sources.Count, 1, 64);
        }

        Assert.Equal(41, jail.Sources.Count);
        Assert.NotNull(jail.Record(live, s_start.AddMinutes(23)));
    }

    [Fact]
    public void WhenNothingIsStale_SourcesBannedNow_AreForgottenLast()
    {
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 2 }, new SourceLimits(64, 64, 1 << 20), seed: 2);
        for (int i = 0; i < 20; i++)
        {
            _ = jail.Record(V4(i), s_start);
            Assert.NotNull(jail.Record(V4(i), s_start));
        }

        // Later sources, all live, fill the table over and over.
        for (int i = 100; i < 1000; i++)
        {
            _ = jail.Record(V4(i), s_start.AddSeconds(1 + (i / 100)));
            Assert.InRange(jail.Sources.Count, 1, 64);
        }

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(1, jail.BanCount(V4(i)));
            Assert.Null(jail.Record(V4(i), s_start.AddSeconds(20)));
        }
    }

    [Fact]
    public void ATableFullOfBansInForce_StillTakesNewSources()
    {
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 1 }, new SourceLimits(16, 16, 1 << 20), seed: 3);
        for (int i = 0; i < 100; i++)
        {
            Assert.NotNull(jail.Record(V4(i), s_start.AddSeconds(i)));
            Assert.InRange(jail.Sources.Count, 1, 16);
        }

        // The most recent ones are still known as banned; the first ones were forgotten (the kernel keeps their bans).
        Assert.Equal(1, jail.BanCount(V4(99)));
        Assert.Equal(0, jail.BanCount(V4(0)));
    }

    [Fact]
    public void RandomFlood_NeverExceedsItsBounds()
    {
        var limits = new SourceLimits(200, 100, 40 * SourceRecords.Bytes(3));
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 5 }, limits, seed: 4);
        var random = new Random(4);
        DateTimeOffset now = s_start;
        // One slice per family: 200 IPv4 sources in at most 267 slots of 16 bytes (3/4 full), 100 IPv6 in 134 of 32.
        long slotBound = (267 * 16) + (134 * 32);
        for (int step = 0; step < 50_000; step++)
        {
            now = now.AddMilliseconds(random.Next(0, 50));
            IPAddress address = random.Next(3) == 0
                ? new IPAddress([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)random.Next(4), (byte)random.Next(256)])
                : V4(random.Next(2000));
            _ = jail.Record(address, now);
            Assert.InRange(jail.Sources.Count, 1, 300);
            Assert.InRange(jail.Sources.Records, 0, jail.Sources.MaxRecords);
            Assert.InRange(jail.Sources.SlotBytes, 0, slotBound);
        }

        Assert.Equal(40, jail.Sources.MaxRecords);
    }

    [Fact]
    public void WhenRecordsRunOut_TheLeastRecentlySeenSourcesHoldingOne_AreForgotten()
    {
        // Room for ten records: sources with three failures in the window each need one.
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 5 }, new SourceLimits(1000, 1000, 10 * SourceRecords.Bytes(3)), seed: 5);
        for (int i = 0; i < 30; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                _ = jail.Record(V4(i), s_start.AddSeconds(i));
            }

            Assert.InRange(jail.Sources.Records, 0, 10);
        }

        // The last source keeps its three failures: two more ban it. The first has lost its record and its failures.
        Assert.Null(jail.Record(V4(29), s_start.AddSeconds(40)));
        Assert.NotNull(jail.Record(V4(29), s_start.AddSeconds(41)));
        Assert.Null(jail.Record(V4(0), s_start.AddSeconds(42)));
        Assert.Null(jail.Record(V4(0), s_start.AddSeconds(43)));
    }

    [Fact]
    public void OneOrTwoFailuresInTheWindow_TakeNoRecord_ThreeDo()
    {
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 5 }, SourceLimits.Default, seed: 6);
        for (int i = 0; i < 1000; i++)
        {
            _ = jail.Record(V4(i), s_start);
            _ = jail.Record(V4(i), s_start.AddMinutes(1));
        }

        Assert.Equal((1000, 0), (jail.Sources.Count, jail.Sources.Records));

        _ = jail.Record(V4(7), s_start.AddMinutes(2));
        Assert.Equal(1, jail.Sources.Records);

        // Once the first two failures leave the window, the record is given back.
        _ = jail.Record(V4(7), s_start.AddMinutes(11.5));
        Assert.Equal(0, jail.Sources.Records);
    }

    [Theory]
    [InlineData("192.0.2.7", "::ffff:192.0.2.7")]
    [InlineData("2001:db8::7", "2001:db8:0:0::7")]
    [InlineData("fe80::7%2", "fe80::7%3")]
    public void OneSource_HoweverItIsWritten(string first, string second)
    {
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 2 });

        Assert.Null(jail.Record(IPAddress.Parse(first), s_start));
        Assert.NotNull(jail.Record(IPAddress.Parse(second), s_start));
        Assert.Equal(1, jail.Sources.Count);
    }

    [Theory]
    [InlineData("192.0.2.7", "::192.0.2.7")]
    [InlineData("192.0.2.7", "2001:db8::c000:207")]
    [InlineData("0.0.0.7", "::7")]
    [InlineData("2001:db8::7", "2001:db8::7:0")]
    public void DifferentSources_CountApart(string first, string second)
    {
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 2 });

        Assert.Null(jail.Record(IPAddress.Parse(first), s_start));
        Assert.Null(jail.Record(IPAddress.Parse(second), s_start));
        Assert.Equal(2, jail.Sources.Count);
    }

    private static IPAddress V4(int i) => new([198, 18, (byte)(i >> 8), (byte)i]);

    private static IPAddress[] Pool(Random random)
    {
        var pool = new List<IPAddress>();
        for (int i = 0; i < 10; i++)
        {
            pool.Add(new IPAddress([203, 0, 113, (byte)(i * 25)]));
        }

        for (int i = 0; i < 6; i++)
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            pool.Add(new IPAddress(bytes));
        }

        // Some IPv4 sources also written as IPv4-mapped IPv6: the same sources.
        pool.AddRange(pool.Take(4).Select(a => a.MapToIPv6()).ToList());
        return [.. pool];
    }

    private static string Describe(BanDecision? ban) => ban is null ? "no ban" : $"ban #{ban.Count} for {ban.Duration}";

    /// <summary>
    /// The jail as it was before its table was made compact: a queue of failure times per address, kept to the
    /// millisecond as the table keeps them, nothing ever forgotten.
    /// </summary>
    private sealed class ReferenceJail(JailOptions options)
    {
        private readonly Dictionary<IPAddress, (Queue<long> Failures, int Bans, long BannedUntil)> _tracks = [];
        private readonly long _findTime = options.FindTime.Ticks / TimeSpan.TicksPerMillisecond;

        public int BanCount(IPAddress address) => _tracks.TryGetValue(Key(address), out var track) ? track.Bans : 0;

        public void RestoreBanCount(IPAddress address, int bans)
        {
            var track = Track(address);
            _tracks[Key(address)] = (track.Failures, bans, track.BannedUntil);
        }

        public BanDecision? Record(IPAddress address, DateTimeOffset when)
        {
            long at = when.UtcTicks / TimeSpan.TicksPerMillisecond;
            var (failures, bans, bannedUntil) = Track(address);
            if (at < bannedUntil)
            {
                return null;
            }

            while (failures.Count > 0 && failures.Peek() <= at - _findTime)
            {
                _ = failures.Dequeue();
            }

            failures.Enqueue(at);
            if (failures.Count < options.MaxRetry)
            {
                return null;
            }

            failures.Clear();
            bans++;
            TimeSpan duration = options.IncrementFactor is double factor && bans > 1
                ? TimeSpan.FromSeconds(Math.Min(options.BanTime.TotalSeconds * Math.Pow(factor, bans - 1), options.MaxTime.TotalSeconds))
                : options.BanTime;
            _tracks[Key(address)] = (failures, bans, at + (duration.Ticks / TimeSpan.TicksPerMillisecond));
            return new BanDecision(address, options.Name, duration, bans, when);
        }

        private (Queue<long> Failures, int Bans, long BannedUntil) Track(IPAddress address)
        {
            if (!_tracks.TryGetValue(Key(address), out var track))
            {
                track = ([], 0, 0);
                _tracks[Key(address)] = track;
            }

            return track;
        }

        private static IPAddress Key(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : new IPAddress(address.GetAddressBytes());
    }
}
