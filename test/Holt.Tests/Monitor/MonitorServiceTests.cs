using System.Net;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Monitor;
using Holt.Tests.Gateway;
using Holt.Tests.Uapi.Support;
using Holt.Uapi;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Monitor;

/// <summary>The monitor service in virtual time, against an interface it samples through a delegate.</summary>
public sealed class MonitorServiceTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogger _logger = new();
    private readonly Board _board = new();
    private readonly List<Exception> _faults = [];
    private DeviceStatus? _device;

    [Fact]
    public void EveryInterval_EachPeerIsJudged_AndTheStatusIsPublished()
    {
        DateTimeOffset start = _time.GetUtcNow();
        SetDevice(Live(TestKeys.LaptopPublic, start, 100));
        var service = new MonitorService(() => _device, _board);

        service.Start(Settings(), Context(service));
        MonitorStatus first = _board.Published[^1];
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(2, _board.Published.Count);
        Assert.Equal("hmon0", first.Interface);
        Assert.Equal(["up", "never", "disabled"], first.Peers.Select(p => p.State));
        Assert.Equal(["home", "phone", "old"], first.Peers.Select(p => p.Name));
        Assert.Equal((1, 1), (first.ExpectedUp, first.ExpectedTotal));
        Assert.Equal(start, first.SampledAt);
        Assert.Equal("198.51.100.7:51820", first.Peers[0].Endpoint);
        Assert.Empty(_faults);
    }

    [Fact]
    public void AKeepalivePeerThatGoesSilent_IsLoggedStaleThenDown_OnceEach()
    {
        DateTimeOffset start = _time.GetUtcNow();
        SetDevice(Live(TestKeys.LaptopPublic, start, 100));
        var service = new MonitorService(() => _device, _board);
        service.Start(Settings(), Context(service));

        // No handshake after the first: 5 minutes of rounds.
        for (int i = 0; i < 60; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.Equal(
            [
                "Warning: monitor: peer home went from up to stale: last handshake 165 s ago; with keepalive every 25 s it handshakes at least every 160 s",
                "Warning: monitor: peer home went from stale to down: last handshake 255 s ago, past every retry; with keepalive every 25 s it handshakes at least every 160 s",
            ],
            _logger.Lines.Where(l => l.Contains("monitor:", StringComparison.Ordinal)));
        MonitorStatus last = _board.Published[^1];
        Assert.Equal("down", last.Peers[0].State);
        Assert.Equal(start.AddSeconds(255), last.Peers[0].Since);
        Assert.Equal((0, 1), (last.ExpectedUp, last.ExpectedTotal));
    }

    [Fact]
    public void AnExpectedPeerDown_FiresOneAlertAfterTwoMinutes_AndResolvesOnceAfterFiveMinutesBack()
    {
        DateTimeOffset start = _time.GetUtcNow();
        SetDevice(Live(TestKeys.LaptopPublic, start, 100));
        var sent = new List<AlertMessage>();
        var service = new MonitorService(() => _device, _board, alerts: new AlertWiring(GatewayName: "gw", Send: sent.Add));
        service.Start(Settings(), Context(service));

        // Silent from the start: down at 255 s, the alert fires two minutes later.
        for (int i = 0; i < 100; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.Equal("firing", _board.Published[^1].Peers[0].Alert);

        // Back, and handshaking as it should: resolving, then resolved after five minutes.
        for (int i = 0; i < 70; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            SetDevice(Live(TestKeys.LaptopPublic, _time.GetUtcNow(), 100));
        }

        List<string> alerts = [.. _logger.Lines.Where(l => l.Contains("monitor: alert", StringComparison.Ordinal))];
        Assert.Equal(2, alerts.Count);
        Assert.Equal("Error: monitor: alert firing: expected peer home is down: last handshake 375 s ago, past every retry; with keepalive every 25 s it handshakes at least every 160 s", alerts[0]);
        Assert.Equal("Warning: monitor: alert resolved: expected peer home is down; now: handshake 5 s ago", alerts[1]);
        Assert.Null(_board.Published[^1].Peers[0].Alert);
        Assert.Equal([false, true], sent.Select(m => m.Resolved));
        Assert.All(sent, m => Assert.Equal("peer_down:" + TestKeys.LaptopPublic, m.Key));
        Assert.Empty(_board.Published[^1].Alerts);

        // The phone is not expected and never seen, the old peer is disabled: neither raises anything.
        Assert.All(_board.Published, status => Assert.Null(status.Peers[1].Alert));
        Assert.All(_board.Published, status => Assert.Null(status.Peers[2].Alert));
    }

    [Fact]
    public void Reload_TakesTheNewPeers_AndForgetsRemovedOnes_AndStopWithdraws()
    {
        DateTimeOffset start = _time.GetUtcNow();
        SetDevice(Live(TestKeys.LaptopPublic, start, 100));
        var service = new MonitorService(() => _device, _board);
        MonitorSettings settings = Settings();
        service.Start(settings, Context(service));

        service.Reload(settings with { Peers = [settings.Peers![1]] });

        Assert.Equal(["phone"], _board.Published[^1].Peers.Select(p => p.Name));
        service.Stop();
        Assert.Equal(["hmon0"], _board.Withdrawn);
        int published = _board.Published.Count;
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(published, _board.Published.Count);
    }

    [Fact]
    public void Disabled_PublishesNothing_AndWithdrawsWhatWasThere()
    {
        SetDevice(Live(TestKeys.LaptopPublic, _time.GetUtcNow(), 100));
        var service = new MonitorService(() => _device, _board);
        MonitorSettings settings = Settings();
        service.Start(settings, Context(service));

        service.Reload(settings with { Monitor = new MonitorConfig { Enabled = false } });
        int published = _board.Published.Count;
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(published, _board.Published.Count);
        Assert.Equal(["hmon0", "hmon0", "hmon0", "hmon0", "hmon0", "hmon0", "hmon0"], _board.Withdrawn);
    }

    [Fact]
    public void AForeignInterface_IsWatchedAsItIs_EachPeerHeldToTheKeepaliveThisSideSends()
    {
        DateTimeOffset start = _time.GetUtcNow();
        SetDevice(
            Live(TestKeys.LaptopPublic, start, 100) with { PersistentKeepalive = 25 },
            Live(TestKeys.PhonePublic, start, 100));
        var service = new MonitorService(() => _device, _board);
        service.Start(new MonitorSettings("wg7", null, MonitorConfig.Default), Context(service));

        for (int i = 0; i < 37; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        MonitorStatus status = _board.Published[^1];
        Assert.Equal("wg7", status.Interface);
        Assert.Equal([TestKeys.LaptopPublic[..8], TestKeys.PhonePublic[..8]], status.Peers.Select(p => p.Name));
        Assert.Equal(["stale", "idle"], status.Peers.Select(p => p.State));

        // A peer that leaves the interface leaves the status.
        SetDevice(Live(TestKeys.PhonePublic, start, 100));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([TestKeys.PhonePublic[..8]], _board.Published[^1].Peers.Select(p => p.Name));
    }

    [Fact]
    public void ABoardThatCannotBeWritten_IsSaidOnce_AndTheMonitorGoesOn()
    {
        SetDevice(Live(TestKeys.LaptopPublic, _time.GetUtcNow(), 100));
        _board.Failure = new IOException("No space left on device");
        var service = new MonitorService(() => _device, _board);

        service.Start(Settings(), Context(service));
        _time.Advance(TimeSpan.FromSeconds(50));

        Assert.Single(_logger.Lines, l => l.Contains("No space left on device", StringComparison.Ordinal));
        Assert.Empty(_faults);
    }

    [Fact]
    public void AfterARestart_APeerIdleSinceBefore_IsIdle_NotNeverSeen_AndRaisesNothing()
    {
        // The new engine has seen no handshake; the gateway's saved state had one ten minutes ago.
        DateTimeOffset start = _time.GetUtcNow();
        SetDevice(new PeerStatus(TestKeys.LaptopPublic, null, null, null, 0, 0, 0, ["10.8.0.2/32"]));
        var sent = new List<AlertMessage>();
        var service = new MonitorService(
            () => _device, _board, alerts: new AlertWiring(Send: sent.Add),
            knownHandshakes: () => new Dictionary<string, DateTimeOffset> { [TestKeys.LaptopPublic] = start.AddMinutes(-10) });
        MonitorSettings settings = Settings() with
        {
            Peers = [new PeerConfig { Name = "home", PublicKey = TestKeys.LaptopPublic, Address = IPAddress.Parse("10.8.0.2"), Expected = true, Keepalive = 0 }],
        };

        service.Start(settings, Context(service));
        for (int i = 0; i < 60; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        MonitoredPeer home = _board.Published[^1].Peers[0];
        Assert.Equal("idle", home.State);
        Assert.Empty(sent);
        Assert.Empty(_board.Published[^1].Alerts);

        // Without what the state remembers, the same peer reads as never seen, and an expected one fires.
        var forgetful = new MonitorService(() => _device, new Board(), alerts: new AlertWiring(Send: sent.Add));
        forgetful.Start(settings, Context(forgetful));
        for (int i = 0; i < 60; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.Equal("peer_down", Assert.Single(sent).Rule);
    }

    private static MonitorSettings Settings() => MonitorSettings.Of(
        new GatewayConfig
        {
            Interface = "hmon0",
            PrivateKey = TestKeys.GatewayPrivate,
            Endpoint = "vpn.example.com",
            Subnet = IPNetwork.Parse("10.8.0.0/24"),
            Address = IPAddress.Parse("10.8.0.1"),
            Peers =
            [
                new PeerConfig { Name = "home", PublicKey = TestKeys.LaptopPublic, Address = IPAddress.Parse("10.8.0.2"), Expected = true },
                new PeerConfig { Name = "phone", PublicKey = TestKeys.PhonePublic, Address = IPAddress.Parse("10.8.0.3") },
                new PeerConfig { Name = "old", PublicKey = TestKeys.ImportedPublic, Address = IPAddress.Parse("10.8.0.4"), Enabled = false, Expected = true },
            ],
        },
        MonitorConfig.Default);

    private ServiceContext Context(MonitorService service) =>
        new(service.Name, _time, _logger, (_, e) => _faults.Add(e));

    private void SetDevice(params PeerStatus[] peers) => _device = new DeviceStatus(51820, 0, null, peers);

    private static PeerStatus Live(string key, DateTimeOffset handshake, ulong bytes) =>
        new(key, null, "198.51.100.7:51820", handshake, bytes, bytes, 0, ["10.8.0.2/32"]);

    private sealed class Board : IStatusBoard
    {
        public List<MonitorStatus> Published { get; } = [];

        public List<string> Withdrawn { get; } = [];

        public IOException? Failure { get; set; }

        public void Publish(MonitorStatus status)
        {
            if (Failure is not null)
            {
                throw Failure;
            }

            Published.Add(status);
        }

        public void Withdraw(string interfaceName) => Withdrawn.Add(interfaceName);
    }
}
