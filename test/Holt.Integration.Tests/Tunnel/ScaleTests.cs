using System.Diagnostics;
using System.Net;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Tunnel;

/// <summary>
/// Scenario 8: big configurations through the control socket, read back exactly by <c>wg show</c> and
/// <c>wg showconf</c>, while the real peer keeps working. Durations go to the output as information; no test
/// asserts a time.
/// </summary>
public sealed class ScaleTests(ITestOutputHelper output)
{
    private const int AllowedIpCount = 130_000;
    private const int PeerCount = 1_000;

    [RootTheory]
    [Pairs]
    public Task OnePeer_With130000AllowedIps_ReadsBackExactly(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(first, second);
            // 130 000 prefixes are far beyond one argument's limit (128 KiB), so they go in a file, to wg addconf.
            // A [Peer] in a file replaces that peer's allowed IPs (addconf only keeps the other peers), so b's own
            // two addresses come along.
            List<string> expected = [.. ManyPrefixes(AllowedIpCount), $"{b.TunnelV4}/32", $"{b.TunnelV6}/128"];
            var file = new WgConfig { Peers = [new WgConfigPeer { PublicKey = b.Keys.PublicKey, AllowedIps = expected }] };
            string path = await lab.WriteFileAsync("allowed-ips.conf", file.Render());
            await TimedAsync(lab, $"wg addconf, {expected.Count} allowed IPs", () => a.WgAsync("addconf", a.Interface, path));

            string shown = await TimedAsync(lab, "wg show allowed-ips", () => a.WgAsync("show", a.Interface, "allowed-ips"));
            ConfigAssert.SameAllowedIps(expected, AllowedIpsOf(shown, b.Keys.PublicKey), $"`wg show {a.Interface} allowed-ips` for b");
            string showconf = await TimedAsync(lab, "wg showconf", () => a.WgAsync("showconf", a.Interface));
            WgConfigPeer bEntry = WgConfig.Parse(showconf).Peers.Single(p => p.PublicKey == b.Keys.PublicKey);
            ConfigAssert.SameAllowedIps(expected, bEntry.AllowedIps, $"`wg showconf {a.Interface}` for b");

            // Routing through the big table still finds b, both families.
            await Traffic.AssertPingsAsync(a, b.TunnelV4);
            await Traffic.AssertPingsAsync(a, b.TunnelV6);

            // And replacing them all with two is exact too.
            await TimedAsync(lab, "wg set allowed-ips (replace all)", () => a.WgAsync("set", a.Interface, "peer", b.Keys.PublicKey, "allowed-ips", b.AllowedIps));
            string after = await a.WgAsync("show", a.Interface, "allowed-ips");
            ConfigAssert.SameAllowedIps([$"{b.TunnelV4}/32", $"{b.TunnelV6}/128"], AllowedIpsOf(after, b.Keys.PublicKey), "allowed IPs after replacing");
            await Traffic.AssertPingsAsync(a, b.TunnelV4);
        });

    [RootTheory]
    [Pairs]
    public Task Thousand_Peers_ReadBackExactly(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(first, second);
            string psk = await lab.PresharedKeyAsync();

            // Every field in use somewhere: preshared keys on every other peer, endpoints (v4 and v6, on addresses
            // nobody holds; nothing is sent without traffic or keepalive) on every third, keepalives on peers
            // without an endpoint, so nothing goes on the wire.
            List<WgConfigPeer> peers = [];
            for (int i = 0; i < PeerCount; i++)
            {
                peers.Add(new WgConfigPeer
                {
                    PublicKey = KeyPair.RandomPublicKey(),
                    PresharedKey = i % 2 == 0 ? psk : null,
                    Endpoint = (i % 3) switch
                    {
                        0 => $"10.0.0.{200 + (i % 50)}:{20000 + i}",
                        1 => $"[fd00:aa::{i + 0x1000:x}]:{20000 + i}",
                        _ => null,
                    },
                    PersistentKeepalive = i % 3 == 2 && i % 5 == 0 ? 25 : null,
                    AllowedIps = [$"10.200.{i / 256}.{i % 256}/32", $"fd02::{i:x}/128", $"10.{201 + (i / 256)}.{i % 256}.0/24"],
                });
            }

            string path = await lab.WriteFileAsync("peers.conf", new WgConfig { Peers = peers }.Render());
            await TimedAsync(lab, $"wg addconf, {PeerCount} peers", () => a.WgAsync("addconf", a.Interface, path));

            var expected = new WgConfig
            {
                PrivateKey = a.Keys.PrivateKey,
                ListenPort = a.ListenPort,
                Peers =
                [
                    .. peers,
                    new WgConfigPeer
                    {
                        PublicKey = b.Keys.PublicKey,
                        PresharedKey = psk,
                        Endpoint = b.Endpoint(Underlay.IPv4),
                        AllowedIps = [$"{b.TunnelV4}/32", $"{b.TunnelV6}/128"],
                    },
                ],
            };
            WgDump dump = WgDump.Parse(await TimedAsync(lab, "wg show dump", () => a.WgAsync("show", a.Interface, "dump")));
            ConfigAssert.Equivalent(expected, ConfigAssert.FromDump(dump), $"`wg show {a.Interface} dump`");
            string showconf = await TimedAsync(lab, "wg showconf", () => a.WgAsync("showconf", a.Interface));
            ConfigAssert.Equivalent(expected, WgConfig.Parse(showconf), $"`wg showconf {a.Interface}`");

            await Traffic.AssertPingsAsync(a, b.TunnelV4);
            await Traffic.AssertPingsAsync(a, b.TunnelV6);
        });

    /// <summary>Distinct canonical prefixes, half IPv4 /24s, half IPv6 /48s, none overlapping the tunnel's.</summary>
    private static IEnumerable<string> ManyPrefixes(int count)
    {
        for (int i = 0; i < count / 2; i++)
        {
            yield return $"10.{i / 256}.{i % 256}.0/24";
            yield return $"{IPAddress.Parse($"fd01:0:{i:x}::")}/48";
        }
    }

    /// <summary>The allowed IPs <c>wg show NAME allowed-ips</c> lists for one peer ("KEY\tIP IP ...").</summary>
    private static string[] AllowedIpsOf(string shown, string publicKey)
    {
        string? line = shown.Split('\n').FirstOrDefault(l => l.StartsWith(publicKey + "\t", StringComparison.Ordinal));
        Assert.True(line is not null, $"`wg show allowed-ips` has no line for {publicKey}.");
        string list = line[(publicKey.Length + 1)..];
        return list == "(none)" ? [] : list.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static async Task<T> TimedAsync<T>(Lab lab, string what, Func<Task<T>> action)
    {
        var clock = Stopwatch.StartNew();
        T result = await action();
        lab.Log($"{what}: {clock.Elapsed.TotalMilliseconds:0} ms (information only)");
        return result;
    }
}
