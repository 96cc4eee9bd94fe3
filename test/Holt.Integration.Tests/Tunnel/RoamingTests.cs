using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Tunnel;

/// <summary>
/// Scenario 3: the first side moves to a new underlay address and a new listen port, then to IPv6 and another
/// port; the second side's endpoint for it follows the authenticated packets, and its replies reach the new place.
/// </summary>
public sealed class RoamingTests(ITestOutputHelper output)
{
    [RootTheory]
    [Pairs]
    public Task Endpoint_FollowsPeer_ToNewAddressAndPort(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(first, second);
            await Traffic.AssertPingsAsync(a, b.TunnelV4);
            Assert.Equal(a.Endpoint(Underlay.IPv4), (await b.PeerAsync(a)).Endpoint);

            // Move a: the old address goes away (a sender that sticks to it must fall over to the new one), and a
            // listens on a new port.
            string moved = "10.0.0.101";
            await a.Namespace.IpAsync("addr", "del", $"{a.UnderlayV4}/24", "dev", "ul");
            await a.Namespace.IpAsync("addr", "add", $"{moved}/24", "dev", "ul");
            a.UnderlayV4 = moved;
            a.ListenPort = 10101;
            await a.WgAsync("set", a.Interface, "listen-port", a.ListenPort.ToString());
            lab.Log($"a moved to {a.Endpoint(Underlay.IPv4)}");

            await Traffic.AssertPingsAsync(a, b.TunnelV4);
            Assert.Equal(a.Endpoint(Underlay.IPv4), (await b.PeerAsync(a)).Endpoint);
            await Traffic.AssertPingsAsync(b, a.TunnelV4);

            // Now over IPv6, from yet another port.
            a.ListenPort = 10201;
            await a.WgAsync("set", a.Interface, "listen-port", a.ListenPort.ToString(), "peer", b.Keys.PublicKey, "endpoint", b.Endpoint(Underlay.IPv6));
            lab.Log($"a moved to {a.Endpoint(Underlay.IPv6)}");

            await Traffic.AssertPingsAsync(a, b.TunnelV6);
            Assert.Equal(a.Endpoint(Underlay.IPv6), (await b.PeerAsync(a)).Endpoint);
            await Traffic.AssertPingsAsync(b, a.TunnelV6);
        });
}
