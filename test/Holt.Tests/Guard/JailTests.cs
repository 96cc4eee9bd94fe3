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
        var jail = new Jail(new JailOptions { Name = "sshd", MaxRetry = 2, FindTime = TimeSpan.FromDays(1) });
        Assert.Null(jail.Record(s_a, s_start));
        for (int i = 0; i < Jail.MaxTracked + 1000; i++)
        {
            byte[] bytes = BitConverter.GetBytes(i);
            _ = jail.Record(new IPAddress([10, bytes[2], bytes[1], bytes[0]]), s_start.AddSeconds(1));
        }

        // s_a's first failure went with the least recently seen: its second is a first again.
        Assert.Null(jail.Record(s_a, s_start.AddSeconds(2)));
        Assert.NotNull(jail.Record(s_a, s_start.AddSeconds(3)));
    }
}
