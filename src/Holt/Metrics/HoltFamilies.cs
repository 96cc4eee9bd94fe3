using System.Text;
using Holt.Firewall;
using Holt.Guard;
using Holt.Hosting;
using Holt.Monitor;
using Holt.Status;
using Holt.Tunnel;
using Holt.WireGuard.Device;

namespace Holt.Metrics;

/// <summary>
/// Holt's own families, <c>holt_*</c>, from the same models as <c>holt monitor status</c> and <c>holt status</c>.
/// Names follow Prometheus' conventions: base units (seconds, bytes, ratios from 0 to 1), counters in
/// <c>_total</c>, timestamps in <c>_timestamp_seconds</c>, and a figure that could not be read is absent rather
/// than 0.
/// </summary>
/// <remarks>
/// A peer's state is one series per possible state, 1 for the current one and 0 for the others (the form of
/// kube-state-metrics' <c>kube_pod_status_phase</c>): the series never come and go as the state changes, so
/// <c>holt_peer_state{state="down"} == 1</c> is a plain alert rule, <c>sum by (state) (holt_peer_state)</c> counts
/// the peers in each state, and a rule's <c>for</c> clause is not reset by a series vanishing for a scrape. A single
/// series with the state as a number would need a legend to read, and one with only the current state's label would
/// leave stale series behind at every change.
/// </remarks>
internal static class HoltFamilies
{
    /// <summary>Every state a peer can be in, in <see cref="PeerState"/>'s order, as the status writes them.</summary>
    private static readonly string[] s_states = [.. Enum.GetValues<PeerState>().Select(MonitorService.Text)];

    public static void Write(ExpositionWriter writer, MetricsSnapshot snapshot)
    {
        if (snapshot.Monitor is MonitorStatus monitor)
        {
            Peers(writer, monitor);
            MonitorFamilies.Write(writer, monitor);
            if (monitor.Host is HostView host)
            {
                Host(writer, host);
            }

            if (monitor.Link is LinkView link)
            {
                DaemonFamilies.Link(writer, monitor.Interface, link);
            }
        }

        if (snapshot.Daemon is DaemonView daemon)
        {
            DaemonFamilies.Daemon(writer, daemon);
        }

        string? gateway = snapshot.Status.Interfaces.FirstOrDefault(i => i.Role == "gateway")?.Name;
        if (snapshot.Drops is EngineDrops drops && gateway is not null)
        {
            Drops(writer, gateway, drops, snapshot.Monitor);
        }

        if (snapshot.Status.Firewall is FirewallView firewall && gateway is not null)
        {
            Firewall(writer, gateway, firewall);
        }

        if (snapshot.Status.Guard is GuardView guard)
        {
            Guard(writer, guard);
        }
    }

    private static void Peers(ExpositionWriter writer, MonitorStatus monitor)
    {
        Label interfaceLabel = new("interface", monitor.Interface);
        writer.Family("holt_monitor_last_sample_timestamp_seconds", MetricType.Gauge, "UNIX time of the monitor's last look at the peers");
        writer.Sample(monitor.SampledAt.ToUnixTimeMilliseconds() / 1000.0, interfaceLabel);

        writer.Family("holt_expected_peers", MetricType.Gauge, "Peers marked expected = true, disabled ones left out");
        writer.Sample(monitor.ExpectedTotal, interfaceLabel);
        writer.Family("holt_expected_peers_up", MetricType.Gauge, "Expected peers that are up");
        writer.Sample(monitor.ExpectedUp, interfaceLabel);

        writer.Family("holt_peer_state", MetricType.Gauge, "1 for the state the monitor gives the peer (up, idle, stale, down, never, disabled), 0 for the others");
        foreach (MonitoredPeer peer in monitor.Peers)
        {
            foreach (string state in s_states)
            {
                writer.Sample(peer.State == state ? 1UL : 0UL, interfaceLabel, new("peer", peer.Name), new("public_key", peer.PublicKey), new("state", state));
            }
        }

        writer.Family("holt_peer_state_since_timestamp_seconds", MetricType.Gauge, "UNIX time the peer entered its current state");
        foreach (MonitoredPeer peer in monitor.Peers)
        {
            writer.Sample(peer.Since.ToUnixTimeSeconds(), interfaceLabel, new("peer", peer.Name), new("public_key", peer.PublicKey));
        }

        writer.Family("holt_peer_expected", MetricType.Gauge, "1 for a peer marked expected = true (always on), else 0");
        foreach (MonitoredPeer peer in monitor.Peers)
        {
            writer.Sample(peer.Expected ? 1UL : 0UL, interfaceLabel, new("peer", peer.Name), new("public_key", peer.PublicKey));
        }

        writer.Family("holt_peer_sessions_total", MetricType.Counter, "Connection sessions the peer opened since the monitor started");
        foreach (MonitoredPeer peer in monitor.Peers)
        {
            writer.Sample(peer.SessionsStarted, interfaceLabel, new("peer", peer.Name), new("public_key", peer.PublicKey));
        }
    }

