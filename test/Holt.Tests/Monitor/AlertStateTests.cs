using Holt.Monitor;

namespace Holt.Tests.Monitor;

/// <summary>An alert's hysteresis in virtual time: for, clear_for, flapping, and a restart mid-alert.</summary>
public sealed class AlertStateTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AConditionThatHoldsForItsFor_FiresOnce_AndResolvesOnceAfterClearFor()
    {
        var alert = new AlertState(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120));
        List<(int, AlertNotice)> notices = Run(alert, second => second is >= 10 and < 300, 600);

        Assert.Equal([(70, AlertNotice.Firing), (420, AlertNotice.Resolved)], notices);
        Assert.Equal(AlertPhase.Inactive, alert.Phase);
        Assert.Equal(s_start.AddSeconds(70), alert.FiredAt);
    }

    [Fact]
    public void AShortSpell_NeverFires()
    {
        var alert = new AlertState(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120));

        Assert.Empty(Run(alert, second => second is >= 10 and < 65, 600));
        Assert.Equal(AlertPhase.Inactive, alert.Phase);
    }

    [Fact]
    public void FlappingEveryFewSecondsForTwoMinutes_NeverFires()
    {
        var alert = new AlertState(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));

        Assert.Empty(Run(alert, second => second < 120 && second / 3 % 2 == 0, 600));
    }

    [Fact]
    public void FlappingWithLongerSpells_FiresOnce_AndResolvesOnceWhenItStops()
    {
        var alert = new AlertState(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));

        // Down 40 s, up 10 s, for two minutes (the last spell ends at 119 s); then steady.
        List<(int, AlertNotice)> notices = Run(alert, second => second < 120 && second % 50 < 40, 600);

        Assert.Equal([(30, AlertNotice.Firing), (180, AlertNotice.Resolved)], notices);
    }

    [Fact]
    public void ARestoredFiringAlert_IsNotSentAgain_AndStillResolves()
    {
        var alert = new AlertState(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));
        alert.Restore(AlertPhase.Firing, s_start.AddSeconds(-100), s_start.AddSeconds(-100));

        List<(int, AlertNotice)> notices = Run(alert, second => second < 50, 300);

        Assert.Equal([(110, AlertNotice.Resolved)], notices);
    }

    private static List<(int, AlertNotice)> Run(AlertState alert, Func<int, bool> holds, int seconds)
    {
        var notices = new List<(int, AlertNotice)>();
        for (int second = 0; second <= seconds; second++)
        {
            if (alert.Evaluate(holds(second), s_start.AddSeconds(second)) is AlertNotice notice)
            {
                notices.Add((second, notice));
            }
        }

        return notices;
    }
}
