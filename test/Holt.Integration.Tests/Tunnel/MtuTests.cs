using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Tunnel;

/// <summary>
/// Packets and the MTU, as the kernel module handles them (and as netns.sh tests them): a tunnel MTU far above the
/// underlay's still carries its largest packets whole, the outer datagrams crossing as IP fragments; and Holt's
/// outer IPv4 packets carry no DF bit, as the kernel module's do, so a router with a smaller MTU fragments them
/// rather than dropping them.
/// </summary>
public sealed class MtuTests(ITestOutputHelper output)
{
    // netns.sh's big MTU: 34816 less an Ethernet MTU, plus the default tunnel MTU.
    private const int BigMtu = 34816 - 1500 + 1420;
    private const int SmallMtu = 1280;

    [RootTheory]
    [Pairs]
    public Task TunnelMtu_AboveTheUnderlay_CarriesTheLargestPacketsWhole(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(first, second);
            await Traffic.AssertPingsAsync(a, b.TunnelV4);

            await SetMtuAsync(BigMtu, a, b);
            await AssertWholePingsAsync(a, b.TunnelV4, BigMtu - 28);
            await AssertWholePingsAsync(b, a.TunnelV6, BigMtu - 48);
            await Traffic.IperfAsync(a, b, b.TunnelV4, udp: false);

            // Back down: the engine pads to the MTU it has now, and full-size packets still pass.
            await SetMtuAsync(SmallMtu, a, b);
            await AssertWholePingsAsync(a, b.TunnelV4, SmallMtu - 28);
            await AssertWholePingsAsync(b, a.TunnelV6, SmallMtu - 48);
        });

    [RootTheory]
    [Pairs]
    public Task OuterIPv4_FromHolt_CarriesNoDontFragmentBit(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(first, second);
            foreach ((Host receiver, Host sender) in new[] { (b, a), (a, b) })
            {
                await receiver.Namespace.NftAsync($$"""
                    table inet hti {
                        chain input {
                            type filter hook input priority filter;
                            ip saddr {{sender.UnderlayV4}} udp sport {{sender.ListenPort}} counter comment "all"
                            ip saddr {{sender.UnderlayV4}} udp sport {{sender.ListenPort}} ip frag-off & 0x4000 != 0 counter comment "df"
                        }
                    }
                    """);
            }

            // The handshake, then echoes and replies of a size that never needs fragmenting.
            await AssertWholePingsAsync(a, b.TunnelV4, 1000, count: 5);

            foreach ((Host receiver, Host sender) in new[] { (b, a), (a, b) })
            {
                Dictionary<string, long> counts = await CountersAsync(receiver);
                lab.Log($"{sender} sent {counts["all"]} outer IPv4 packets, {counts["df"]} of them with DF");
                Assert.True(counts["all"] >= 6, $"{receiver} counted only {counts["all"]} packets from {sender}.");
                if (sender.Implementation == Implementation.Holt)
                {
                    Assert.True(counts["df"] == 0, $"{sender} set DF on {counts["df"]} of {counts["all"]} outer IPv4 packets; the kernel module sets it on none.");
                }
            }
        });

    private static async Task SetMtuAsync(int mtu, params Host[] hosts)
    {
        foreach (Host host in hosts)
        {
            await host.Namespace.IpAsync("link", "set", "dev", host.Interface, "mtu", mtu.ToString());
        }
    }

    /// <summary>Echoes of <paramref name="size"/> payload bytes with DF set inside: each must cross the tunnel whole.</summary>
    private static async Task AssertWholePingsAsync(Host from, string address, int size, int count = 3)
    {
        PingResult ping = await Traffic.PingAsync(from, address, count, wait: 3, dontFragmentSize: size);
        if (ping.Transmitted != count || ping.Received != count)
        {
            throw new XunitException($"{from} pinging {address} with {size}-byte payloads and DF: {ping.Received} of {ping.Transmitted} replies, expected {count} of {count}.\n{ping.Output.Trim()}");
        }
    }

    private static Task<Dictionary<string, long>> CountersAsync(Host host) => host.Namespace.NftCountersAsync("inet", "hti", "input");
}
