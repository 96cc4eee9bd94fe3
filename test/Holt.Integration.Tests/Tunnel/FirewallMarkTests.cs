using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Tunnel;

/// <summary>
/// <c>wg set NAME fwmark</c> marks every outer packet the tunnel sends (SO_MARK on its sockets), live, and 0 removes
/// the mark: what wg-quick's full-tunnel policy routing relies on.
/// </summary>
public sealed class FirewallMarkTests(ITestOutputHelper output)
{
    private const string Mark = "0x51820";

    [RootTheory]
    [Pairs]
    public Task Fwmark_MarksOuterPackets_AndZeroRemovesIt(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(first, second);
            foreach (Host host in new[] { a, b })
            {
                await host.Namespace.NftAsync($$"""
                    table inet hti {
                        chain output {
                            type filter hook output priority filter;
                            udp sport {{host.ListenPort}} meta mark {{Mark}} counter comment "marked"
                            udp sport {{host.ListenPort}} meta mark != {{Mark}} counter comment "unmarked"
                        }
                    }
                    """);
            }

            // Marked on a live interface: every outer packet from now on carries it, both families.
            foreach (Host host in new[] { a, b })
            {
                await host.WgAsync("set", host.Interface, "fwmark", Mark);
                Assert.Equal(Mark, (await host.WgAsync("show", host.Interface, "fwmark")).Trim());
            }

            await Traffic.AssertPingsAsync(a, b.TunnelV4, 3);
            await Traffic.AssertPingsAsync(b, a.TunnelV6, 3);
            foreach (Host host in new[] { a, b })
            {
                Dictionary<string, long> counts = await CountersAsync(host);
                lab.Log($"{host}: {counts["marked"]} marked, {counts["unmarked"]} unmarked outer packets");
                Assert.True(counts["marked"] >= 6 && counts["unmarked"] == 0, $"{host} sent {counts["marked"]} marked and {counts["unmarked"]} unmarked packets after fwmark {Mark}.");
            }

            // 0 removes the mark.
            foreach (Host host in new[] { a, b })
            {
                await host.WgAsync("set", host.Interface, "fwmark", "0");
                Assert.Equal("off", (await host.WgAsync("show", host.Interface, "fwmark")).Trim());
            }

            Dictionary<string, long> before = await CountersAsync(a);
            await Traffic.AssertPingsAsync(a, b.TunnelV4, 3);
            Dictionary<string, long> after = await CountersAsync(a);
            Assert.True(after["marked"] == before["marked"] && after["unmarked"] >= before["unmarked"] + 3, $"{a} after fwmark 0: marked {before["marked"]} -> {after["marked"]}, unmarked {before["unmarked"]} -> {after["unmarked"]}.");
        });

    private static Task<Dictionary<string, long>> CountersAsync(Host host) => host.Namespace.NftCountersAsync("inet", "hti", "output");
}
