using System.Globalization;
using System.Net;

namespace Holt.Monitor;

/// <summary>The built-in rules: what each one's condition is, this round, for each of its subjects.</summary>
internal sealed partial class Alerting
{
    private readonly Dictionary<string, TrafficTrend> _traffic = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EndpointTrail> _endpoints = new(StringComparer.Ordinal);
    private long? _repairsSeen;
    private readonly Queue<(DateTimeOffset At, long Bans)> _bans = new();

    /// <summary>One subject of one rule this round.</summary>
    private sealed record Condition(
        string Key, string Rule, AlertRule Tuning, AlertSeverity Severity, string Summary, string Description,
        IReadOnlyList<KeyValuePair<string, string>> Labels, bool Holds, string? HeldBy);

    private List<Condition> Conditions(AlertInputs inputs, DateTimeOffset now)
    {
        var conditions = new List<Condition>();
        AlertRules rules = _rules;

        // The causes first: what they hold back is decided from where they stand after this round.
        string interfaceKey = "interface_down:" + _interface;
        if (rules.InterfaceDown.Enabled)
        {
            conditions.Add(new Condition(interfaceKey, "interface_down", rules.InterfaceDown, AlertSeverity.Critical,
                $"interface {_interface} is down", inputs.InterfaceUp ? "the interface answers" : $"{_interface} does not answer: it is gone, or its engine is not running",
                [], !inputs.InterfaceUp, null));
        }

        string? interfaceCause = Active(interfaceKey, !inputs.InterfaceUp) ? interfaceKey : null;

        List<PeerSignal> expected = [.. inputs.Peers.Where(p => p.Expected && p.State != PeerState.Disabled)];
        int expectedDown = expected.Count(p => p.State is PeerState.Down or PeerState.Never);
        bool allDown = inputs.InterfaceUp && expected.Count >= 2 && expectedDown == expected.Count;
        string uplinkKey = "peers_down:" + _interface;
        if (rules.PeerDown.Enabled && inputs.InterfaceUp)
        {
            conditions.Add(new Condition(uplinkKey, "peers_down", rules.PeerDown, AlertSeverity.Critical,
                $"every expected peer is down ({expectedDown} of {expected.Count})",
                "no expected peer answers: the gateway's uplink, its WireGuard port or the interface is the likely cause",
                [], allDown, interfaceCause));
        }

        string? sharedCause = interfaceCause ?? (Active(uplinkKey, allDown) ? uplinkKey : null);
        var peerCauses = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (PeerSignal peer in inputs.Peers)
        {
            PeerConditions(conditions, peer, rules, sharedCause, now, peerCauses);
        }

        foreach (CheckSignal check in inputs.Checks.Where(_ => rules.CheckFailing.Enabled))
        {
            string? cause = sharedCause ?? (check.Peer is string peer && peerCauses.TryGetValue(peer, out string? down) ? down : null);
            string description = check.PeerHandshaking switch
            {
                true => $"the tunnel to {check.Peer} is up (handshaking) but the check fails: {check.Why}",
                false => $"unreachable: the tunnel to {check.Peer} is down: {check.Why}",
                null => check.Why,
            };
            conditions.Add(new Condition("check_failing:" + check.Name, "check_failing", rules.CheckFailing, AlertSeverity.Critical,
                $"check {check.Name} fails", description, [new("check", check.Name), .. PeerLabel(check.Peer)], !check.Ok, cause));
        }

        foreach (ProbeSignal probe in inputs.Probes.Where(_ => rules.ProbeFailing.Enabled))
        {
            conditions.Add(new Condition("probe_failing:" + probe.Name, "probe_failing", rules.ProbeFailing, AlertSeverity.Critical,
                $"probe {probe.Name} of {probe.Target} fails", probe.Why, [new("probe", probe.Name), new("target", probe.Target)], !probe.Ok, null));
        }

        HostConditions(conditions, inputs.Host, rules);
        GatewayConditions(conditions, inputs.Gateway, rules, now);
        DaemonConditions(conditions, inputs.Daemon, rules);
        return conditions;
    }

