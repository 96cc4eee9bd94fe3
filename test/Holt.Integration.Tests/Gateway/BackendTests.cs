using System.Net;
using Holt.Gateway;
using Holt.Integration.Tests.Harness;
using Holt.Uapi;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Gateway;

/// <summary>
/// The two ways the gateway drives an interface, each against a real implementation it did not write: the control
/// socket client (the engine backend) and the <c>wg</c> tool (the kernel backend, whose <c>wg show dump</c> and
/// <c>wg syncconf</c> reach a userspace interface through its socket just as they reach the kernel module).
/// </summary>
public sealed class BackendTests(ITestOutputHelper output)
{
    [RootTheory]
    [InlineData("engine")]
    [InlineData("kernel")]
    public Task Control_SyncsAWireGuardGoInterface_ChangingOnlyWhatDiffers(string backend) =>
        Lab.RunAsync(output, async lab =>
        {
            Host host = await lab.AddHostAsync(Implementation.WireGuardGo);
            await lab.StartTunnelAsync(host);
            WireGuardControl control = backend == "kernel" ? new KernelControl(host.Interface) : new EngineControl(host.Interface);
            string psk = await lab.PresharedKeyAsync();
            KeyPair a = await lab.NewKeyPairAsync();
            KeyPair b = await lab.NewKeyPairAsync();
            string privateKey = host.Keys.PrivateKey;

            var first = new DesiredDevice(privateKey, 41000,
            [
                new DesiredPeer(a.PublicKey, psk, [IPNetwork.Parse("10.8.0.2/32"), IPNetwork.Parse("fd42::2/128")], 0),
                new DesiredPeer(b.PublicKey, null, [IPNetwork.Parse("10.8.0.3/32")], 25),
            ]);
            SyncResult created = control.Sync(first);
            Assert.Equal([a.PublicKey, b.PublicKey], created.Created);
            Assert.Empty(created.Removed);

            string showconf = await host.WgAsync("showconf", host.Interface);
            Assert.Contains("ListenPort = 41000", showconf, StringComparison.Ordinal);
            Assert.Contains($"PublicKey = {a.PublicKey}\nPresharedKey = {psk}\nAllowedIPs = 10.8.0.2/32, fd42::2/128", showconf, StringComparison.Ordinal);
            Assert.Contains($"PublicKey = {b.PublicKey}\nAllowedIPs = 10.8.0.3/32\nPersistentKeepalive = 25", showconf, StringComparison.Ordinal);

            DeviceStatus status = control.TryGet()!;
            Assert.Equal(41000, status.ListenPort);
            Assert.Equal(host.Keys.PublicKey, status.PublicKey);
            PeerStatus readA = status.Peers.Single(p => p.PublicKey == a.PublicKey);
            Assert.Equal(psk, readA.PresharedKey);
            Assert.Equal(["10.8.0.2/32", "fd42::2/128"], readA.AllowedIps);

            // Nothing differs: nothing is sent (the engine backend) and nothing changes.
            SyncResult again = control.Sync(first);
            Assert.Empty(again.Created);
            Assert.Empty(again.Removed);
            Assert.Equal(PeersInAnyOrder(showconf), PeersInAnyOrder(await host.WgAsync("showconf", host.Interface)));

            // b goes, a changes its addresses: b is removed, a stays the same peer (not recreated).
            var second = first with { Peers = [first.Peers[0] with { AllowedIps = [IPNetwork.Parse("10.8.0.9/32")] }] };
            SyncResult changed = control.Sync(second);
            Assert.Empty(changed.Created);
            Assert.Equal([b.PublicKey], changed.Removed);
            string after = await host.WgAsync("showconf", host.Interface);
            Assert.DoesNotContain(b.PublicKey, after, StringComparison.Ordinal);
            Assert.Contains($"PublicKey = {a.PublicKey}\nPresharedKey = {psk}\nAllowedIPs = 10.8.0.9/32", after, StringComparison.Ordinal);
        });

    [RootFact]
    public Task KernelBackend_WithoutTheModule_SaysSo_AndLeavesNothing() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab, "--backend", "kernel");
            CommandResult up = await gateway.UpAsync();
            if (Directory.Exists("/sys/module/wireguard"))
            {
                // A kernel with WireGuard: the same gateway must simply work on it.
                up.EnsureSuccess();
                Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
                string config = await gateway.AddPeerAsync("laptop");
                (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, config))).EnsureSuccess();
                await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the kernel-backed gateway");
                return;
            }

            Assert.Equal(1, up.ExitCode);
            Assert.Contains("the kernel has no WireGuard module", up.Output, StringComparison.Ordinal);
            Assert.Contains("backend = \"engine\"", up.Output, StringComparison.Ordinal);
            Assert.False(await gateway.Host.Namespace.HasLinkAsync(gateway.Interface));
            Assert.False(gateway.DaemonRunning);
            Assert.False((await gateway.Host.Namespace.TryExecAsync(Tools.Nft, "list", "table", "inet", gateway.Table)).Succeeded);
        });

    /// <summary>
    /// showconf with its [Peer] sections sorted: wireguard-go lists peers from a Go map, whose order changes from one
    /// listing to the next, so only the set of sections means anything.
    /// </summary>
    private static string PeersInAnyOrder(string showconf)
    {
        string[] sections = showconf.Split("\n[Peer]\n");
        return string.Join("\n[Peer]\n", sections.Take(1).Concat(sections.Skip(1).Select(p => p.TrimEnd('\n') + "\n").Order(StringComparer.Ordinal)));
    }
}
