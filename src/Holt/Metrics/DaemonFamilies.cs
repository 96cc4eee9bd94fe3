using Holt.Hosting;
using Holt.Monitor;

namespace Holt.Metrics;

/// <summary>The daemon's own families (its runs, holt.toml's reloads, its services) and the watched interface's.</summary>
internal static class DaemonFamilies
{
    public static void Daemon(ExpositionWriter writer, DaemonView daemon)
    {
        writer.Family("holt_daemon_start_time_seconds", MetricType.Gauge, "UNIX time the daemon started");
        writer.Sample(daemon.StartedAt.ToUnixTimeSeconds());
        if (daemon.Runs is DaemonRuns runs)
        {
            writer.Family("holt_daemon_starts_total", MetricType.Counter, "Starts of the daemon for this interface, as monitor.db keeps them");
            writer.Sample(runs.Starts);
            writer.Family("holt_daemon_unclean_starts_total", MetricType.Counter, "Starts that followed a run that never stopped (a kill -9, a crash, a power cut)");
            writer.Sample(runs.UncleanStarts);
        }

        writer.Family("holt_config_valid", MetricType.Gauge, "1 when holt.toml as it is on disk reads and runs, 0 while an edit of it is refused (the last good one runs)");
        writer.Sample(daemon.ConfigProblem is null ? 1 : 0);
        writer.Family("holt_config_refused_total", MetricType.Counter, "Edits of holt.toml the daemon refused since it started");
        writer.Sample(daemon.ConfigRefused);
        writer.Family("holt_config_last_applied_timestamp_seconds", MetricType.Gauge, "UNIX time the daemon's services last got a new configuration (its start, if none since)");
        writer.Sample(daemon.ConfigAppliedAt.ToUnixTimeSeconds());
        writer.Family("holt_service_up", MetricType.Gauge, "1 while the daemon's service runs, 0 while it waits to start again after a fault");
        foreach (ServiceState service in daemon.Services)
        {
            writer.Sample(service.Running ? 1 : 0, new Label("service", service.Name));
        }

        writer.Family("holt_service_restarts_total", MetricType.Counter, "Times the daemon started a service again after it failed");
        foreach (ServiceState service in daemon.Services)
        {
            writer.Sample(service.Restarts, new Label("service", service.Name));
        }
    }

    public static void Link(ExpositionWriter writer, string interfaceName, LinkView link)
    {
        Label label = new("interface", interfaceName);
        writer.Family("holt_interface_up", MetricType.Gauge, "1 when the interface answered the monitor's last look");
        writer.Sample(link.Up ? 1 : 0, label);
        writer.Family("holt_interface_flaps_total", MetricType.Counter, "Times the interface went away after it had been there, since the monitor started");
        writer.Sample(link.Flaps, label);
        if (link.ReceivedBytes is ulong received && link.SentBytes is ulong sent)
        {
            writer.Family("holt_interface_received_bytes_total", MetricType.Counter, "Bytes the interface received (the tunnel's inner traffic, from /proc/net/dev)");
            writer.Sample(received, label);
            writer.Family("holt_interface_sent_bytes_total", MetricType.Counter, "Bytes the interface sent (the tunnel's inner traffic, from /proc/net/dev)");
            writer.Sample(sent, label);
        }
    }
}