    private void PeerConditions(List<Condition> conditions, PeerSignal peer, AlertRules rules, string? sharedCause, DateTimeOffset now, Dictionary<string, string> peerCauses)
    {
        KeyValuePair<string, string>[] labels = [new("peer", peer.Name), new("public_key", peer.PublicKey)];
        bool down = peer.State is PeerState.Down or PeerState.Never;
        if (peer.Expected && rules.PeerDown.Enabled)
        {
            string key = "peer_down:" + peer.PublicKey;
            conditions.Add(new Condition(key, "peer_down", rules.PeerDown, AlertSeverity.Critical,
                $"expected peer {peer.Name} is down", peer.Why, labels, down, sharedCause));
            if (Active(key, down))
            {
                peerCauses[peer.Name] = key;
            }
        }

        if (!peer.Expected && peer.Keepalive && rules.PeerStale.Enabled)
        {
            bool stale = peer.State is PeerState.Stale or PeerState.Down;
            conditions.Add(new Condition("peer_stale:" + peer.PublicKey, "peer_stale", rules.PeerStale, AlertSeverity.Warning,
                $"peer {peer.Name} stopped handshaking", peer.Why, labels, stale, sharedCause));
        }

        if (peer.Expected && rules.TrafficDrop.Enabled)
        {
            if (!_traffic.TryGetValue(peer.PublicKey, out TrafficTrend? trend))
            {
                trend = new TrafficTrend();
                _traffic[peer.PublicKey] = trend;
            }

            bool dropped = trend.Observe(now, peer.RxBytes + peer.TxBytes, peer.State == PeerState.Up, rules.TrafficDrop.Threshold ?? 1024);
            conditions.Add(new Condition("traffic_drop:" + peer.PublicKey, "traffic_drop", rules.TrafficDrop, AlertSeverity.Warning,
                $"traffic of peer {peer.Name} fell to near zero",
                $"{Rate(trend.RecentRate)} now against {Rate(trend.Baseline)} usually, while it handshakes", labels, dropped,
                sharedCause ?? (peerCauses.TryGetValue(peer.Name, out string? cause) ? cause : null)));
        }

        if (rules.EndpointChanged.Enabled)
        {
            if (!_endpoints.TryGetValue(peer.PublicKey, out EndpointTrail? trail))
            {
                trail = new EndpointTrail();
                _endpoints[peer.PublicKey] = trail;
            }

            int returns = trail.Observe(now, peer.Endpoint);
            conditions.Add(new Condition("endpoint_changed:" + peer.PublicKey, "endpoint_changed", rules.EndpointChanged, AlertSeverity.Warning,
                $"peer {peer.Name} keeps changing its endpoint",
                $"its endpoint went back and forth between {string.Join(", ", trail.Addresses)} {returns} times in {(int)AlertRules.EndpointWindow.TotalMinutes} min: two machines may be using one key (a leaked config)",
                labels, returns >= (rules.EndpointChanged.Threshold ?? 3), null));
        }
    }

    private static void HostConditions(List<Condition> conditions, HostView? host, AlertRules rules)
    {
        if (host is null)
        {
            return;
        }

        Threshold(conditions, "host_cpu", rules.HostCpu, host.CpuPercent, "CPU busy");
        Threshold(conditions, "host_memory", rules.HostMemory, host.MemoryUsedPercent, "memory used");
        Threshold(conditions, "host_disk", rules.HostDisk, 100 - host.StateDiskFreePercent, "disk used where Holt keeps its state");
    }

    private static void Threshold(List<Condition> conditions, string rule, AlertRule tuning, double? value, string what)
    {
        if (!tuning.Enabled || value is not double figure)
        {
            return;
        }

        double limit = tuning.Threshold ?? 90;
        conditions.Add(new Condition(rule, rule, tuning, AlertSeverity.Warning, $"{what} above {limit:0} %",
            string.Create(CultureInfo.InvariantCulture, $"{what}: {figure:0.#} % (threshold {limit:0} %)"), [], figure > limit, null));
    }

    private void GatewayConditions(List<Condition> conditions, GatewaySignals? gateway, AlertRules rules, DateTimeOffset now)
    {
        if (gateway?.GuardBans is long total && BansWithinTheHour(total, now) is long bans && rules.GuardBanRate.Enabled)
        {
            double limit = rules.GuardBanRate.Threshold ?? 100;
            conditions.Add(new Condition("guard_ban_rate", "guard_ban_rate", rules.GuardBanRate, AlertSeverity.Warning,
                "the guard is banning at an unusual rate", $"{bans} bans within the last hour (threshold {limit:0})", [], bans > limit, null));
        }

        if (gateway?.FirewallRepairs is long repairs)
        {
            // The first figure is where counting starts; a smaller one is a restarted count.
            bool repaired = _repairsSeen is long seen && repairs > seen;
            _repairsSeen = repairs;
            if (rules.FirewallRepaired.Enabled)
            {
                conditions.Add(new Condition("firewall_repaired", "firewall_repaired", rules.FirewallRepaired, AlertSeverity.Warning,
                    "Holt's firewall tables were removed or changed and put back",
                    "something else flushed or changed the nftables ruleset (a restart of nftables, another tool); Holt repaired it", [], repaired, null));
            }
        }
    }

    /// <summary>
    /// The bans of the last hour from the guard's running count: the count now less the count an hour ago (or the
    /// earliest one kept, until an hour has passed). A count that went down is a restarted guard: counting starts again.
    /// </summary>
    private long? BansWithinTheHour(long total, DateTimeOffset now)
    {
        if (_bans.Count > 0 && total < _bans.Last().Bans)
        {
            _bans.Clear();
        }

        _bans.Enqueue((now, total));
        while (_bans.Count > 1 && now - _bans.ElementAt(1).At >= TimeSpan.FromHours(1))
        {
            _ = _bans.Dequeue();
        }

        return total - _bans.Peek().Bans;
    }

