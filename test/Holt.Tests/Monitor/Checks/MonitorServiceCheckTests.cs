using System.Net;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Monitor;
using Holt.Monitor.Checks;
using Holt.Tests.Gateway;
using Holt.Tests.Support;
using Holt.Tests.Uapi.Support;
using Holt.Uapi;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Monitor.Checks;

/// <summary>The monitor service runs the checks of its settings and publishes each one's latest result with its peer's handshake.</summary>
public sealed class MonitorServiceCheckTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
    private readonly List<MonitorStatus> _published = [];
    private readonly FakeExecutor _executor = new();
    private DeviceStatus? _device;

    [Fact]
    public void TheChecks_RunAndArePublished_WithTheirPeersHandshake()
    {
        Handshake();
        _executor.Outcome = c => c.Name == "web" ? CheckResult.Failed(_time.GetUtcNow(), "HTTP 502, not 2xx or 3xx") : new CheckResult { Ok = true, At = _time.GetUtcNow() };
        MonitorService service = Start(Settings(enabled: true));

        // A round every 5 s publishes whatever results there are by then.
        Wait.Until(
            () =>
            {
                _time.Advance(TimeSpan.FromSeconds(5));
                Handshake();
                return _published[^1].Checks.All(c => c.Ok is not null);
            },
            "both results are published");
        service.Stop();

        IReadOnlyList<CheckView> checks = _published[^1].Checks;
        Assert.Equal(["web", "ssh"], checks.Select(c => c.Name));
        Assert.Equal((false, "home", true), (checks[0].Ok, checks[0].Peer, checks[0].PeerHandshaking));
        Assert.Equal("HTTP 502, not 2xx or 3xx (the tunnel to home is up: the service itself fails)", checks[0].Summary);
        Assert.Equal((true, "phone", false), (checks[1].Ok, checks[1].Peer, checks[1].PeerHandshaking));
        Assert.Equal(("http", "http://10.8.0.2/"), (checks[0].Type, checks[0].Target));
    }

    [Fact]
    public void ADisabledMonitor_RunsNoCheck()
    {
        MonitorService service = Start(Settings(enabled: false));
        _time.Advance(TimeSpan.FromMinutes(1));
        Thread.Sleep(50);
        service.Stop();

        Assert.Equal(0, _executor.Calls("web"));
    }

    [Fact]
    public void AReloadWithoutChecks_StopsThem()
    {
        MonitorService service = Start(Settings(enabled: true));
        Wait.Until(() => _executor.Calls("web") == 1, "the check ran");

        MonitorSettings none = Settings(enabled: true) with { Monitor = new MonitorConfig() };
        service.Reload(none);
        _time.Advance(TimeSpan.FromMinutes(1));
        Thread.Sleep(50);
        service.Stop();

        Assert.Equal(1, _executor.Calls("web"));
        Assert.Empty(_published[^1].Checks);
    }

    /// <summary>Home handshakes now; the phone is not on the interface.</summary>
    private void Handshake() =>
        _device = new DeviceStatus(51820, 0, null, [new PeerStatus(TestKeys.LaptopPublic, null, null, _time.GetUtcNow(), 1, 1, 25, ["10.8.0.2/32"])]);

    private MonitorService Start(MonitorSettings settings)
    {
        var service = new MonitorService(() => _device, new Board(_published), checkExecutor: _executor);
        service.Start(settings, new ServiceContext(service.Name, _time, new RecordingLogger(), (_, e) => throw e));
        return service;
    }

    private static MonitorSettings Settings(bool enabled) => MonitorSettings.Of(
        new GatewayConfig
        {
            Interface = "hmon0",
            PrivateKey = TestKeys.GatewayPrivate,
            Endpoint = "vpn.example.com",
            Subnet = IPNetwork.Parse("10.8.0.0/24"),
            Address = IPAddress.Parse("10.8.0.1"),
            Peers =
            [
                new PeerConfig { Name = "home", PublicKey = TestKeys.LaptopPublic, Address = IPAddress.Parse("10.8.0.2") },
                new PeerConfig { Name = "phone", PublicKey = TestKeys.PhonePublic, Address = IPAddress.Parse("10.8.0.3") },
            ],
        },
        new MonitorConfig
        {
            Enabled = enabled,
            Checks =
            [
                new CheckConfig { Name = "web", Type = CheckType.Http, Target = "http://10.8.0.2/" },
                new CheckConfig { Name = "ssh", Type = CheckType.Tcp, Target = "10.8.0.3:22" },
            ],
        });

    private sealed class Board(List<MonitorStatus> published) : IStatusBoard
    {
        public void Publish(MonitorStatus status)
        {
            lock (published)
            {
                published.Add(status);
            }
        }

        public void Withdraw(string interfaceName)
        {
        }
    }
}
