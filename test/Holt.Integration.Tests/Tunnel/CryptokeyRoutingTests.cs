using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Tunnel;

/// <summary>
/// Scenario 5, cryptokey routing (whitepaper section 2): a packet is accepted only from the peer whose allowed IPs
/// hold its source, and sent only to the peer whose allowed IPs hold its destination.
/// </summary>
public sealed partial class CryptokeyRoutingTests(ITestOutputHelper output)
{
    private const int Pings = 3;

    [RootTheory]
    [Pairs]
    public Task MoreSpecificPeer_TakesTheSource_PacketsFromTheFirstPeerAreDropped(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(first, second);

            // b accepts a's whole /24, and counts what its WireGuard hands to its kernel from a's address.
            await b.WgAsync("set", b.Interface, "peer", a.Keys.PublicKey, "allowed-ips", $"192.168.241.0/24,{a.TunnelV6}/128");
            await b.Namespace.NftAsync($$"""
                table inet hti {
                    chain input {
                        type filter hook input priority filter;
                        iifname "{{b.Interface}}" ip saddr {{a.TunnelV4}} counter
                    }
                }
                """);
            await Traffic.AssertPingsAsync(a, b.TunnelV4, Pings);
            Assert.Equal(Pings, await DeliveredAsync(b));

            // A second peer claims a's address more specifically: a is still the one sending, but b must now drop
            // what a sends from there.
            string other = KeyPair.RandomPublicKey();
            await b.WgAsync("set", b.Interface, "peer", other, "allowed-ips", $"{a.TunnelV4}/32");
            long sentBefore = (await a.PeerAsync(b)).TxBytes;
            PingResult ping = await Traffic.PingAsync(a, b.TunnelV4, Pings, wait: 1);
            Assert.True(ping.Received == 0, $"{b} answered {ping.Received} pings from {a.TunnelV4}, which now belongs to another peer.");
            long sent = (await a.PeerAsync(b)).TxBytes - sentBefore;
            Assert.True(sent == Pings * WireSize.PingV4, $"a should have sent {Pings} echo requests ({Pings * WireSize.PingV4} bytes) to b; its counter grew by {sent}.");
            Assert.True(await DeliveredAsync(b) == Pings, $"b's WireGuard delivered packets from {a.TunnelV4} although their source belongs to another peer.");

            // Without the more specific peer, a's packets are a's again.
            await b.WgAsync("set", b.Interface, "peer", other, "remove");
            await Traffic.AssertPingsAsync(a, b.TunnelV4, Pings);
            Assert.Equal(2 * Pings, await DeliveredAsync(b));

            // Sending side: no peer of a has 192.168.241.3, so a's WireGuard sends nothing for it.
            sentBefore = (await a.PeerAsync(b)).TxBytes;
            await Traffic.AssertNoReplyAsync(a, "192.168.241.3", "no host has that address");
            Assert.Equal(sentBefore, (await a.PeerAsync(b)).TxBytes);
        });

    /// <summary>How many packets from the first peer's address b's kernel received on the WireGuard interface.</summary>
    private static async Task<int> DeliveredAsync(Host b)
    {
        string chain = await b.Namespace.ExecAsync(Tools.Nft, "list", "chain", "inet", "hti", "input");
        Match counter = CounterPattern().Match(chain);
        Assert.True(counter.Success, $"No counter in:\n{chain}");
        return int.Parse(counter.Groups[1].Value);
    }

    [GeneratedRegex(@"counter packets (\d+)")]
    private static partial Regex CounterPattern();
}