    private static void Host(ExpositionWriter writer, HostView host)
    {
        Optional(writer, "holt_host_cpu_usage_ratio", "Share of all CPU time that was busy over the monitor's last interval", host.CpuPercent / 100);
        Optional(writer, "holt_host_memory_used_ratio", "Share of memory in use (MemTotal less MemAvailable)", host.MemoryUsedPercent / 100);
        Optional(writer, "holt_host_load1", "Load average over 1 minute", host.Load1);
        Optional(writer, "holt_host_load5", "Load average over 5 minutes", host.Load5);
        Optional(writer, "holt_host_load15", "Load average over 15 minutes", host.Load15);
        Optional(writer, "holt_state_disk_free_bytes", "Free bytes of the file system that holds Holt's state", host.StateDiskFreeBytes);
        Optional(writer, "holt_state_disk_free_ratio", "Free share of the file system that holds Holt's state", host.StateDiskFreePercent / 100);
        if (host.UdpReceiveBufferErrors is long errors)
        {
            writer.Family("holt_udp_receive_buffer_errors_total", MetricType.Counter, "UDP datagrams dropped because a socket's receive buffer was full (RcvbufErrors of /proc/net/snmp)");
            writer.Sample(errors);
        }
    }

    private static void Drops(ExpositionWriter writer, string gateway, EngineDrops drops, MonitorStatus? monitor)
    {
        Label interfaceLabel = new("interface", gateway);
        writer.Family("holt_engine_dropped_packets_total", MetricType.Counter, "Packets the engine dropped that belong to no peer, by reason");
        foreach (DropReason reason in Enum.GetValues<DropReason>())
        {
            writer.Sample(drops.Device.GetValueOrDefault(reason), interfaceLabel, new("reason", Reason(reason)));
        }

        Dictionary<string, string> names = monitor?.Peers.ToDictionary(p => p.PublicKey, p => p.Name, StringComparer.Ordinal) ?? [];
        writer.Family("holt_peer_dropped_packets_total", MetricType.Counter, "Packets the engine dropped for a peer, by reason (reasons that never happened are left out)");
        foreach ((string key, IReadOnlyDictionary<DropReason, long> counts) in drops.Peers.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach ((DropReason reason, long count) in counts.OrderBy(c => c.Key))
            {
                if (names.TryGetValue(key, out string? name))
                {
                    writer.Sample(count, interfaceLabel, new("peer", name), new("public_key", key), new("reason", Reason(reason)));
                }
                else
                {
                    writer.Sample(count, interfaceLabel, new("public_key", key), new("reason", Reason(reason)));
                }
            }
        }
    }