    /// <summary>Whether the alert at <paramref name="key"/> counts as a cause: its condition holds now, or it still fires.</summary>
    private bool Active(string key, bool holds) =>
        holds || (_alerts.TryGetValue(key, out Tracked? tracked) && tracked.State.Phase is AlertPhase.Firing or AlertPhase.Resolving);

    private AlertRule RuleNamed(string rule) =>
        rule == "peers_down" ? _rules.PeerDown : _rules.All.FirstOrDefault(r => r.Name == rule).Rule ?? new AlertRule(false, TimeSpan.Zero, TimeSpan.Zero);

    private static KeyValuePair<string, string>[] PeerLabel(string? peer) => peer is null ? [] : [new("peer", peer)];

    private static string Rate(double? bytesPerSecond) => bytesPerSecond is double rate
        ? rate >= 1024 ? string.Create(CultureInfo.InvariantCulture, $"{rate / 1024:0.#} KiB/s") : string.Create(CultureInfo.InvariantCulture, $"{rate:0} B/s")
        : "nothing";

    /// <summary>
    /// A peer's usual traffic, an average over about half an hour (its baseline), and its rate over the last minute.
    /// The baseline is frozen while the traffic stays dropped, so a lasting drop keeps the alert until traffic
    /// returns; it counts only while the peer is up, and restarts after a counter reset.
    /// </summary>
    private sealed class TrafficTrend
    {
        private static readonly TimeSpan s_recent = TimeSpan.FromMinutes(1);
        private static readonly TimeSpan s_warmUp = TimeSpan.FromMinutes(10);
        private const double TimeConstantSeconds = 30 * 60;

        private readonly Queue<(DateTimeOffset At, ulong Bytes)> _window = new();
        private DateTimeOffset? _observedSince;
        private DateTimeOffset? _previous;

        public double? Baseline { get; private set; }

        public double? RecentRate { get; private set; }

        /// <summary>Takes a round in; true while the traffic is below a twentieth of a baseline of at least <paramref name="minimum"/>.</summary>
        public bool Observe(DateTimeOffset now, ulong bytes, bool up, double minimum)
        {
            TimeSpan step = _previous is DateTimeOffset previous ? now - previous : TimeSpan.Zero;
            _previous = now;
            if (!up || (_window.Count > 0 && bytes < _window.Last().Bytes))
            {
                _window.Clear();
                RecentRate = null;
                return false;
            }

            _window.Enqueue((now, bytes));
            while (_window.Count > 2 && now - _window.ElementAt(1).At >= s_recent)
            {
                _ = _window.Dequeue();
            }

            (DateTimeOffset firstAt, ulong firstBytes) = _window.Peek();
            TimeSpan span = now - firstAt;
            if (span < s_recent)
            {
                return false;
            }

            RecentRate = (bytes - firstBytes) / span.TotalSeconds;
            _observedSince ??= now;
            bool dropped = Baseline is double baseline && now - _observedSince >= s_warmUp && baseline >= minimum && RecentRate < baseline / 20;
            if (!dropped)
            {
                // An average over the recent rates, each weighted by the time since the last round.
                double alpha = Baseline is null ? 1 : 1 - Math.Exp(-step.TotalSeconds / TimeConstantSeconds);
                Baseline = Baseline is double old ? old + (alpha * (RecentRate.Value - old)) : RecentRate;
            }

            return dropped;
        }
    }

    /// <summary>
    /// A peer's endpoint addresses over <see cref="AlertRules.EndpointWindow"/>, counting the returns: a change to
    /// an address it had already used within the window. Roaming moves on; two machines with one key go back and
    /// forth.
    /// </summary>
    private sealed class EndpointTrail
    {
        private readonly List<(DateTimeOffset At, IPAddress Address)> _arrivals = [];
        private readonly List<DateTimeOffset> _returns = [];
        private IPAddress? _current;

        public IEnumerable<string> Addresses => _arrivals.Select(a => a.Address).Distinct().Select(a => a.ToString());

        /// <summary>Takes the round's endpoint in; returns how many returns the window holds.</summary>
        public int Observe(DateTimeOffset now, string? endpoint)
        {
            _ = _arrivals.RemoveAll(a => now - a.At > AlertRules.EndpointWindow && !a.Address.Equals(_current));
            _ = _returns.RemoveAll(at => now - at > AlertRules.EndpointWindow);
            if (endpoint is null || !IPEndPoint.TryParse(endpoint, out IPEndPoint? parsed))
            {
                return _returns.Count;
            }

            IPAddress address = parsed.Address.IsIPv4MappedToIPv6 ? parsed.Address.MapToIPv4() : parsed.Address;
            if (address.Equals(_current))
            {
                return _returns.Count;
            }

            if (_current is not null && _arrivals.Any(a => a.Address.Equals(address)))
            {
                _returns.Add(now);
            }

            _arrivals.Add((now, address));
            _current = address;
            return _returns.Count;
        }
    }
}
