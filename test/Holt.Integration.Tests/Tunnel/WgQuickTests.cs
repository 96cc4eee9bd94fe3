using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Tunnel;

/// <summary>
/// Scenario 2: wg-quick drives the implementation through WG_QUICK_USERSPACE_IMPLEMENTATION (the holt-wg-quick
/// hook beside the holt binary; wireguard-go itself for the control). A third host, c, is added and removed with
/// <c>wg syncconf</c> while a's session with b must carry on untouched.
/// </summary>
public sealed class WgQuickTests(ITestOutputHelper output)
{
    private const int Pings = 4;

    [RootTheory]
    [Pairs]
    public Task Up_Showconf_Syncconf_Down(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            Host a = await lab.AddHostAsync(first);
            Host b = await lab.AddHostAsync(second);
            Host c = await lab.AddHostAsync(second);
            string psk = await lab.PresharedKeyAsync();

            WgConfig aConfig = QuickConfig(a, PeerEntry(b, psk, b.Endpoint(Underlay.IPv4)));
            WgConfig bConfig = QuickConfig(b, PeerEntry(a, psk, endpoint: null));
            string aFile = await lab.WriteFileAsync($"{a.Interface}.conf", aConfig.Render());
            string bFile = await lab.WriteFileAsync($"{b.Interface}.conf", bConfig.Render());
            await UpAsync(lab, a, aFile);
            await UpAsync(lab, b, bFile);

            await Traffic.AssertPingsAsync(a, b.TunnelV4, Pings);
            await Traffic.AssertPingsAsync(a, b.TunnelV6, Pings);

            // wg-quick set exactly the wg part of the file (its Address went to ip).
            WgConfig aWg = aConfig with { Addresses = [] };
            ConfigAssert.Equivalent(aWg, await ShowconfAsync(a), $"`wg showconf {a.Interface}` after wg-quick up");

            // c runs in the foreground and only waits for a.
            await lab.StartTunnelAsync(c);
            await lab.ConnectAsync(c, a, endpoint: null);

            // syncconf: add c. b's entry is sent again unchanged and must keep its session: same handshake time,
            // counters that go on from where they were (a removed and re-added peer restarts from 0), and no
            // handshake message among the bytes that follow.
            WgPeer bBefore = await a.PeerAsync(b);
            WgConfig withC = aWg with { Peers = [.. aWg.Peers, PeerEntry(c, psk, c.Endpoint(Underlay.IPv4))] };
            await SyncconfAsync(lab, a, withC);
            await Traffic.AssertPingsAsync(a, b.TunnelV4, Pings);
            await AssertUndisturbedAsync(a, b, bBefore, Pings);
            await Traffic.AssertPingsAsync(a, c.TunnelV4, Pings);
            ConfigAssert.Equivalent(withC, await ShowconfAsync(a), $"`wg showconf {a.Interface}` after syncconf added c");

            // syncconf: remove c again; b still undisturbed.
            bBefore = await a.PeerAsync(b);
            await SyncconfAsync(lab, a, aWg);
            Assert.Null((await a.DumpAsync()).Find(c.Keys.PublicKey));
            await Traffic.AssertPingsAsync(a, b.TunnelV4, Pings);
            await AssertUndisturbedAsync(a, b, bBefore, Pings);
            await Traffic.AssertNoReplyAsync(a, c.TunnelV4, "c was removed from a by syncconf");
            ConfigAssert.Equivalent(aWg, await ShowconfAsync(a), $"`wg showconf {a.Interface}` after syncconf removed c");

            await DownAsync(lab, a, aFile);
            await DownAsync(lab, b, bFile);
        });

    private static WgConfig QuickConfig(Host host, WgConfigPeer peer) => new()
    {
        PrivateKey = host.Keys.PrivateKey,
        ListenPort = host.ListenPort,
        Addresses = [$"{host.TunnelV4}/24", $"{host.TunnelV6}/112"],
        Peers = [peer],
    };

    private static WgConfigPeer PeerEntry(Host peer, string psk, string? endpoint) => new()
    {
        PublicKey = peer.Keys.PublicKey,
        PresharedKey = psk,
        Endpoint = endpoint,
        AllowedIps = [$"{peer.TunnelV4}/32", $"{peer.TunnelV6}/128"],
    };

    private static async Task UpAsync(Lab lab, Host host, string configFile)
    {
        CommandResult up = await lab.WgQuickAsync(host, "up", configFile);
        lab.Log("wg-quick up said:\n" + up.Output.TrimEnd());
        Assert.True(up.Succeeded, up.Describe());
        TunnelProcess tunnel = host.Tunnel!;
        Assert.True(File.Exists(tunnel.SocketPath), $"wg-quick up returned, but {tunnel.SocketPath} does not exist. Output:\n{up.Output}");

        // A TUN device, not a kernel WireGuard interface: the implementation under test is the one answering.
        CommandResult tun = await host.Namespace.TryExecAsync(Tools.Sh, "-c", $"test -e /sys/class/net/{host.Interface}/tun_flags");
        Assert.True(tun.Succeeded, $"{host.Interface} is not a TUN device: wg-quick did not use {tunnel.Launcher.Name}. Output:\n{up.Output}");
    }

    private static async Task DownAsync(Lab lab, Host host, string configFile)
    {
        TunnelProcess tunnel = host.Tunnel!;
        CommandResult down = await lab.WgQuickAsync(host, "down", configFile);
        Assert.True(down.Succeeded, down.Describe());
        IReadOnlyList<string> problems = await tunnel.ConfirmShutdownAsync("wg-quick down");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    private static async Task<WgConfig> ShowconfAsync(Host host) => WgConfig.Parse(await host.WgAsync("showconf", host.Interface));

    private static async Task SyncconfAsync(Lab lab, Host host, WgConfig config)
    {
        // Through wg-quick strip, as the wg-quick man page suggests: `wg syncconf wg0 <(wg-quick strip wg0)`.
        // wg-quick wants the file named after the interface, so the next version goes in a directory of its own.
        string quickFile = await lab.WriteFileAsync($"next/{host.Interface}.conf", config.Render());
        string stripped = await Command.CheckAsync([Tools.WgQuick, "strip", quickFile]);
        string file = await lab.WriteFileAsync($"next/{host.Interface}.stripped", stripped);
        lab.Log($"wg syncconf {host.Interface} with {config.Peers.Count} peers");
        await host.WgAsync("syncconf", host.Interface, file);
    }

    private static async Task AssertUndisturbedAsync(Host a, Host b, WgPeer before, int pings)
    {
        WgPeer after = await a.PeerAsync(b);
        long traffic = pings * WireSize.PingV4;
        Assert.True(
            after.LatestHandshake == before.LatestHandshake && after.TxBytes == before.TxBytes + traffic && after.RxBytes == before.RxBytes + traffic,
            $"syncconf disturbed the untouched peer b on a: expected handshake {before.LatestHandshake}, tx {before.TxBytes + traffic}, " +
            $"rx {before.RxBytes + traffic} ({pings} pings of {WireSize.PingV4} bytes each way, no handshake); got handshake " +
            $"{after.LatestHandshake}, tx {after.TxBytes}, rx {after.RxBytes}.");
    }
}
