using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Tunnel;

/// <summary>
/// Scenarios 1 and 9: traffic through a pair over an IPv4 and an IPv6 underlay, with exact byte counters. The
/// first side initiates: it alone knows the other's endpoint, and the second must learn it from the handshake.
/// </summary>
public sealed class BasicTrafficTests(ITestOutputHelper output)
{
    private const int PingsV4 = 10;
    private const int PingsV6 = 5;

    [RootTheory]
    [Pairs]
    public Task Ping_And_Iperf_OverIPv4_CountExactBytes(Implementation first, Implementation second) =>
        Lab.RunAsync(output, lab => RunAsync(lab, first, second, Underlay.IPv4));

    [RootTheory]
    [Pairs]
    public Task Ping_And_Iperf_OverIPv6_CountExactBytes(Implementation first, Implementation second) =>
        Lab.RunAsync(output, lab => RunAsync(lab, first, second, Underlay.IPv6));

    private static async Task RunAsync(Lab lab, Implementation first, Implementation second, Underlay underlay)
    {
        (Host a, Host b) = await lab.CreatePairAsync(first, second, underlay);

        await Traffic.AssertPingsAsync(a, b.TunnelV4, PingsV4);
        await Traffic.AssertPingsAsync(a, b.TunnelV6, PingsV6);

        // Read at once: a side that received data and sent nothing for 10 s (Keepalive-Timeout) would add a keepalive.
        WgPeer bOnA = await a.PeerAsync(b);
        WgPeer aOnB = await b.PeerAsync(a);
        lab.Log($"counters: a sent {bOnA.TxBytes}, received {bOnA.RxBytes}; b sent {aOnB.TxBytes}, received {aOnB.RxBytes}");

        // One handshake, started by a: the initiation out, the response back, then the echoes each way.
        long echoes = (PingsV4 * WireSize.PingV4) + (PingsV6 * WireSize.PingV6);
        long aSends = WireSize.HandshakeInitiation + echoes;
        long bSends = WireSize.HandshakeResponse + echoes;
        Assert.True(
            bOnA.TxBytes == aSends && bOnA.RxBytes == bSends && aOnB.RxBytes == aSends && aOnB.TxBytes == bSends,
            $"Transfer counters after {PingsV4} IPv4 and {PingsV6} IPv6 pings (one handshake initiated by {a}): expected " +
            $"a tx {aSends} rx {bSends}, b tx {bSends} rx {aSends}; got a tx {bOnA.TxBytes} rx {bOnA.RxBytes}, " +
            $"b tx {aOnB.TxBytes} rx {aOnB.RxBytes}. Sizes: initiation {WireSize.HandshakeInitiation}, response " +
            $"{WireSize.HandshakeResponse}, echo {WireSize.PingV4} (IPv4) / {WireSize.PingV6} (IPv6), keepalive {WireSize.Keepalive}.");

        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.True(Math.Abs(bOnA.LatestHandshake - now) < 120, $"{a}'s latest handshake with b is {bOnA.LatestHandshake}, expected about {now}.");
        Assert.True(Math.Abs(aOnB.LatestHandshake - now) < 120, $"{b}'s latest handshake with a is {aOnB.LatestHandshake}, expected about {now}.");

        // The responder learned where a is from the handshake.
        Assert.Equal(a.Endpoint(underlay), aOnB.Endpoint);

        await Traffic.IperfAsync(a, b, b.TunnelV4, udp: false);
        await Traffic.IperfAsync(b, a, a.TunnelV6, udp: true);
    }
}
