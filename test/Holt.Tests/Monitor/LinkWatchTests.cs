using Holt.Monitor;

namespace Holt.Tests.Monitor;

/// <summary>The watched interface round by round: its flaps counted, its counters turned into rates.</summary>
public sealed class LinkWatchTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Rates_ComeFromTheSecondLook_AndAGoneOrRestartedCounterGivesNone()
    {
        var watch = new LinkWatch();

        Assert.Equal(new LinkView(true, 0, 1000, 500, null, null), watch.Observe(true, (1000, 500), s_start));
        Assert.Equal(new LinkView(true, 0, 11000, 2500, 2000, 400), watch.Observe(true, (11000, 2500), s_start.AddSeconds(5)));

        // The interface came back as a new one: its counters started again.
        Assert.Equal(new LinkView(true, 0, 10, 20, null, null), watch.Observe(true, (10, 20), s_start.AddSeconds(10)));
        Assert.Equal(new LinkView(false, 1, null, null, null, null), watch.Observe(false, null, s_start.AddSeconds(15)));
        Assert.Equal(new LinkView(true, 1, 0, 0, null, null), watch.Observe(true, (0, 0), s_start.AddSeconds(20)));
    }

    [Fact]
    public void Flaps_CountEachTimeItWentAway_NotTheRoundsItStayedAway_NorAStartWithoutIt()
    {
        var watch = new LinkWatch();
        DateTimeOffset now = s_start;
        foreach (bool up in new[] { false, false, true, false, false, true, true, false, true })
        {
            _ = watch.Observe(up, null, now);
            now = now.AddSeconds(5);
        }

        Assert.Equal(2, watch.Observe(true, null, now).Flaps);
    }
}
