using Holt.Dashboard;
using Holt.Monitor;
using Holt.Monitor.Checks;

namespace Holt.Tests.Dashboard;

/// <summary>The checks' recent results the dashboard keeps for its latency charts: each once, bounded in count and age.</summary>
public sealed class CheckHistoryTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void EachResult_IsTakenOnce_InOrder()
    {
        var history = new CheckHistory();

        history.Record(Round(s_start, ("web", 0, 12.5, true)));
        history.Record(Round(s_start.AddSeconds(1), ("web", 0, 12.5, true)));
        history.Record(Round(s_start.AddSeconds(2), ("web", 2, null, false)));
        history.Record(Round(s_start.AddSeconds(3), ("web", 1, 9.0, true)));
        history.Record(null);

        CheckSeries web = Assert.Single(history.Read());
        Assert.Equal("web", web.Check);
        Assert.Equal([new CheckPoint(s_start, true, 12.5), new CheckPoint(s_start.AddSeconds(2), false, null)], web.Points);
    }

    [Fact]
    public void ThePoints_AreBoundedInCountAndAge()
    {
        var history = new CheckHistory();
        for (int i = 0; i < CheckHistory.MaxPoints + 100; i++)
        {
            history.Record(Round(s_start, ("often", i, 1.0, true)));
        }

        Assert.Equal(CheckHistory.MaxPoints, history.Read()[0].Points.Count);
        Assert.Equal(s_start.AddSeconds(100), history.Read()[0].Points[0].At);

        history.Record(Round(s_start, ("often", (int)CheckHistory.Span.TotalSeconds + 5000, 1.0, true)));
        Assert.Single(history.Read()[0].Points);
    }

    [Fact]
    public void ACheckTakenOut_LeavesTheHistory_AndTheChecksAreBounded()
    {
        var history = new CheckHistory();
        history.Record(Round(s_start, ("a", 0, 1.0, true), ("b", 0, 1.0, true)));
        history.Record(Round(s_start, ("b", 2, 1.0, true)));

        Assert.Equal(["b"], history.Read().Select(s => s.Check));

        history.Record(Round(s_start, [.. Enumerable.Range(0, CheckHistory.MaxChecks + 10).Select(i => ($"c{i}", 0, (double?)1.0, true))]));
        Assert.Equal(CheckHistory.MaxChecks, history.Read().Count);
    }

    /// <summary>A monitor round sampled at <paramref name="sampled"/>, its checks' results from <c>Second</c> seconds after the test's start.</summary>
    private static MonitorStatus Round(DateTimeOffset sampled, params (string Name, int Second, double? Latency, bool Ok)[] checks) => new()
    {
        Interface = "wg0",
        SampledAt = sampled,
        Interval = TimeSpan.FromSeconds(5),
        Peers = [],
        Checks = [.. checks.Select(c => new CheckView { Name = c.Name, Type = "tcp", Target = "10.8.0.2:22", Ok = c.Ok, LatencyMs = c.Latency, At = s_start.AddSeconds(c.Second) })],
    };
}
