using Holt.Monitor;

namespace Holt.Tests.Monitor;

/// <summary>
/// Two gateways on one host share monitor.db: each daemon restores only its own alerts, sends only its own
/// messages, and a restart with the real store neither repeats a firing notice nor loses the resolution.
/// </summary>
public sealed class InterfaceAlertsTests : IDisposable
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-interfacealerts").FullName;

    private string StorePath => Path.Combine(_directory, "monitor.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static AlertMessage Message(string key, string interfaceName) => new()
    {
        Key = key,
        Rule = "peer_down",
        Severity = AlertSeverity.Critical,
        Summary = "expected peer home is down",
        Description = "why",
        Labels = new Dictionary<string, string> { ["alertname"] = "HoltPeerDown", ["interface"] = interfaceName },
        StartsAt = s_start,
    };

    [Fact]
    public void TwoInterfaces_KeepTheirOwnAlertsAndOutboxes_InOneStore()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        var first = new InterfaceAlerts(store, "wg0");
        var second = new InterfaceAlerts(store, "wg1");

        first.Save(new AlertRecord("peer_down:A", "peer_down", AlertPhase.Firing, s_start, s_start, Message("peer_down:A", "wg0")));
        second.Save(new AlertRecord("peer_down:A", "peer_down", AlertPhase.Pending, s_start, null, null));
        first.Add("hook", Message("peer_down:A", "wg0"), s_start);
        second.Add("hook", Message("peer_down:A", "wg1"), s_start);
        first.Append(Message("peer_down:A", "wg0"));

        AlertRecord mine = Assert.Single(first.Load());
        Assert.Equal(("peer_down:A", AlertPhase.Firing), (mine.Key, mine.Phase));
        Assert.Equal(AlertPhase.Pending, Assert.Single(second.Load()).Phase);
        OutboxItem due = Assert.Single(first.Due(s_start, 10));
        Assert.Equal("hook", due.Notifier);
        Assert.Equal("wg0", due.Message.Labels["interface"]);
        Assert.Equal("wg1", Assert.Single(second.Due(s_start, 10)).Message.Labels["interface"]);
        Assert.Single(first.History(s_start.AddDays(-1)));
        Assert.Empty(second.History(s_start.AddDays(-1)));

        first.Delivered(due.Id);
        Assert.Empty(first.Due(s_start, 10));
        Assert.Single(second.Due(s_start, 10));
        first.Save(mine with { Phase = AlertPhase.Inactive });
        Assert.Empty(first.Load());
        Assert.Single(second.Load());
    }

    [Fact]
    public void Restart_WithTheRealStore_DoesNotRepeatTheFiringNotice_AndSendsTheResolution()
    {
        var sent = new List<AlertMessage>();
        PeerSignal Home(PeerState state) => new("home", "KEY", true, true, state, state.ToString(), 0, 0, null);
        DateTimeOffset now = s_start;
        using (MonitorStore store = MonitorStore.Open(StorePath))
        {
            var alerting = new Alerting(AlertRules.Default, "wg0", "gw", new InterfaceAlerts(store, "wg0"), sent.Add);
            for (; now < s_start.AddMinutes(3); now = now.AddSeconds(5))
            {
                _ = alerting.Evaluate(new AlertInputs { InterfaceUp = true, Peers = [Home(PeerState.Down)] }, now);
            }
        }

        Assert.Single(sent);
        using (MonitorStore store = MonitorStore.Open(StorePath))
        {
            var alerting = new Alerting(AlertRules.Default, "wg0", "gw", new InterfaceAlerts(store, "wg0"), sent.Add);
            for (; now < s_start.AddMinutes(5); now = now.AddSeconds(5))
            {
                _ = alerting.Evaluate(new AlertInputs { InterfaceUp = true, Peers = [Home(PeerState.Down)] }, now);
            }

            Assert.Single(sent);
            for (; now < s_start.AddMinutes(11); now = now.AddSeconds(5))
            {
                _ = alerting.Evaluate(new AlertInputs { InterfaceUp = true, Peers = [Home(PeerState.Up)] }, now);
            }

            Assert.Equal(2, store.History(s_start).Count);
        }

        Assert.Equal([false, true], sent.Select(m => m.Resolved));
        Assert.Equal(sent[0].StartsAt, sent[1].StartsAt);
    }
}