    private static void Firewall(ExpositionWriter writer, string gateway, FirewallView firewall)
    {
        Label interfaceLabel = new("interface", gateway);
        Optional(writer, "holt_firewall_enabled", "1 when holt.toml enables the firewall (a confirmed apply)", Flag(firewall.Enabled), interfaceLabel);
        Optional(writer, "holt_firewall_loaded", "1 when the gateway's nftables table is in the kernel", Flag(firewall.Loaded), interfaceLabel);
        Optional(writer, "holt_firewall_intact", "1 when the gateway's table is exactly as Holt loaded it", Flag(firewall.Intact), interfaceLabel);
        Optional(writer, "holt_firewall_pending_confirmation", "1 while an apply awaits holt firewall confirm", firewall.Pending is null ? 0 : 1, interfaceLabel);
        Optional(writer, "holt_firewall_exposures", "Public ports forwarded to peers (holt expose)", firewall.Exposures, interfaceLabel);
        writer.Family("holt_firewall_repairs_total", MetricType.Counter, "Times the daemon put the gateway's table back after something else removed or changed it");
        writer.Sample(firewall.Repairs.Count, interfaceLabel);
        Optional(writer, "holt_firewall_last_repair_timestamp_seconds", "UNIX time of the last repair of the gateway's table", firewall.Repairs.Last?.ToUnixTimeSeconds(), interfaceLabel);
        if (firewall.Counters is not FirewallCounters counters)
        {
            return;
        }

        const string Reasons = "policy, rate_limit, concurrency_limit, cloudflare_only, client_to_client, not_forwarded, monitoring_peer";
        writer.Family("holt_firewall_dropped_packets_total", MetricType.Counter, $"Packets the gateway's table dropped since it was loaded, by reason ({Reasons}) and public port");
        foreach (DropCount drop in counters.Drops)
        {
            DropSample(writer, drop.Packets, interfaceLabel, drop);
        }

        writer.Family("holt_firewall_dropped_bytes_total", MetricType.Counter, "Bytes of the packets in holt_firewall_dropped_packets_total");
        foreach (DropCount drop in counters.Drops)
        {
            DropSample(writer, drop.Bytes, interfaceLabel, drop);
        }

        writer.Family("holt_exposure_connections_total", MetricType.Counter, "Connections (UDP flows) an exposure forwarded to its peer since the table was loaded, by public port and peer");
        foreach (ExposureCount exposure in counters.Exposures)
        {
            writer.Sample(exposure.Connections, interfaceLabel, new("port", exposure.Port), new("peer", exposure.Peer));
        }
    }

    private static void DropSample(ExpositionWriter writer, ulong value, Label interfaceLabel, DropCount drop)
    {
        if (drop.Port is string port)
        {
            writer.Sample(value, interfaceLabel, new("reason", drop.Reason), new("port", port));
        }
        else
        {
            writer.Sample(value, interfaceLabel, new("reason", drop.Reason));
        }
    }

    private static void Guard(ExpositionWriter writer, GuardView guard)
    {
        Optional(writer, "holt_guard_running", "1 when the guard runs", Flag(guard.Running));
        Optional(writer, "holt_guard_banned_addresses", "Addresses the kernel's ban sets hold now", guard.Banned);
        writer.Family("holt_guard_failures_total", MetricType.Counter, "Authentication failures a jail counted since the guard started");
        foreach (JailStatus jail in guard.Jails)
        {
            writer.Sample(jail.Failures, new Label("jail", jail.Name));
        }

        writer.Family("holt_guard_bans_total", MetricType.Counter, "Bans a jail made since the guard started");
        foreach (JailStatus jail in guard.Jails)
        {
            writer.Sample(jail.Bans, new Label("jail", jail.Name));
        }

        writer.Family("holt_guard_repairs_total", MetricType.Counter, "Times the guard put its nftables table back after something else removed or changed it");
        writer.Sample(guard.Repairs.Count);
    }

    /// <summary>A gauge family of one sample, or nothing when the figure is unknown.</summary>
    private static void Optional(ExpositionWriter writer, string name, string help, double? value, params ReadOnlySpan<Label> labels)
    {
        if (value is double known)
        {
            writer.Family(name, MetricType.Gauge, help);
            writer.Sample(known, labels);
        }
    }

    private static double? Flag(bool? value) => value is bool known ? (known ? 1 : 0) : null;

    /// <summary>A drop reason in snake case, as a label value: NoRoute is "no_route".</summary>
    internal static string Reason(DropReason reason)
    {
        string name = reason.ToString();
        var text = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsAsciiLetterUpper(name[i]) && i > 0)
            {
                _ = text.Append('_');
            }

            _ = text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }
}
