using Holt.Firewall;
using Holt.Gateway;
using Holt.Guard;
using Holt.Metrics;
using Holt.Monitor;
using Holt.Nft;
using Holt.Status;
using Holt.Tests.Gateway;
using Holt.Tunnel;
using Holt.WireGuard.Device;

namespace Holt.Tests.Metrics;

/// <summary>A small gateway as the status and monitor models describe it, for the exposition tests.</summary>
internal static class MetricsModel
{
    public static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The laptop handshook 30 s ago; the phone never did; "old" is disabled (not on the interface).</summary>
    public static MetricsSnapshot Snapshot(string laptopName = "laptop") => new(Status(laptopName), Monitor(laptopName), Drops());

    public static HoltStatus Status(string laptopName = "laptop") => new()
    {
        Config = "/etc/holt/holt.toml",
        Interfaces =
        [
            new InterfaceView
            {
                Name = "wg0",
                Role = "gateway",
                Running = true,
                Peers =
                [
                    Peer(laptopName, TestKeys.LaptopPublic, "10.8.0.2", "fd00::2", active: true, handshake: Now.AddSeconds(-30), rx: 1000, tx: 2000),
                    Peer("phone", TestKeys.PhonePublic, "10.8.0.3", null, active: true, handshake: null, rx: 0, tx: 148),
                    Peer("old", TestKeys.ImportedPublic, "10.8.0.4", null, active: false, handshake: Now.AddDays(-3), rx: 5, tx: 6),
                ],
            },
        ],
        Firewall = new FirewallView
        {
            Enabled = true,
            Table = "holt-wg0",
            Loaded = true,
            Intact = true,
            SshPorts = [22],
            Exposures = 1,
            Repairs = new Repairs { Count = 2, Last = Now.AddMinutes(-10), Reason = "table inet holt-wg0 was removed" },
            Counters = new FirewallCounters(
                [new DropCount("policy", null, 120, 7200), new DropCount("rate_limit", "tcp/443", 5, 300)],
                [new ExposureCount("tcp/8080", "home", 42)]),
        },
        Guard = new GuardView
        {
            Running = true,
            Banned = 3,
            Jails = [new JailStatus("sshd", "sshd", ["journal"], 12, 3)],
            Repairs = new Repairs(),
        },
    };

    public static MonitorStatus Monitor(string laptopName = "laptop") => new()
    {
        Interface = "wg0",
        SampledAt = Now,
        Interval = TimeSpan.FromSeconds(5),
        Peers =
        [
            new MonitoredPeer { Name = laptopName, PublicKey = TestKeys.LaptopPublic, Expected = true, State = "up", Why = "handshake 30 s ago", Since = Now.AddMinutes(-5), SessionsStarted = 2 },
            new MonitoredPeer { Name = "phone", PublicKey = TestKeys.PhonePublic, Expected = false, State = "never", Why = "never handshaked", Since = Now.AddHours(-1) },
            new MonitoredPeer { Name = "old", PublicKey = TestKeys.ImportedPublic, Expected = true, State = "disabled", Why = "disabled in holt.toml", Since = Now.AddHours(-1) },
        ],
        Host = new HostView { CpuPercent = 12.5, MemoryUsedPercent = 40, Load1 = 0.5, Load5 = 0.25, Load15 = 0.125, StateDiskFreePercent = 75, StateDiskFreeBytes = 1 << 30, UdpReceiveBufferErrors = 7 },
        Checks =
        [
            new Holt.Monitor.Checks.CheckView { Name = "web", Type = "http", Target = "http://10.8.0.2/", Peer = laptopName, Ok = false, LatencyMs = 12, PeerHandshaking = true, HttpStatus = 502 },
            new Holt.Monitor.Checks.CheckView { Name = "ping", Type = "icmp", Target = "10.8.0.2", Peer = laptopName, Ok = true, LatencyMs = 1.5, PeerHandshaking = true, LossPercent = 25, JitterMs = 0.5 },
            new Holt.Monitor.Checks.CheckView { Name = "later", Type = "tcp", Target = "10.8.0.3:22" },
        ],
        Alerts =
        [
            new ActiveAlert { Key = "check_failing:web", Rule = "check_failing", Severity = AlertSeverity.Critical, Summary = "check web fails", Description = "HTTP 502", Phase = "firing", Since = Now.AddMinutes(-1) },
        ],
    };

    public static EngineDrops Drops() => new(
        new Dictionary<DropReason, long> { [DropReason.InvalidMac] = 4 },
        new Dictionary<string, IReadOnlyDictionary<DropReason, long>> { [TestKeys.LaptopPublic] = new Dictionary<DropReason, long> { [DropReason.Replay] = 1 } });

    private static PeerView Peer(string name, string key, string address, string? address6, bool active, DateTimeOffset? handshake, ulong rx, ulong tx) => new()
    {
        Name = name,
        PublicKey = key,
        Address = address,
        Address6 = address6,
        Enabled = active,
        Expired = false,
        ClientToClient = false,
        Expected = false,
        Active = active,
        LatestHandshake = handshake,
        RxBytes = rx,
        TxBytes = tx,
    };
}
