using System.Net;
using Holt.Guard;

namespace Holt.Tests.Guard;

public sealed class JailTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress s_a = IPAddress.Parse("203.0.113.5");
    private static readonly IPAddress s_b = IPAddress.Parse("2001:db8::5");

    [Fact]
    public void MaxRetryFailuresWithinFindTime_Ban_TheNextToLast_DoesNot()
    {
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 3, FindTime = TimeSpan.FromMinutes(10) });

        Assert.Null(jail.Record(s_a, s_start));
        Assert.Null(jail.Record(s_a, s_start.AddMinutes(1)));
        BanDecision ban = jail.Record(s_a, s_start.AddMinutes(2))!;

        Assert.Equal((s_a, "sshd", TimeSpan.FromHours(1), 1), (ban.Address, ban.Jail, ban.Duration, ban.Count));
    }

    [Fact]
    public void FailuresOutsideTheWindow_DoNotAddUp()
    {
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 3, FindTime = TimeSpan.FromMinutes(10) });

        Assert.Null(jail.Record(s_a, s_start));
        Assert.Null(jail.Record(s_a, s_start.AddMinutes(6)));
        Assert.Null(jail.Record(s_a, s_start.AddMinutes(11)));
        Assert.NotNull(jail.Record(s_a, s_start.AddMinutes(12)));
    }

    [Fact]
    public void Addresses_CountSeparately()
    {
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 2 });

        Assert.Null(jail.Record(s_a, s_start));
        Assert.Null(jail.Record(s_b, s_start));
        Assert.Equal(s_b, jail.Record(s_b, s_start.AddSeconds(1))!.Address);
    }

    [Fact]
    public void WhileBanned_LateLinesDoNotBanAgain_AfterwardsCountingStartsAfresh()
    {
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 2, BanTime = TimeSpan.FromMinutes(5) });
        Assert.Null(jail.Record(s_a, s_start));
        Assert.NotNull(jail.Record(s_a, s_start));
        Assert.Null(jail.Record(s_a, s_start.AddMinutes(1)));
        Assert.Null(jail.Record(s_a, s_start.AddMinutes(6)));

        Assert.Equal(2, jail.Record(s_a, s_start.AddMinutes(7))!.Count);
    }

    [Fact]
    public void BantimeIncrement_MultipliesEachBan_UpToMaxTime()
    {
        // The example: 1 h, factor 24, at most 5 weeks.
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 1, BanTime = TimeSpan.FromHours(1), IncrementFactor = 24, MaxTime = TimeSpan.FromDays(35) });

        Assert.Equal(TimeSpan.FromHours(1), jail.Duration(1));
        Assert.Equal(TimeSpan.FromHours(24), jail.Duration(2));
        Assert.Equal(TimeSpan.FromHours(576), jail.Duration(3));
        Assert.Equal(TimeSpan.FromDays(35), jail.Duration(4));
        Assert.Equal(TimeSpan.FromDays(35), jail.Duration(40));

        DateTimeOffset now = s_start;
        var durations = new List<TimeSpan>();
        for (int i = 0; i < 3; i++)
        {
            BanDecision ban = jail.Record(s_a, now)!;
            durations.Add(ban.Duration);
            now += ban.Duration + TimeSpan.FromSeconds(1);
        }

        Assert.Equal([TimeSpan.FromHours(1), TimeSpan.FromHours(24), TimeSpan.FromHours(576)], durations);
    }

    [Fact]
    public void RestoredBanCount_ContinuesTheIncrement()
    {
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 1, IncrementFactor = 2 });
        jail.RestoreBanCount(s_a, 3);

        BanDecision ban = jail.Record(s_a, s_start)!;

        Assert.Equal(4, ban.Count);
        Assert.Equal(TimeSpan.FromHours(8), ban.Duration);
    }

    [Theory]
    [InlineData(0, 600, 3600, null, 3600)]
    [InlineData(3, 0, 3600, null, 3600)]
    [InlineData(3, 600, 0, null, 3600)]
    [InlineData(3, 600, 3600, 1.0, 7200)]
    [InlineData(3, 600, 3600, null, 60)]
    public void InvalidOptions_AreRefused(int maxRetry, int findSeconds, int banSeconds, double? factor, int maxSeconds)
    {
        Assert.Throws<ArgumentException>(() => new Jail(new JailOptions
        {
            Name = "bad",
            MaxRetry = maxRetry,
            FindTime = TimeSpan.FromSeconds(findSeconds),
            BanTime = TimeSpan.FromSeconds(banSeconds),
            IncrementFactor = factor,
            MaxTime = TimeSpan.FromSeconds(maxSeconds),
        }));
    }

    [Fact]
    public void ManyAddresses_StayBounded_TheLeastRecentAreForgotten()
    {
        // A small table (one slice of 1,000): every source is within findtime, so none is stale, and the least
        // recently seen go first.
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 2, FindTime = TimeSpan.FromDays(1) }, new SourceLimits(1000, 1000, 1 << 20));
        Assert.Null(jail.Record(s_a, s_start));
        for (int i = 0; i < 1000; i++)
        {
            _ = jail.Record(new IPAddress([10, 0, (byte)(i >> 8), (byte)i]), s_start.AddSeconds(1));
            Assert.InRange(jail.Sources.Count, 1, 1000);
        }

        // s_a's first failure went with the least recently seen: its second is a first again.
        Assert.Null(jail.Record(s_a, s_start.AddSeconds(2)));
        Assert.NotNull(jail.Record(s_a, s_start.AddSeconds(3)));
    }

    [Fact]
    public void ABotnetOf700000Sources_WithinFindTime_IsTrackedWhole()
    {
        // Issue #17: 700,000 addresses fail once each within a minute; none is forgotten, so the first of them still
        // has its failure when it fails again.
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 2 });
        for (int i = 0; i < 700_000; i++)
        {
            _ = jail.Record(new IPAddress([(byte)(11 + (i >> 16)), (byte)(i >> 8), (byte)i, 7]), s_start.AddMilliseconds(i / 10));
        }

        Assert.Equal(700_000, jail.Sources.Count);
        Assert.Equal(0, jail.Sources.Records);
        Assert.NotNull(jail.Record(new IPAddress([11, 0, 0, 7]), s_start.AddMinutes(2)));
        // 16 MiB of IPv4 slots at most, and the IPv6 table's first slots.
        Assert.True(jail.Sources.SlotBytes <= 17L << 20, $"{jail.Sources.SlotBytes} bytes of slots");
    }
}
