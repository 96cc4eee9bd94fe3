using Holt.Hosting;
using Holt.Metrics;
using Holt.Monitor;
using Holt.Status;
using Holt.Tests.Gateway;

namespace Holt.Tests.Metrics;

/// <summary>What a scrape shows for a small gateway: MindFlavor's families exactly, and Holt's own.</summary>
public sealed class ExpositionTests
{
    private const string Laptop = TestKeys.LaptopPublic;
    private const string Phone = TestKeys.PhonePublic;

    [Fact]
    public void WireGuardFamilies_AreMindFlavorsNamesAndLabels_AndANeverHandshakedPeerHasNoTimestamp()
    {
        string text = Exposition.Write(MetricsModel.Snapshot(), []);

        long handshake = MetricsModel.Now.AddSeconds(-30).ToUnixTimeSeconds();
        Assert.StartsWith(
            "# HELP wireguard_sent_bytes_total Bytes sent to the peer\n" +
            "# TYPE wireguard_sent_bytes_total counter\n" +
            $"wireguard_sent_bytes_total{{interface=\"wg0\",public_key=\"{Laptop}\",allowed_ips=\"10.8.0.2/32,fd00::2/128\",friendly_name=\"laptop\"}} 2000\n" +
            $"wireguard_sent_bytes_total{{interface=\"wg0\",public_key=\"{Phone}\",allowed_ips=\"10.8.0.3/32\",friendly_name=\"phone\"}} 148\n" +
            "# HELP wireguard_received_bytes_total Bytes received from the peer\n" +
            "# TYPE wireguard_received_bytes_total counter\n" +
            $"wireguard_received_bytes_total{{interface=\"wg0\",public_key=\"{Laptop}\",allowed_ips=\"10.8.0.2/32,fd00::2/128\",friendly_name=\"laptop\"}} 1000\n" +
            $"wireguard_received_bytes_total{{interface=\"wg0\",public_key=\"{Phone}\",allowed_ips=\"10.8.0.3/32\",friendly_name=\"phone\"}} 0\n" +
            "# HELP wireguard_latest_handshake_seconds UNIX timestamp seconds of the last handshake\n" +
            "# TYPE wireguard_latest_handshake_seconds gauge\n" +
            $"wireguard_latest_handshake_seconds{{interface=\"wg0\",public_key=\"{Laptop}\",allowed_ips=\"10.8.0.2/32,fd00::2/128\",friendly_name=\"laptop\"}} {handshake}\n" +
            "# HELP holt_",
            text);
        Assert.DoesNotContain("friendly_name=\"old\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ChecksAndAlerts_AreSeries_AndACheckThatHasNotRunHasNone()
    {
        string text = Exposition.Write(MetricsModel.Snapshot(), []);

        const string web = "interface=\"wg0\",check=\"web\",type=\"http\",peer=\"laptop\"";
        const string ping = "interface=\"wg0\",check=\"ping\",type=\"icmp\",peer=\"laptop\"";
        Assert.Contains($"# TYPE holt_check_success gauge\nholt_check_success{{{web}}} 0\nholt_check_success{{{ping}}} 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"holt_check_duration_seconds{{{web}}} 0.012\n", text, StringComparison.Ordinal);
        Assert.Contains($"holt_check_peer_handshaking{{{web}}} 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"# TYPE holt_check_http_status_code gauge\nholt_check_http_status_code{{{web}}} 502\n#", text, StringComparison.Ordinal);
        Assert.Contains($"holt_check_icmp_loss_ratio{{{ping}}} 0.25\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("check=\"later\"", text, StringComparison.Ordinal);
        Assert.Contains("holt_alert{interface=\"wg0\",alertname=\"HoltCheckFailing\",key=\"check_failing:web\",severity=\"critical\",alertstate=\"firing\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void PeerFamilies_GiveEachPeerOneSeriesPerState_AndTheExpectedCounts()
    {
        string text = Exposition.Write(MetricsModel.Snapshot(), []);

        string laptop = $"interface=\"wg0\",peer=\"laptop\",public_key=\"{Laptop}\"";
        Assert.Contains(
            "# HELP holt_peer_state 1 for the state the monitor gives the peer (up, idle, stale, down, never, disabled), 0 for the others\n" +
            "# TYPE holt_peer_state gauge\n" +
            $"holt_peer_state{{{laptop},state=\"up\"}} 1\n" +
            $"holt_peer_state{{{laptop},state=\"idle\"}} 0\n" +
            $"holt_peer_state{{{laptop},state=\"stale\"}} 0\n" +
            $"holt_peer_state{{{laptop},state=\"down\"}} 0\n" +
            $"holt_peer_state{{{laptop},state=\"never\"}} 0\n" +
            $"holt_peer_state{{{laptop},state=\"disabled\"}} 0\n" +
            $"holt_peer_state{{interface=\"wg0\",peer=\"phone\",public_key=\"{Phone}\",state=\"up\"}} 0\n",
            text,
            StringComparison.Ordinal);
        Assert.Contains($"holt_peer_state{{interface=\"wg0\",peer=\"phone\",public_key=\"{Phone}\",state=\"never\"}} 1\n", text, StringComparison.Ordinal);
        Assert.Equal(18, Lines(text, "holt_peer_state{").Count);
        Assert.Contains("holt_expected_peers{interface=\"wg0\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_expected_peers_up{interface=\"wg0\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"holt_peer_expected{{{laptop}}} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE holt_peer_sessions_total counter\n" + $"holt_peer_sessions_total{{{laptop}}} 2\n", text, StringComparison.Ordinal);
        Assert.Contains($"holt_peer_state_since_timestamp_seconds{{{laptop}}} {MetricsModel.Now.AddMinutes(-5).ToUnixTimeSeconds()}\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void HostGuardFirewallAndDrops_AreExposedInBaseUnits()
    {
        string text = Exposition.Write(MetricsModel.Snapshot(), []);

        Assert.Contains("holt_host_cpu_usage_ratio 0.125\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_host_memory_used_ratio 0.4\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_host_load15 0.125\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_state_disk_free_bytes 1073741824\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE holt_udp_receive_buffer_errors_total counter\nholt_udp_receive_buffer_errors_total 7\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_guard_running 1\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_guard_banned_addresses 3\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_guard_failures_total{jail=\"sshd\"} 12\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_guard_bans_total{jail=\"sshd\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_firewall_intact{interface=\"wg0\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_firewall_pending_confirmation{interface=\"wg0\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_firewall_exposures{interface=\"wg0\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_firewall_repairs_total{interface=\"wg0\"} 2\n", text, StringComparison.Ordinal);
        Assert.Equal(
            ["holt_firewall_dropped_packets_total{interface=\"wg0\",reason=\"policy\"} 120", "holt_firewall_dropped_packets_total{interface=\"wg0\",reason=\"rate_limit\",port=\"tcp/443\"} 5"],
            Lines(text, "holt_firewall_dropped_packets_total{"));
        Assert.Contains("holt_firewall_dropped_bytes_total{interface=\"wg0\",reason=\"policy\"} 7200\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_exposure_connections_total{interface=\"wg0\",port=\"tcp/8080\",peer=\"home\"} 42\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_engine_dropped_packets_total{interface=\"wg0\",reason=\"invalid_mac\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_engine_dropped_packets_total{interface=\"wg0\",reason=\"no_route\"} 0\n", text, StringComparison.Ordinal);
        Assert.Equal(Enum.GetValues<Holt.WireGuard.Device.DropReason>().Length, Lines(text, "holt_engine_dropped_packets_total{").Count);
        Assert.Equal([$"holt_peer_dropped_packets_total{{interface=\"wg0\",peer=\"laptop\",public_key=\"{Laptop}\",reason=\"replay\"}} 1"], Lines(text, "holt_peer_dropped_packets_total{"));
    }

    [Fact]
    public void TheDaemonsRunsConfigAndServices_AndTheInterfacesFlapsAndBytes_AreExposed()
    {
        var daemon = new DaemonView
        {
            StartedAt = MetricsModel.Now.AddHours(-1),
            Runs = new DaemonRuns(5, 2, true, MetricsModel.Now.AddHours(-1)),
            ConfigProblem = "/etc/holt/holt.toml:3: TOML syntax: oops",
            ConfigProblemSince = MetricsModel.Now.AddMinutes(-2),
            ConfigRefused = 3,
            ConfigAppliedAt = MetricsModel.Now.AddMinutes(-30),
            Services = [new ServiceState("gateway", true, 0, null), new ServiceState("guard", false, 4, MetricsModel.Now)],
        };
        MonitorStatus monitor = MetricsModel.Monitor() with { Link = new LinkView(true, 2, 123456, 654321, 10, 20) };

        string text = Exposition.Write(MetricsModel.Snapshot() with { Monitor = monitor, Daemon = daemon }, []);

        Assert.Contains($"holt_daemon_start_time_seconds {MetricsModel.Now.AddHours(-1).ToUnixTimeSeconds()}\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE holt_daemon_starts_total counter\nholt_daemon_starts_total 5\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_daemon_unclean_starts_total 2\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_config_valid 0\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_config_refused_total 3\n", text, StringComparison.Ordinal);
        Assert.Contains($"holt_config_last_applied_timestamp_seconds {MetricsModel.Now.AddMinutes(-30).ToUnixTimeSeconds()}\n", text, StringComparison.Ordinal);
        Assert.Equal(["holt_service_up{service=\"gateway\"} 1", "holt_service_up{service=\"guard\"} 0"], Lines(text, "holt_service_up{"));
        Assert.Contains("holt_service_restarts_total{service=\"guard\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_interface_up{interface=\"wg0\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_interface_flaps_total{interface=\"wg0\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_interface_received_bytes_total{interface=\"wg0\"} 123456\n", text, StringComparison.Ordinal);
        Assert.Contains("holt_interface_sent_bytes_total{interface=\"wg0\"} 654321\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("oops", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WhatCouldNotBeRead_IsAbsent_NotZero()
    {
        HoltStatus status = MetricsModel.Status() with
        {
            Guard = MetricsModel.Status().Guard! with { Running = null, Banned = null },
            Firewall = MetricsModel.Status().Firewall! with { Loaded = null, Intact = null, Counters = null },
        };

        string text = Exposition.Write(new MetricsSnapshot(status, Monitor: null, Drops: null), []);

        Assert.DoesNotContain("holt_guard_running", text, StringComparison.Ordinal);
        Assert.DoesNotContain("holt_guard_banned_addresses", text, StringComparison.Ordinal);
        Assert.DoesNotContain("holt_firewall_loaded", text, StringComparison.Ordinal);
        Assert.DoesNotContain("holt_firewall_intact", text, StringComparison.Ordinal);
        Assert.DoesNotContain("holt_firewall_dropped", text, StringComparison.Ordinal);
        Assert.DoesNotContain("holt_exposure_connections", text, StringComparison.Ordinal);
        Assert.DoesNotContain("holt_peer_state", text, StringComparison.Ordinal);
        Assert.DoesNotContain("holt_engine_dropped", text, StringComparison.Ordinal);
        Assert.Contains("wireguard_sent_bytes_total{", text, StringComparison.Ordinal);
    }

    [Fact]
    public void APeerNameWithQuotesAndBackslashes_IsEscapedInEveryFamily()
    {
        string text = Exposition.Write(MetricsModel.Snapshot(laptopName: "ann's \"work\" \\ laptop"), []);

        Assert.Contains("friendly_name=\"ann's \\\"work\\\" \\\\ laptop\"", text, StringComparison.Ordinal);
        Assert.Contains("peer=\"ann's \\\"work\\\" \\\\ laptop\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Sources_AddTheirFamiliesAfterHoltsOwn_AndCannotRepeatOne()
    {
        string text = Exposition.Write(MetricsModel.Snapshot(), [new Source("holt_check_up")]);

        Assert.EndsWith("# HELP holt_check_up A check\n# TYPE holt_check_up gauge\nholt_check_up{check=\"web\"} 1\n", text);
        _ = Assert.Throws<ArgumentException>(() => Exposition.Write(MetricsModel.Snapshot(), [new Source("holt_peer_state")]));
    }

    private static List<string> Lines(string text, string prefix) =>
        text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    private sealed class Source(string family) : IMetricSource
    {
        public void WriteTo(ExpositionWriter writer)
        {
            writer.Family(family, MetricType.Gauge, "A check");
            writer.Sample(1UL, new Label("check", "web"));
        }
    }
}
