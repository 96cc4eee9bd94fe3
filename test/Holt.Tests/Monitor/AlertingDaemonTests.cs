using Holt.Hosting;
using Holt.Monitor;

namespace Holt.Tests.Monitor;

/// <summary>The rules on the daemon itself: a refused holt.toml, a start after a run that never stopped, a failing service.</summary>
public sealed class AlertingDaemonTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_round = TimeSpan.FromSeconds(5);

    private readonly List<AlertMessage> _sent = [];

    private static readonly ServiceState[] s_running = [new("gateway", true, 0, null), new("guard", true, 0, null)];

    private static DaemonView Daemon(DaemonRuns? runs = null, string? problem = null, IReadOnlyList<ServiceState>? services = null) => new()
    {
        StartedAt = s_start,
        Runs = runs,
        ConfigProblem = problem,
        ConfigProblemSince = problem is null ? null : s_start,
        ConfigAppliedAt = s_start,
        Services = services ?? s_running,
    };

    private static DateTimeOffset Run(Alerting alerting, DateTimeOffset from, TimeSpan span, DaemonView daemon)
    {
        DateTimeOffset now = from;
        for (; now < from + span; now += s_round)
        {
            _ = alerting.Evaluate(new AlertInputs { InterfaceUp = true, Daemon = daemon }, now);
        }

        return now;
    }

    private Alerting NewAlerting() => new(AlertRules.Default, "holt0", "gw1", null, _sent.Add);

    [Fact]
    public void ARefusedConfig_FiresAfterAMinute_WithoutTheReasonsText_AndResolvesOnceItReads()
    {
        Alerting alerting = NewAlerting();
        DaemonView broken = Daemon(problem: "/etc/holt/holt.toml:14: TOML syntax: unexpected 'sekrit-token-value'");

        DateTimeOffset now = Run(alerting, s_start, TimeSpan.FromSeconds(55), broken);
        Assert.Empty(_sent);
        now = Run(alerting, now, TimeSpan.FromSeconds(10), broken);
        AlertMessage firing = Assert.Single(_sent);
        Assert.Equal("config_refused", firing.Rule);
        Assert.Equal("HoltConfigRefused", firing.Labels["alertname"]);
        Assert.StartsWith("/etc/holt/holt.toml:14 does not read", firing.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("sekrit", firing.Description, StringComparison.Ordinal);

        _ = Run(alerting, now, s_round, Daemon());
        Assert.Equal(2, _sent.Count);
        Assert.True(_sent[1].Resolved);
    }

    [Fact]
    public void AStartAfterARunThatNeverStopped_FiresOnce_AndResolvesAfterTenQuietMinutes_ACleanStartNever()
    {
        _ = Run(NewAlerting(), s_start, TimeSpan.FromMinutes(15), Daemon(new DaemonRuns(3, 1, false, s_start.AddDays(-1))));
        Assert.Empty(_sent);

        Alerting alerting = NewAlerting();
        DaemonView unclean = Daemon(new DaemonRuns(4, 2, true, s_start));
        DateTimeOffset now = Run(alerting, s_start, s_round, unclean);
        AlertMessage firing = Assert.Single(_sent);
        Assert.Equal("HoltDaemonRestarted", firing.Labels["alertname"]);
        Assert.Contains("2 such starts of 4", firing.Description, StringComparison.Ordinal);

        now = Run(alerting, now, TimeSpan.FromMinutes(9), unclean);
        Assert.Single(_sent);
        _ = Run(alerting, now, TimeSpan.FromMinutes(2), unclean);
        Assert.Equal(2, _sent.Count);
        Assert.True(_sent[1].Resolved);
    }

    [Fact]
    public void AServiceDownForAMinute_FiresForThatService_AndResolvesWhenItRunsAgain_OneNotStartedYetNever()
    {
        Alerting alerting = NewAlerting();
        DaemonView failing = Daemon(services: [new("gateway", true, 0, null), new("guard", false, 3, s_start)]);

        // A service that has not started yet is not failing.
        DateTimeOffset now = Run(alerting, s_start, TimeSpan.FromMinutes(3), Daemon(services: [new("gateway", true, 0, null), new("metrics", false, 0, null)]));
        Assert.Empty(_sent);

        // A restart after one second is nothing.
        now = Run(alerting, now, TimeSpan.FromSeconds(5), failing);
        now = Run(alerting, now, TimeSpan.FromMinutes(5), Daemon());
        Assert.Empty(_sent);

        now = Run(alerting, now, TimeSpan.FromSeconds(65), failing);
        AlertMessage firing = Assert.Single(_sent);
        Assert.Equal("guard", firing.Labels["service"]);
        Assert.Equal("critical", firing.Labels["severity"]);
        Assert.Contains("3 restarts so far", firing.Description, StringComparison.Ordinal);

        _ = Run(alerting, now, TimeSpan.FromMinutes(3), Daemon());
        Assert.Equal(2, _sent.Count);
        Assert.True(_sent[1].Resolved);
    }
}
