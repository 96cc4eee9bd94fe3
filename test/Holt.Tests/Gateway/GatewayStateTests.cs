using Holt.Gateway;
using Holt.Uapi;
using Holt.Config;
using Holt.Tests.Support;

namespace Holt.Tests.Gateway;

/// <summary>Traffic totals that only ever grow, whatever the interface's own counters do.</summary>
public sealed class GatewayStateTests
{
    private static readonly DateTimeOffset s_handshake = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Sample_GrowingCounters_AddTheGrowth()
    {
        var state = new GatewayState();

        Assert.True(state.Sample(Device(Peer(TestKeys.LaptopPublic, 100, 50))));
        Assert.True(state.Sample(Device(Peer(TestKeys.LaptopPublic, 300, 80))));

        PeerTraffic traffic = state.Peers[TestKeys.LaptopPublic];
        Assert.Equal(300UL, traffic.RxTotal);
        Assert.Equal(80UL, traffic.TxTotal);
        Assert.Equal(300UL, traffic.DeviceRx);
        Assert.Equal(80UL, traffic.DeviceTx);
    }

    [Fact]
    public void Sample_SameCounters_ChangesNothing()
    {
        var state = new GatewayState();
        state.Sample(Device(Peer(TestKeys.LaptopPublic, 100, 50)));

        Assert.False(state.Sample(Device(Peer(TestKeys.LaptopPublic, 100, 50))));
        Assert.Equal(100UL, state.Peers[TestKeys.LaptopPublic].RxTotal);
    }

    [Fact]
    public void Sample_CounterReset_CountsAllOfTheNewValue()
    {
        var state = new GatewayState();
        state.Sample(Device(Peer(TestKeys.LaptopPublic, 1000, 2000)));

        // The peer was recreated behind the state's back (say, wg set by hand): its counters restarted.
        state.Sample(Device(Peer(TestKeys.LaptopPublic, 40, 2000)));

        PeerTraffic traffic = state.Peers[TestKeys.LaptopPublic];
        Assert.Equal(1040UL, traffic.RxTotal);
        Assert.Equal(2000UL, traffic.TxTotal);
        Assert.Equal(40UL, traffic.DeviceRx);
    }

    [Fact]
    public void Recreated_ThenSample_CountsFromZero()
    {
        var state = new GatewayState();
        state.Sample(Device(Peer(TestKeys.LaptopPublic, 500, 600)));

        state.Recreated(TestKeys.LaptopPublic);
        state.Sample(Device(Peer(TestKeys.LaptopPublic, 700, 10)));

        PeerTraffic traffic = state.Peers[TestKeys.LaptopPublic];
        Assert.Equal(1200UL, traffic.RxTotal);
        Assert.Equal(610UL, traffic.TxTotal);
    }

    [Fact]
    public void Recreated_UnknownPeer_StartsItsTotalsAtZero()
    {
        var state = new GatewayState();

        state.Recreated(TestKeys.PhonePublic);

        Assert.Equal(0UL, state.Peers[TestKeys.PhonePublic].RxTotal);
        Assert.Equal(0UL, state.Peers[TestKeys.PhonePublic].DeviceRx);
    }

    [Fact]
    public void Sample_KeepsTheLatestHandshakeAndEndpoint()
    {
        var state = new GatewayState();
        state.Sample(Device(Peer(TestKeys.LaptopPublic, 0, 0, s_handshake, "203.0.113.9:1000")));

        bool older = state.Sample(Device(Peer(TestKeys.LaptopPublic, 0, 0, s_handshake.AddMinutes(-5), "203.0.113.9:1000")));
        bool none = state.Sample(Device(Peer(TestKeys.LaptopPublic, 0, 0, null, null)));
        PeerTraffic kept = state.Peers[TestKeys.LaptopPublic];
        Assert.False(older);
        Assert.False(none);
        Assert.Equal(s_handshake, kept.LastHandshake);
        Assert.Equal("203.0.113.9:1000", kept.LastEndpoint);

        Assert.True(state.Sample(Device(Peer(TestKeys.LaptopPublic, 0, 0, s_handshake.AddMinutes(2), "[2001:db8::9]:2000"))));
        Assert.Equal(s_handshake.AddMinutes(2), kept.LastHandshake);
        Assert.Equal("[2001:db8::9]:2000", kept.LastEndpoint);
    }

    [Fact]
    public void Sample_SeveralPeers_AreCountedApart()
    {
        var state = new GatewayState();

        state.Sample(Device(Peer(TestKeys.LaptopPublic, 10, 20), Peer(TestKeys.PhonePublic, 30, 40)));
        state.Sample(Device(Peer(TestKeys.LaptopPublic, 15, 20), Peer(TestKeys.PhonePublic, 5, 45)));

        Assert.Equal((15UL, 20UL), (state.Peers[TestKeys.LaptopPublic].RxTotal, state.Peers[TestKeys.LaptopPublic].TxTotal));
        Assert.Equal((35UL, 45UL), (state.Peers[TestKeys.PhonePublic].RxTotal, state.Peers[TestKeys.PhonePublic].TxTotal));
    }

    [Fact]
    public void Prune_ForgetsPeersNoLongerConfigured()
    {
        var state = new GatewayState();
        state.Sample(Device(Peer(TestKeys.LaptopPublic, 10, 20), Peer(TestKeys.PhonePublic, 30, 40)));

        state.Prune([TestKeys.PhonePublic, TestKeys.ImportedPublic]);

        Assert.Equal([TestKeys.PhonePublic], state.Peers.Keys);
        Assert.Equal(30UL, state.Peers[TestKeys.PhonePublic].RxTotal);
    }

    [Fact]
    public void PeerView_AddsWhatTheInterfaceCountedSinceTheLastSample()
    {
        GatewayConfig config = TestConfig.ReadGateway(GatewayConfigRoundTripTests.Canonical);
        var state = new GatewayState();
        state.Sample(Device(Peer(TestKeys.LaptopPublic, 100, 200, s_handshake, "203.0.113.9:1000")));
        DateTimeOffset now = new(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);

        IReadOnlyList<PeerView> running = PeerView.Build(config, state, Device(Peer(TestKeys.LaptopPublic, 150, 260)), now);
        IReadOnlyList<PeerView> stopped = PeerView.Build(config, state, null, now);

        Assert.Equal(150UL, running[0].RxBytes);
        Assert.Equal(260UL, running[0].TxBytes);
        Assert.True(running[0].Active);
        Assert.False(running[1].Active);
        Assert.Equal(100UL, stopped[0].RxBytes);
        Assert.Equal(s_handshake, stopped[0].LatestHandshake);
        Assert.Equal("203.0.113.9:1000", stopped[0].Endpoint);
        Assert.True(stopped[0].Expired);
        Assert.False(stopped[0].Enabled);
        Assert.Equal(0UL, stopped[1].RxBytes);
        Assert.Null(stopped[1].Endpoint);
    }

    private static PeerStatus Peer(string key, ulong rx, ulong tx, DateTimeOffset? handshake = null, string? endpoint = null) =>
        new(key, null, endpoint, handshake, rx, tx, 0, []);

    private static DeviceStatus Device(params PeerStatus[] peers) => new(51820, 0, TestKeys.GatewayPublic, peers);
}
