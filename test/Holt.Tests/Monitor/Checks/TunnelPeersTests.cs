using System.Net;
using Holt.Gateway;
using Holt.Monitor.Checks;
using Holt.Tests.Gateway;
using Holt.Uapi;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Monitor.Checks;

/// <summary>Which peer a check's target sits behind, and whether that peer handshakes, read from the interface.</summary>
public sealed class TunnelPeersTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
    private readonly List<PeerConfig> _peers =
    [
        new() { Name = "home", PublicKey = TestKeys.LaptopPublic, Address = IPAddress.Parse("10.8.0.2"), Address6 = IPAddress.Parse("fd00::2") },
        new() { Name = "phone", PublicKey = TestKeys.PhonePublic, Address = IPAddress.Parse("10.8.0.3") },
    ];

    private DeviceStatus? _device;
    private int _samples;

    private TunnelPeers Tunnel(bool configured = true)
    {
        var tunnel = new TunnelPeers(
            () =>
            {
                _samples++;
                return _device;
            },
            _time);
        tunnel.Update(configured ? _peers : null);
        return tunnel;
    }

    private static CheckConfig Check(CheckType type, string target, string? peer = null) =>
        new() { Name = "c", Type = type, Target = target, Peer = peer };

    [Theory]
    [InlineData("icmp", "10.8.0.2", "home")]
    [InlineData("tcp", "[fd00::2]:22", "home")]
    [InlineData("http", "http://10.8.0.3:8080/", "phone")]
    [InlineData("https", "https://[fd00::2]/", "home")]
    [InlineData("dns", "10.8.0.3", "phone")]
    [InlineData("dns", "10.8.0.3:5353", "phone")]
    [InlineData("icmp", "10.8.0.9", null)]
    [InlineData("http", "http://nas.home.arpa/", null)]
    public void TheTargetsPeer_IsFoundByItsAddress(string type, string target, string? peer) =>
        Assert.Equal(peer, Tunnel().PeerOf(Check(Enum.Parse<CheckType>(type, ignoreCase: true), target)));

    [Fact]
    public void ANamedPeer_IsTakenAsWritten() => Assert.Equal("phone", Tunnel().PeerOf(Check(CheckType.Http, "http://nas.home.arpa/", "phone")));

    [Fact]
    public void Handshaking_MeansASessionNoOlderThanRejectAfterTime()
    {
        DateTimeOffset now = _time.GetUtcNow();
        _device = Device(Peer(TestKeys.LaptopPublic, now.AddSeconds(-180)), Peer(TestKeys.PhonePublic, now.AddSeconds(-181)));
        TunnelPeers tunnel = Tunnel();

        Assert.True(tunnel.IsHandshaking("home"));
        Assert.False(tunnel.IsHandshaking("phone"));
        Assert.Null(tunnel.IsHandshaking("office"));
    }

    [Fact]
    public void APeerOffTheInterface_OrNoInterface_IsNotHandshaking()
    {
        TunnelPeers tunnel = Tunnel();
        _device = Device(Peer(TestKeys.LaptopPublic, null));

        Assert.False(tunnel.IsHandshaking("home"));
        Assert.False(tunnel.IsHandshaking("phone"));

        _device = null;
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(tunnel.IsHandshaking("home"));
    }

    [Fact]
    public void TheInterface_IsReadAtMostOnceASecond()
    {
        _device = Device(Peer(TestKeys.LaptopPublic, _time.GetUtcNow()));
        TunnelPeers tunnel = Tunnel();

        for (int i = 0; i < 5; i++)
        {
            _ = tunnel.IsHandshaking("home");
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        _ = tunnel.IsHandshaking("home");

        Assert.Equal(2, _samples);
    }

    [Fact]
    public void AForeignInterface_NamesPeersByTheirKey_AndFindsThemByAllowedIps()
    {
        _device = Device(Peer(TestKeys.LaptopPublic, _time.GetUtcNow(), "192.168.50.0/24"));
        TunnelPeers tunnel = Tunnel(configured: false);

        string? peer = tunnel.PeerOf(Check(CheckType.Icmp, "192.168.50.7"));

        Assert.Equal(TestKeys.LaptopPublic[..8], peer);
        Assert.True(tunnel.IsHandshaking(peer!));
        Assert.Null(tunnel.PeerOf(Check(CheckType.Icmp, "192.168.51.7")));
    }

    private static DeviceStatus Device(params PeerStatus[] peers) => new(51820, 0, null, peers);

    private static PeerStatus Peer(string key, DateTimeOffset? handshake, string allowed = "10.8.0.2/32") =>
        new(key, null, null, handshake, 0, 0, 0, [allowed]);
}
