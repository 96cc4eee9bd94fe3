using Holt.Hosting;
using Holt.Monitor;
using Holt.Status;
using Holt.Tunnel;

namespace Holt.Metrics;

/// <summary>
/// What one scrape shows, read from the models the rest of Holt already keeps (one model per fact): the machine's
/// <see cref="HoltStatus"/>, as <c>holt status --json</c> prints it, and the monitor's last
/// <see cref="MonitorStatus"/>, as <c>holt monitor status</c> prints it; plus the engine's drop counters, which
/// only the daemon's own process can read, and the daemon's own signals (<see cref="DaemonHealth"/>). A part that is not there (no monitor round yet, the kernel backend) is
/// null and its metrics are left out, never shown as zero.
/// </summary>
internal sealed record MetricsSnapshot(HoltStatus Status, MonitorStatus? Monitor, EngineDrops? Drops, DaemonView? Daemon = null);

/// <summary>
/// Another part of the exposition: the families a subsystem adds beside Holt's own (the monitor's checks and
/// probes, when they have results to show). A source reads its own model and writes its own families, each
/// prefixed <c>holt_</c>; the writer refuses a family written twice, so two sources cannot clash unnoticed.
/// </summary>
internal interface IMetricSource
{
    /// <summary>Writes the source's families; called once per scrape, from the scrape's thread.</summary>
    void WriteTo(ExpositionWriter writer);
}
