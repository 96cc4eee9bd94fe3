using System.Globalization;
using System.Text;
using Holt.Config;
using Holt.Text;

namespace Holt.Monitor;

/// <summary>
/// One built-in rule's tuning: whether it runs, how long its condition must hold before it fires (<c>for</c>) and
/// stay cleared before it resolves (<c>clear_for</c>), how often a firing alert is sent again (<c>repeat</c>; null
/// for never, the default), and the threshold of the rules that have one.
/// </summary>
internal sealed record AlertRule(bool Enabled, TimeSpan For, TimeSpan ClearFor, TimeSpan? Repeat = null, double? Threshold = null);

/// <summary>
/// The built-in rules and their defaults, each tunable in holt.toml as <c>[monitor.alert.NAME]</c>. The defaults
/// favour silence over noise: a condition must outlast what a healthy tunnel does on its own (a roaming laptop, a
/// rekey, a restart of the daemon) before anyone is told.
/// </summary>
internal sealed record AlertRules
{
    public static AlertRules Default { get; } = new();

    /// <summary>The interface is gone or its engine does not answer.</summary>
    public AlertRule InterfaceDown { get; init; } = new(true, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));

    /// <summary>An expected peer is down, or was never seen.</summary>
    public AlertRule PeerDown { get; init; } = new(true, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5));

    /// <summary>
    /// A peer with keepalive that is not expected missed its handshakes (stale or down). Off by default: Holt gives
    /// every client a keepalive, so a laptop that is shut would raise it; turn it on where keepalive means always-on.
    /// </summary>
    public AlertRule PeerStale { get; init; } = new(false, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));

    /// <summary>
    /// An expected peer that moved at least <see cref="AlertRule.Threshold"/> bytes a second on average (its
    /// baseline) moves less than a twentieth of it while its handshakes go on.
    /// </summary>
    public AlertRule TrafficDrop { get; init; } = new(true, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5), Threshold: 1024);

    /// <summary>A check through the tunnel fails.</summary>
    public AlertRule CheckFailing { get; init; } = new(true, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2));

    /// <summary>
    /// A peer's endpoint moved between addresses at least <see cref="AlertRule.Threshold"/> times within
    /// <see cref="EndpointWindow"/>: two machines using one key, as with a leaked config. One change is roaming.
    /// </summary>
    public AlertRule EndpointChanged { get; init; } = new(true, TimeSpan.Zero, TimeSpan.FromMinutes(30), Threshold: 3);

    /// <summary>A real-handshake probe of <c>[[monitor.probe]]</c> fails.</summary>
    public AlertRule ProbeFailing { get; init; } = new(true, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5));

    /// <summary>Host CPU busy above the threshold, percent of all cores.</summary>
    public AlertRule HostCpu { get; init; } = new(true, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), Threshold: 90);

    /// <summary>Host memory used above the threshold, percent.</summary>
    public AlertRule HostMemory { get; init; } = new(true, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), Threshold: 90);

    /// <summary>The state directory's file system used above the threshold, percent.</summary>
    public AlertRule HostDisk { get; init; } = new(true, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), Threshold: 90);

    /// <summary>The guard banned more than the threshold of addresses within the last hour.</summary>
    public AlertRule GuardBanRate { get; init; } = new(true, TimeSpan.Zero, TimeSpan.FromMinutes(30), Threshold: 100);

    /// <summary>Something else removed or changed Holt's nftables tables and the firewall put them back.</summary>
    public AlertRule FirewallRepaired { get; init; } = new(true, TimeSpan.Zero, TimeSpan.FromMinutes(10));

    /// <summary>
    /// holt.toml as it is on disk was refused (a broken edit) for this long: the daemon runs the last good
    /// configuration, so what the file says is not what runs. The <c>for</c> lets an editor finish saving.
    /// </summary>
    public AlertRule ConfigRefused { get; init; } = new(true, TimeSpan.FromMinutes(1), TimeSpan.Zero);

    /// <summary>The daemon started after a run that never stopped (a kill -9, a crash, a power cut).</summary>
    public AlertRule DaemonRestarted { get; init; } = new(true, TimeSpan.Zero, TimeSpan.FromMinutes(10));

    /// <summary>One of the daemon's services (the firewall, the guard, the metrics) failed and is not running again yet.</summary>
    public AlertRule ServiceFailing { get; init; } = new(true, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2));

    /// <summary>How far back the endpoint rule counts changes.</summary>
    public static readonly TimeSpan EndpointWindow = TimeSpan.FromMinutes(10);

    /// <summary>The rules by their names in holt.toml, in the order the file writes them.</summary>
    public IEnumerable<(string Name, AlertRule Rule)> All =>
    [
        ("interface_down", InterfaceDown),
        ("peer_down", PeerDown),
        ("peer_stale", PeerStale),
        ("traffic_drop", TrafficDrop),
        ("check_failing", CheckFailing),
        ("endpoint_changed", EndpointChanged),
        ("probe_failing", ProbeFailing),
        ("host_cpu", HostCpu),
        ("host_memory", HostMemory),
        ("host_disk", HostDisk),
        ("guard_ban_rate", GuardBanRate),
        ("firewall_repaired", FirewallRepaired),
        ("config_refused", ConfigRefused),
        ("daemon_restarted", DaemonRestarted),
        ("service_failing", ServiceFailing),
    ];

    /// <summary>The rules as they stand after <c>[monitor.alert]</c>; absent rules and keys keep their defaults.</summary>
    public static AlertRules Read(TableReader? alerts)
    {
        AlertRules rules = Default;
        if (alerts is null)
        {
            return rules;
        }

        string[] names = [.. Default.All.Select(r => r.Name)];
        alerts.RefuseUnknown(names);
        foreach ((string name, AlertRule rule) in Default.All)
        {
            if (alerts.OptionalTable(name, $"[monitor.alert.{name}] ") is TableReader table)
            {
                rules = rules.With(name, ReadRule(table, rule, s_percentages.Contains(name)));
            }
        }

        return rules;
    }

    /// <summary>Writes the rules that differ from their defaults, as <c>[monitor.alert.NAME]</c> tables.</summary>
    public void Write(StringBuilder text)
    {
        var defaults = Default.All.ToDictionary(r => r.Name, r => r.Rule, StringComparer.Ordinal);
        foreach ((string name, AlertRule rule) in All)
        {
            AlertRule standard = defaults[name];
            if (rule == standard)
            {
                continue;
            }

            text.Append(CultureInfo.InvariantCulture, $"\n[monitor.alert.{name}]\n");
            if (rule.Enabled != standard.Enabled)
            {
                TomlWriter.Flag(text, "enabled", rule.Enabled);
            }

            if (rule.For != standard.For)
            {
                TomlWriter.Key(text, "for", DurationText.Format(rule.For));
            }

            if (rule.ClearFor != standard.ClearFor)
            {
                TomlWriter.Key(text, "clear_for", DurationText.Format(rule.ClearFor));
            }

            if (rule.Repeat is TimeSpan repeat)
            {
                TomlWriter.Key(text, "repeat", DurationText.Format(repeat));
            }

            if (rule.Threshold is double threshold && threshold != standard.Threshold)
            {
                text.Append(CultureInfo.InvariantCulture, $"threshold = {(long)threshold}\n");
            }
        }
    }

    private static AlertRule ReadRule(TableReader table, AlertRule standard, bool percent)
    {
        if (standard.Threshold is null)
        {
            table.RefuseUnknown("enabled", "for", "clear_for", "repeat");
        }
        else
        {
            table.RefuseUnknown("enabled", "for", "clear_for", "repeat", "threshold");
        }

        TimeSpan @for = Bounded(table, "for", standard.For, TimeSpan.Zero, TimeSpan.FromDays(1));
        TimeSpan clearFor = Bounded(table, "clear_for", standard.ClearFor, TimeSpan.Zero, TimeSpan.FromDays(1));
        TimeSpan? repeat = table.Has("repeat")
            ? Bounded(table, "repeat", TimeSpan.Zero, TimeSpan.FromMinutes(5), TimeSpan.FromDays(30))
            : standard.Repeat;
        double? threshold = standard.Threshold;
        if (table.Has("threshold"))
        {
            // A whole number: percent, bytes a second, bans or changes.
            threshold = table.OptionalInteger("threshold", 1, percent ? 100 : 1_000_000_000_000);
        }

        return new AlertRule(table.OptionalBoolean("enabled") ?? standard.Enabled, @for, clearFor, repeat, threshold);
    }

    private static TimeSpan Bounded(TableReader table, string key, TimeSpan standard, TimeSpan min, TimeSpan max)
    {
        TimeSpan value = table.OptionalDuration(key) ?? standard;
        if (value >= min && value <= max)
        {
            return value;
        }

        string range = min == TimeSpan.Zero ? $"at most {DurationText.Format(max)}" : $"from {DurationText.Format(min)} to {DurationText.Format(max)}";
        throw table.Error(key, $"'{key}' must be {range}, not \"{Printable.Of(table.OptionalString(key) ?? "")}\"");
    }

    /// <summary>The rules whose threshold is a percentage, at most 100.</summary>
    private static readonly string[] s_percentages = ["host_cpu", "host_memory", "host_disk"];

    private AlertRules With(string name, AlertRule rule) => name switch
    {
        "interface_down" => this with { InterfaceDown = rule },
        "peer_down" => this with { PeerDown = rule },
        "peer_stale" => this with { PeerStale = rule },
        "traffic_drop" => this with { TrafficDrop = rule },
        "check_failing" => this with { CheckFailing = rule },
        "endpoint_changed" => this with { EndpointChanged = rule },
        "probe_failing" => this with { ProbeFailing = rule },
        "host_cpu" => this with { HostCpu = rule },
        "host_memory" => this with { HostMemory = rule },
        "host_disk" => this with { HostDisk = rule },
        "guard_ban_rate" => this with { GuardBanRate = rule },
        "firewall_repaired" => this with { FirewallRepaired = rule },
        "config_refused" => this with { ConfigRefused = rule },
        "daemon_restarted" => this with { DaemonRestarted = rule },
        "service_failing" => this with { ServiceFailing = rule },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a built-in rule"),
    };
}
