using Holt.Monitor;

namespace Holt.Tests.Monitor;

/// <summary>
/// The built-in alert rules, round by round with explicit times: each fires once after its <c>for</c> and resolves
/// once after its <c>clear_for</c>, flapping never storms, shared causes hold back what they cause, and a restart
/// with the same ledger neither repeats a firing notice nor loses a resolution.
/// </summary>
public sealed class AlertingTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_round = TimeSpan.FromSeconds(5);

    private readonly List<AlertMessage> _sent = [];
    private readonly MemoryLedger _ledger = new();

    private Alerting NewAlerting(AlertRules? rules = null) =>
        new(rules ?? AlertRules.Default, "holt0", "gw1", _ledger, _sent.Add);

    private static PeerSignal Peer(string name, PeerState state, bool expected = true, ulong bytes = 0, string? endpoint = null) =>
        new(name, "key-" + name, expected, Keepalive: true, state, $"{name} is {state}", bytes, bytes, endpoint);

    private static AlertInputs Round(params PeerSignal[] peers) => new() { InterfaceUp = true, Peers = peers };

    /// <summary>Runs rounds every 5 s from <paramref name="from"/> for <paramref name="span"/>; returns the time after.</summary>
    private static DateTimeOffset Run(Alerting alerting, DateTimeOffset from, TimeSpan span, Func<DateTimeOffset, AlertInputs> inputs)
    {
        DateTimeOffset now = from;
        for (; now < from + span; now += s_round)
        {
            _ = alerting.Evaluate(inputs(now), now);
        }

        return now;
    }

    [Fact]
    public void ExpectedPeerDown_FiresOnceAfterItsFor_AndResolvesOnceAfterClearFor()
    {
        Alerting alerting = NewAlerting();

        DateTimeOffset now = Run(alerting, s_start, TimeSpan.FromMinutes(1), _ => Round(Peer("home", PeerState.Down)));
        Assert.Empty(_sent);
        now = Run(alerting, now, TimeSpan.FromMinutes(5), _ => Round(Peer("home", PeerState.Down)));

        AlertMessage firing = Assert.Single(_sent);
        Assert.Equal("peer_down:key-home", firing.Key);
        Assert.Equal("HoltPeerDown", firing.Labels["alertname"]);
        Assert.Equal("critical", firing.Labels["severity"]);
        Assert.Equal("home", firing.Labels["peer"]);
        Assert.Equal("key-home", firing.Labels["public_key"]);
        Assert.Equal("gw1", firing.Labels["gateway"]);
        Assert.Equal("holt0", firing.Labels["interface"]);
        Assert.Equal(s_start + TimeSpan.FromMinutes(2), firing.StartsAt);
        Assert.False(firing.Resolved);
        Assert.Equal("home is Down", firing.Description);

        now = Run(alerting, now, TimeSpan.FromMinutes(4), _ => Round(Peer("home", PeerState.Up)));
        Assert.Single(_sent);
        _ = Run(alerting, now, TimeSpan.FromMinutes(2), _ => Round(Peer("home", PeerState.Up)));

        Assert.Equal(2, _sent.Count);
        AlertMessage resolved = _sent[1];
        Assert.True(resolved.Resolved);
        Assert.Equal(firing.StartsAt, resolved.StartsAt);
        Assert.Equal("home is Up", resolved.Description);
        Assert.Equal([firing, resolved], _ledger.Appended);
        Assert.Empty(_ledger.Load());
    }

    [Fact]
    public void IdlePeer_AndPeerThatIsNotExpected_RaiseNothing()
    {
        Alerting alerting = NewAlerting();

        IReadOnlyList<ActiveAlert> active = [];
        DateTimeOffset now = s_start;
        for (; now < s_start + TimeSpan.FromMinutes(10); now += s_round)
        {
            active = alerting.Evaluate(Round(Peer("laptop", PeerState.Idle, expected: false), Peer("phone", PeerState.Down, expected: false), Peer("site", PeerState.Idle)), now);
        }

        Assert.Empty(_sent);
        Assert.Empty(active);
    }

    [Fact]
    public void FlappingPeer_RaisesAtMostOneAlert()
    {
        // Down for 15 s, up for 15 s, for two minutes: no down spell lasts the default 2 min, so nothing fires.
        Alerting alerting = NewAlerting();
        static PeerState Flap(DateTimeOffset now) => (now - s_start).TotalSeconds % 30 < 15 ? PeerState.Down : PeerState.Up;

        DateTimeOffset now = Run(alerting, s_start, TimeSpan.FromMinutes(2), t => Round(Peer("home", Flap(t))));
        Assert.Empty(_sent);

        // With a short `for`, the first down spell fires it, and the flapping keeps it firing without another notice.
        AlertRules quick = AlertRules.Default with { PeerDown = new AlertRule(true, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)) };
        Alerting touchy = NewAlerting(quick);
        now = Run(touchy, now, TimeSpan.FromMinutes(2), t => Round(Peer("home", Flap(t))));
        AlertMessage firing = Assert.Single(_sent);
        Assert.False(firing.Resolved);

        _ = Run(touchy, now, TimeSpan.FromMinutes(2), _ => Round(Peer("home", PeerState.Up)));
        Assert.Equal(2, _sent.Count);
        Assert.True(_sent[1].Resolved);
    }

    [Fact]
    public void Restart_DuringAFiringAlert_DoesNotSendItAgain_AndStillSendsItsResolution()
    {
        Alerting before = NewAlerting();
        DateTimeOffset now = Run(before, s_start, TimeSpan.FromMinutes(3), _ => Round(Peer("home", PeerState.Down)));
        AlertMessage firing = Assert.Single(_sent);

        // A new daemon, the same ledger.
        Alerting after = NewAlerting();
        now = Run(after, now + TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(3), _ => Round(Peer("home", PeerState.Down)));
        Assert.Single(_sent);
        Assert.Single(after.Firing);

        _ = Run(after, now, TimeSpan.FromMinutes(6), _ => Round(Peer("home", PeerState.Up)));
        Assert.Equal(2, _sent.Count);
        Assert.True(_sent[1].Resolved);
        Assert.Equal(firing.StartsAt, _sent[1].StartsAt);
        Assert.Equal(firing.Key, _sent[1].Key);
    }

    [Fact]
    public void Restart_WhilePending_KeepsCountingFromWhereItWas()
    {
        Alerting before = NewAlerting();
        DateTimeOffset now = Run(before, s_start, TimeSpan.FromMinutes(1.5), _ => Round(Peer("home", PeerState.Down)));

        Alerting after = NewAlerting();
        _ = Run(after, now, TimeSpan.FromMinutes(0.75), _ => Round(Peer("home", PeerState.Down)));

        AlertMessage firing = Assert.Single(_sent);
        Assert.Equal(s_start + TimeSpan.FromMinutes(2), firing.StartsAt);
    }

    [Fact]
    public void EveryExpectedPeerDown_IsOneAlert_AndThePeersAreHeldBack()
    {
        Alerting alerting = NewAlerting();
        PeerSignal[] allDown = [Peer("a", PeerState.Down), Peer("b", PeerState.Down), Peer("c", PeerState.Never), Peer("laptop", PeerState.Idle, expected: false)];

        DateTimeOffset now = Run(alerting, s_start, TimeSpan.FromMinutes(5), _ => Round(allDown));

        AlertMessage uplink = Assert.Single(_sent);
        Assert.Equal("peers_down", uplink.Rule);
        Assert.Equal("HoltPeersDown", uplink.Labels["alertname"]);
        Assert.Equal("every expected peer is down (3 of 3)", uplink.Summary);
        IReadOnlyList<ActiveAlert> active = alerting.Evaluate(Round(allDown), now);
        Assert.Equal(3, active.Count(a => a.Rule == "peer_down" && a.HeldBy == "peers_down:holt0"));

        // Two come back; c stays down. The uplink alert resolves after its clear_for, and only then c's own goes out.
        PeerSignal[] oneDown = [Peer("a", PeerState.Up), Peer("b", PeerState.Up), Peer("c", PeerState.Never)];
        now = Run(alerting, now, TimeSpan.FromMinutes(4), _ => Round(oneDown));
        Assert.Single(_sent);
        _ = Run(alerting, now, TimeSpan.FromMinutes(2), _ => Round(oneDown));

        Assert.Equal(["peers_down", "peer_down"], _sent.Skip(1).Select(m => m.Rule));
        Assert.True(_sent[1].Resolved);
        Assert.Equal("peer_down:key-c", _sent[2].Key);
        Assert.False(_sent[2].Resolved);
    }

    [Fact]
    public void InterfaceDown_HoldsBackEverythingItCauses()
    {
        Alerting alerting = NewAlerting();
        var down = new AlertInputs
        {
            InterfaceUp = false,
            Peers = [Peer("a", PeerState.Down), Peer("b", PeerState.Down)],
            Checks = [new CheckSignal("web", false, "connect timed out", "a", false)],
        };

        _ = Run(alerting, s_start, TimeSpan.FromMinutes(10), _ => down);

        AlertMessage message = Assert.Single(_sent);
        Assert.Equal("interface_down", message.Rule);
        Assert.Equal("interface holt0 is down", message.Summary);
    }

    [Fact]
    public void FailingCheck_SaysWhetherTheTunnelWasUp_AndWaitsForItsPeersDownAlert()
    {
        Alerting alerting = NewAlerting();
        var serviceDown = new AlertInputs
        {
            InterfaceUp = true,
            Peers = [Peer("home", PeerState.Up)],
            Checks = [new CheckSignal("web", false, "HTTP 502", "home", true)],
        };

        DateTimeOffset now = Run(alerting, s_start, TimeSpan.FromMinutes(2), _ => serviceDown);

        AlertMessage check = Assert.Single(_sent);
        Assert.Equal("check_failing:web", check.Key);
        Assert.Equal("the tunnel to home is up (handshaking) but the check fails: HTTP 502", check.Description);
        Assert.Equal("web", check.Labels["check"]);

        // Another check whose peer is down is held back by the peer's alert, which alone goes out.
        var tunnelDown = new AlertInputs
        {
            InterfaceUp = true,
            Peers = [Peer("home", PeerState.Up), Peer("site", PeerState.Down)],
            Checks = [new CheckSignal("web", true, "HTTP 200", "home", true), new CheckSignal("nas", false, "no answer", "site", false)],
        };
        _ = Run(alerting, now, TimeSpan.FromMinutes(5), _ => tunnelDown);

        // web resolved, site's peer fired, and nas said nothing.
        Assert.Equal(["check_failing:web resolved", "peer_down:key-site firing"], _sent.Skip(1).Select(m => m.Key + (m.Resolved ? " resolved" : " firing")).Order(StringComparer.Ordinal));
        ActiveAlert held = Assert.Single(alerting.Evaluate(tunnelDown, now + TimeSpan.FromMinutes(5)), a => a.Rule == "check_failing");
        Assert.Equal("peer_down:key-site", held.HeldBy);
        Assert.Equal("unreachable: the tunnel to site is down: no answer", held.Description);
    }

    [Fact]
    public void TrafficThatFallsToNearZero_FiresForAnExpectedPeer_AndResolvesWhenItReturns()
    {
        Alerting alerting = NewAlerting();
        ulong bytes = 0;
        ulong rate = 0;
        PeerSignal Moving(DateTimeOffset _)
        {
            bytes += rate * 5;
            return Peer("site", PeerState.Up, bytes: bytes / 2);
        }

        rate = 20_000;
        DateTimeOffset now = Run(alerting, s_start, TimeSpan.FromMinutes(30), t => Round(Moving(t)));
        rate = 10;
        now = Run(alerting, now, TimeSpan.FromMinutes(9), t => Round(Moving(t)));
        Assert.Empty(_sent);
        now = Run(alerting, now, TimeSpan.FromMinutes(3), t => Round(Moving(t)));

        AlertMessage drop = Assert.Single(_sent);
        Assert.Equal("traffic_drop", drop.Rule);
        Assert.StartsWith("10 B/s now against 19.", drop.Description, StringComparison.Ordinal);

        rate = 20_000;
        _ = Run(alerting, now, TimeSpan.FromMinutes(7), t => Round(Moving(t)));
        Assert.Equal(2, _sent.Count);
        Assert.True(_sent[1].Resolved);
    }

    [Fact]
    public void QuietPeer_NeverHadTraffic_IsNoDrop()
    {
        Alerting alerting = NewAlerting();

        _ = Run(alerting, s_start, TimeSpan.FromHours(1), t => Round(Peer("site", PeerState.Up, bytes: (ulong)(t - s_start).TotalSeconds)));

        Assert.Empty(_sent);
    }

    [Fact]
    public void EndpointGoingBackAndForth_Fires_WhileRoamingDoesNot()
    {
        Alerting alerting = NewAlerting();
        string[] roaming = ["198.51.100.1:40000", "203.0.113.7:51000", "192.0.2.9:6000", "192.0.2.9:6001"];
        DateTimeOffset now = s_start;
        foreach (string endpoint in roaming)
        {
            now = Run(alerting, now, TimeSpan.FromMinutes(1), _ => Round(Peer("phone", PeerState.Up, expected: false, endpoint: endpoint)));
        }

        Assert.Empty(_sent);

        // Two machines with one key: the endpoint flips at every handshake.
        for (int i = 0; i < 4; i++)
        {
            string endpoint = i % 2 == 0 ? "198.51.100.1:40000" : "203.0.113.7:51000";
            now = Run(alerting, now, TimeSpan.FromMinutes(1), _ => Round(Peer("phone", PeerState.Up, expected: false, endpoint: endpoint)));
        }

        AlertMessage leak = Assert.Single(_sent);
        Assert.Equal("endpoint_changed", leak.Rule);
        Assert.Contains("198.51.100.1", leak.Description, StringComparison.Ordinal);
        Assert.Contains("203.0.113.7", leak.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void FailingProbeOfAnotherGateway_FiresItsOwnRule()
    {
        Alerting alerting = NewAlerting();
        var probe = new AlertInputs { InterfaceUp = true, Probes = [new ProbeSignal("office", "office.example.com:51820", false, "no answer from 198.51.100.9:51820 within 5000.0 ms")] };

        DateTimeOffset now = Run(alerting, s_start, TimeSpan.FromMinutes(1.5), _ => probe);
        Assert.Empty(_sent);
        _ = Run(alerting, now, TimeSpan.FromMinutes(1), _ => probe);

        AlertMessage message = Assert.Single(_sent);
        Assert.Equal(("probe_failing:office", "HoltProbeFailing"), (message.Key, message.Labels["alertname"]));
        Assert.Equal("probe office of office.example.com:51820 fails", message.Summary);
        Assert.Equal("office.example.com:51820", message.Labels["target"]);
    }

    [Fact]
    public void HostFiguresAboveTheirThresholds_Fire()
    {
        Alerting alerting = NewAlerting();
        var busy = new AlertInputs { InterfaceUp = true, Host = new HostView { CpuPercent = 97, MemoryUsedPercent = 40, StateDiskFreePercent = 4 } };

        _ = Run(alerting, s_start, TimeSpan.FromMinutes(6), _ => busy);

        Assert.Equal(["host_disk", "host_cpu"], _sent.Select(m => m.Rule));
        Assert.Equal("disk used where Holt keeps its state: 96 % (threshold 90 %)", _sent[0].Description);
    }

    [Fact]
    public void FirewallRepair_FiresAtOnce_AndResolvesAfterQuiet()
    {
        Alerting alerting = NewAlerting();
        long repairs = 3;
        AlertInputs Inputs() => new() { InterfaceUp = true, Gateway = new GatewaySignals(null, repairs) };

        DateTimeOffset now = Run(alerting, s_start, TimeSpan.FromMinutes(1), _ => Inputs());
        Assert.Empty(_sent);
        repairs = 4;
        now = Run(alerting, now, TimeSpan.FromSeconds(5), _ => Inputs());
        Assert.Equal("firewall_repaired", Assert.Single(_sent).Rule);
        repairs = 5;
        now = Run(alerting, now, TimeSpan.FromMinutes(5), _ => Inputs());
        Assert.Single(_sent);
        _ = Run(alerting, now, TimeSpan.FromMinutes(11), _ => Inputs());

        Assert.Equal(2, _sent.Count);
        Assert.True(_sent[1].Resolved);
    }

    [Fact]
    public void GuardBanningAtAnUnusualRate_Fires()
    {
        Alerting alerting = NewAlerting();
        long bans = 40;
        AlertInputs Inputs() => new() { InterfaceUp = true, Gateway = new GatewaySignals(bans, null) };

        // The count the guard had before is no rate; 80 more spread over an hour stay under 100.
        DateTimeOffset now = s_start;
        for (int i = 0; i < 80; i++, bans++)
        {
            now = Run(alerting, now, TimeSpan.FromSeconds(45), _ => Inputs());
        }

        Assert.Empty(_sent);

        // 150 within ten minutes do not.
        for (int i = 0; i < 150; i++, bans++)
        {
            now = Run(alerting, now, TimeSpan.FromSeconds(5), _ => Inputs());
        }

        AlertMessage burst = Assert.Single(_sent);
        Assert.StartsWith("101 bans within the last hour", burst.Description, StringComparison.Ordinal);

        // A restarted guard counts from zero again: no false drop, no false burst.
        bans = 0;
        _ = Run(alerting, now, TimeSpan.FromMinutes(40), _ => Inputs());
        Assert.True(Assert.Single(_sent.Skip(1)).Resolved);
    }

    [Fact]
    public void Repeat_SendsReminders_WhileOffByDefault()
    {
        AlertRules reminding = AlertRules.Default with { PeerDown = AlertRules.Default.PeerDown with { Repeat = TimeSpan.FromMinutes(30) } };
        Alerting alerting = NewAlerting(reminding);

        _ = Run(alerting, s_start, TimeSpan.FromMinutes(65), _ => Round(Peer("home", PeerState.Down)));

        Assert.Equal(3, _sent.Count);
        Assert.All(_sent, m => Assert.Equal(_sent[0].StartsAt, m.StartsAt));
    }

    [Fact]
    public void RuleSwitchedOffWhileFiring_Resolves()
    {
        Alerting alerting = NewAlerting();
        DateTimeOffset now = Run(alerting, s_start, TimeSpan.FromMinutes(3), _ => Round(Peer("home", PeerState.Down)));
        Assert.Single(_sent);

        alerting.Reload(AlertRules.Default with { PeerDown = AlertRules.Default.PeerDown with { Enabled = false } });
        _ = Run(alerting, now, TimeSpan.FromSeconds(10), _ => Round(Peer("home", PeerState.Down)));

        Assert.Equal(2, _sent.Count);
        Assert.True(_sent[1].Resolved);
        Assert.Empty(alerting.Firing);
    }

    [Fact]
    public void PeerStale_IsOffByDefault_AndWhenOn_FiresForAKeepalivePeerThatIsNotExpected()
    {
        _ = Run(NewAlerting(), s_start, TimeSpan.FromMinutes(10), _ => Round(Peer("laptop", PeerState.Down, expected: false)));
        Assert.Empty(_sent);

        AlertRules on = AlertRules.Default with { PeerStale = AlertRules.Default.PeerStale with { Enabled = true } };
        _ = Run(NewAlerting(on), s_start, TimeSpan.FromMinutes(10), _ => Round(Peer("laptop", PeerState.Stale, expected: false)));
        Assert.Equal("peer laptop stopped handshaking", Assert.Single(_sent).Summary);
    }

    /// <summary>The ledger as the monitor's store keeps it, in memory.</summary>
    private sealed class MemoryLedger : IAlertLedger
    {
        private readonly Dictionary<string, AlertRecord> _records = new(StringComparer.Ordinal);

        public List<AlertMessage> Appended { get; } = [];

        public IReadOnlyList<AlertRecord> Load() => [.. _records.Values];

        public void Save(AlertRecord record)
        {
            if (record.Phase == AlertPhase.Inactive)
            {
                _ = _records.Remove(record.Key);
            }
            else
            {
                _records[record.Key] = record;
            }
        }

        public void Append(AlertMessage message) => Appended.Add(message);

        public IReadOnlyList<AlertMessage> History(DateTimeOffset since) => [.. Appended.Where(m => (m.EndsAt ?? m.StartsAt) >= since)];
    }
}
