using System.Text;
using Holt.Config;
using Holt.Monitor.Checks;
using Holt.Monitor.Notify;
using Holt.Text;

namespace Holt.Monitor;

/// <summary>holt.toml's <c>[monitor]</c>: whether the daemon watches its peers, and how often it looks.</summary>
internal sealed record MonitorConfig
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromMinutes(1);

    public static MonitorConfig Default { get; } = new();

    public bool Enabled { get; init; } = true;

    /// <summary>How often every peer is sampled.</summary>
    public TimeSpan Interval { get; init; } = DefaultInterval;

    /// <summary>The built-in alert rules, as <c>[monitor.alert.NAME]</c> tunes them.</summary>
    public AlertRules Alerts { get; init; } = AlertRules.Default;

    /// <summary>The <c>[[monitor.check]]</c> tables: services behind the tunnel, looked at on their own schedule.</summary>
    public IReadOnlyList<CheckConfig> Checks { get; init; } = [];

    /// <summary>Where alerts go: the <c>[[monitor.notify]]</c> tables.</summary>
    public IReadOnlyList<NotifierConfig> Notifiers { get; init; } = [];

    /// <summary>The Prometheus endpoint, <c>[monitor.metrics]</c>.</summary>
    public MetricsConfig Metrics { get; init; } = MetricsConfig.Default;
}

/// <summary>
/// The <c>[monitor]</c> table. Optional: without it the monitor runs with <see cref="MonitorConfig.Default"/>, and
/// the file is written without it.
/// </summary>
internal sealed class MonitorSection : ConfigSection<MonitorConfig>
{
    public static MonitorSection Instance { get; } = new();

    public override IReadOnlyList<SectionKey> Keys { get; } = [new("monitor", IsArray: false)];

    public override object? Read(SectionTables tables) => tables.Table("monitor") is TableReader table ? ReadMonitor(table, tables) : null;

    public override void Check(HoltConfig config, ConfigChecker checker)
    {
        CheckSection.Check(config, config.Monitor.Checks, checker);
        MetricsConfigSection.Check(config, config.Monitor.Metrics, checker);
    }

    public override void Write(HoltConfig config, StringBuilder text)
    {
        if (config.Find<MonitorConfig>() is not MonitorConfig monitor)
        {
            return;
        }

        text.Append("\n# The monitor: every peer's state, from its handshakes and traffic (holt monitor status).\n");
        text.Append("[monitor]\n");
        TomlWriter.Flag(text, "enabled", monitor.Enabled);
        TomlWriter.Key(text, "interval", DurationText.Format(monitor.Interval));

        // Sub-tables and arrays of tables: every plain key of [monitor] must be written before them.
        monitor.Alerts.Write(text);
        MetricsConfigSection.Write(text, monitor.Metrics);
        CheckSection.Write(text, monitor.Checks);
        NotifierToml.Write(text, monitor.Notifiers);
    }

    private static MonitorConfig ReadMonitor(TableReader table, SectionTables tables)
    {
        table.RefuseUnknown("enabled", "interval", "alert", "check", "notify", "metrics");
        TimeSpan interval = table.OptionalDuration("interval") ?? MonitorConfig.DefaultInterval;
        if (interval < MonitorConfig.MinInterval || interval > MonitorConfig.MaxInterval)
        {
            throw table.Error("interval", $"'interval' must be from {DurationText.Format(MonitorConfig.MinInterval)} to {DurationText.Format(MonitorConfig.MaxInterval)}, not \"{Printable.Of(table.OptionalString("interval") ?? "")}\"");
        }

        return new MonitorConfig
        {
            Enabled = table.OptionalBoolean("enabled") ?? true,
            Interval = interval,
            Alerts = AlertRules.Read(table.OptionalTable("alert", "[monitor.alert] ")),
            Checks = CheckSection.Read(table, tables),
            Notifiers = NotifierToml.Read(table, tables),
            Metrics = MetricsConfigSection.Read(table, tables),
        };
    }
}

/// <summary>The monitor's part of holt.toml, as <c>config.Monitor</c>.</summary>
internal static class MonitorSectionAccess
{
    extension(HoltConfig config)
    {
        /// <summary>What the monitor runs with: the [monitor] section, or its defaults when the file has none.</summary>
        public MonitorConfig Monitor => config.Find<MonitorConfig>() ?? MonitorConfig.Default;
    }
}
