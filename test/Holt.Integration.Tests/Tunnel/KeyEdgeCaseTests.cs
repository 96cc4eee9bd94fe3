using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Tunnel;

/// <summary>Scenario 7: public keys no handshake can come from, and a private key that is a peer's.</summary>
public sealed partial class KeyEdgeCaseTests(ITestOutputHelper output)
{
    /// <summary>
    /// X25519 inputs whose shared secret is all zeros, as the kernel selftest lists them: 0, 1, the two points of
    /// order 8, and p - 1, p, p + 1 (non-canonical encodings of the same small-order points).
    /// </summary>
    private static readonly string[] s_lowOrderPoints =
    [
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA=",
        "X5yVvKNQjCSx0LFVnIPvWwREXMRYHI6G2CJO3dCfEVc=",
        "7P///////////////////////////////////////38=",
        "7f///////////////////////////////////////38=",
        "7v///////////////////////////////////////38=",
    ];

    private const int LowOrderPort = 1111;
    private const int ControlPort = 1112;

    /// <summary>
    /// What is observable of a peer whose key is a low-order point: the configuration is accepted and listed, but
    /// no handshake is ever attempted on the wire, whether asked for by persistent-keepalive or by a packet routed
    /// to it; its counters and handshake time stay 0. A peer with an ordinary key, configured alike, does send,
    /// which shows the window was long enough. Both sides of the pair are checked.
    /// </summary>
    [RootTheory]
    [Pairs]
    public Task LowOrderPublicKeys_AreListed_ButNothingIsSent(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(first, second);
            string controlKey = KeyPair.RandomPublicKey();
            foreach ((Host host, Host other) in new[] { (a, b), (b, a) })
            {
                await host.Namespace.NftAsync($$"""
                    table inet hti {
                        chain output {
                            type filter hook output priority filter;
                            udp dport {{LowOrderPort}} counter
                            udp dport {{ControlPort}} counter
                        }
                    }
                    """);
                for (int i = 0; i < s_lowOrderPoints.Length; i++)
                {
                    await host.WgAsync(
                        "set", host.Interface, "peer", s_lowOrderPoints[i], "persistent-keepalive", "1",
                        "endpoint", $"{other.UnderlayV4}:{LowOrderPort}", "allowed-ips", $"10.77.0.{i + 1}/32");
                }

                await host.WgAsync(
                    "set", host.Interface, "peer", controlKey, "persistent-keepalive", "1",
                    "endpoint", $"{other.UnderlayV4}:{ControlPort}", "allowed-ips", "10.77.0.100/32");
                await host.Namespace.IpAsync("route", "add", "10.77.0.0/24", "dev", host.Interface);
            }

            foreach (Host host in new[] { a, b })
            {
                await Poll.UntilAsync(
                    async () => (await SentAsync(host))[ControlPort] > 0,
                    TimeSpan.FromSeconds(10),
                    () => $"{host} sent nothing even for the peer with an ordinary key and persistent-keepalive 1.");
            }

            // Packets routed to every low-order peer, from both sides at once; a second passes meanwhile, so the
            // persistent keepalive has fired too.
            PingResult[] pings = await Task.WhenAll(
                from host in new[] { a, b }
                from i in Enumerable.Range(1, s_lowOrderPoints.Length)
                select Traffic.PingAsync(host, $"10.77.0.{i}", count: 2, wait: 1));
            Assert.All(pings, p => Assert.Equal(0, p.Received));

            foreach (Host host in new[] { a, b })
            {
                Assert.True((await SentAsync(host))[LowOrderPort] == 0, $"{host} sent UDP to the endpoint of a low-order peer.");
                WgDump dump = await host.DumpAsync();
                foreach (string point in s_lowOrderPoints)
                {
                    WgPeer peer = dump.Peer(point);
                    Assert.True(
                        peer.TxBytes == 0 && peer.RxBytes == 0 && peer.LatestHandshake == 0,
                        $"{host}: low-order peer {point} has tx {peer.TxBytes}, rx {peer.RxBytes}, latest handshake {peer.LatestHandshake}; expected all 0.");
                }
            }

            // The real peers are unaffected.
            await Traffic.AssertPingsAsync(a, b.TunnelV4);
        });

    /// <summary>
    /// The references refuse to be their own peer: setting a private key whose public key is a peer's removes that
    /// peer, and adding a peer with the interface's own public key is ignored.
    /// </summary>
    [RootTheory]
    [Pairs]
    public Task PrivateKeyOfAPeer_RemovesThatPeer(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(first, second);
            await Traffic.AssertPingsAsync(a, b.TunnelV4);

            await a.WgAsync("set", a.Interface, "private-key", b.Keys.PrivateKeyFile);
            WgDump dump = await a.DumpAsync();
            Assert.Equal(b.Keys.PublicKey, dump.PublicKey);
            Assert.True(dump.Find(b.Keys.PublicKey) is null, $"{a} still lists peer {b.Keys.PublicKey}, now its own public key.");

            await a.WgAsync("set", a.Interface, "peer", b.Keys.PublicKey, "allowed-ips", b.AllowedIps);
            Assert.True((await a.DumpAsync()).Find(b.Keys.PublicKey) is null, $"{a} added a peer with its own public key.");

            await a.WgAsync("set", a.Interface, "private-key", a.Keys.PrivateKeyFile);
            await lab.ConnectAsync(a, b, Underlay.IPv4);
            await Traffic.AssertPingsAsync(a, b.TunnelV4);
        });

    /// <summary>Packets this host sent to each counted UDP port, by port.</summary>
    private static async Task<Dictionary<int, long>> SentAsync(Host host)
    {
        string chain = await host.Namespace.ExecAsync(Tools.Nft, "list", "chain", "inet", "hti", "output");
        return CounterPattern().Matches(chain).ToDictionary(m => int.Parse(m.Groups[1].Value), m => long.Parse(m.Groups[2].Value));
    }

    [GeneratedRegex(@"udp dport (\d+) counter packets (\d+)")]
    private static partial Regex CounterPattern();
}
