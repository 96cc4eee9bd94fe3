using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Tunnel;

/// <summary>
/// Scenario 4: the first side sits behind a masquerading router whose conntrack forgets an idle UDP mapping after
/// 2 s. A persistent keepalive every second keeps the mapping, so the second side can still reach it; without the
/// keepalive the same mapping expires, which shows the timeout really bites.
/// </summary>
public sealed class NatTests(ITestOutputHelper output)
{
    private const int UdpTimeoutSeconds = 2;
    private const int Keepalives = 4;

    [RootTheory]
    [Pairs]
    public Task PersistentKeepalive_KeepsNatMappingAlive(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            Host a = await lab.AddHostBehindNatAsync(first, UdpTimeoutSeconds);
            Host b = await lab.AddHostAsync(second);
            await lab.StartTunnelAsync(a);
            await lab.StartTunnelAsync(b);
            // b first: the keepalive makes a initiate the moment it knows b, and b must already know a.
            await lab.ConnectAsync(b, a, endpoint: null);
            await lab.ConnectAsync(a, b, Underlay.IPv4, persistentKeepalive: 1);

            await Traffic.AssertPingsAsync(a, b.TunnelV4);
            string endpoint = (await b.PeerAsync(a)).Endpoint;
            Assert.True(endpoint.StartsWith(a.PublicV4 + ":", StringComparison.Ordinal), $"b sees a at {endpoint}, expected the router's {a.PublicV4}.");

            // Time must pass here; count it in keepalives b receives, a span of twice the conntrack timeout.
            long received = (await b.PeerAsync(a)).RxBytes;
            await Poll.UntilAsync(
                async () => (await b.PeerAsync(a)).RxBytes >= received + (Keepalives * WireSize.Keepalive),
                TimeSpan.FromSeconds(20),
                () => $"b did not receive {Keepalives} keepalives from a (persistent-keepalive 1) through the NAT within 20 s.");
            lab.Log($"b received {Keepalives} keepalives through the NAT");
            await Traffic.AssertPingsAsync(b, a.TunnelV4);

            // The control: no keepalives, an idle mapping, and b can no longer get through. Only waiting shows that.
            await a.WgAsync("set", a.Interface, "peer", b.Keys.PublicKey, "persistent-keepalive", "0");
            await Task.Delay(TimeSpan.FromSeconds(UdpTimeoutSeconds * 2));
            await Traffic.AssertNoReplyAsync(b, a.TunnelV4, $"without keepalives the router's mapping expires after {UdpTimeoutSeconds} s");
        });
}
