using System.Globalization;
using System.Text.Json;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Gateway;

/// <summary>
/// The bastion workflow end to end: a gateway namespace runs <c>holt up</c>; clients bring up the config that
/// <c>holt peer add</c> printed with wg-quick and wireguard-go (not Holt), and reach the gateway and a LAN behind it.
/// </summary>
public sealed class GatewayTests(ITestOutputHelper output)
{
    private const string Subnet6 = "fd42:4242::/64";

    [RootFact]
    public Task PrintedConfig_WorksWithWgQuickAndWireGuardGo_AndItsQrCodeDecodesToIt() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab, "--subnet6", Subnet6);
            await lab.AddLanAsync(gateway.Host);
            (await gateway.UpAsync()).EnsureSuccess();

            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            string config = await gateway.AddPeerAsync("laptop", "--allowed-ips", $"10.8.0.0/24,{Subnet6},192.168.50.0/24");
            Assert.Equal(config, await gateway.CheckAsync("peer", "config", "laptop"));
            Assert.Contains("Address = 10.8.0.2/32, fd42:4242::2/128\n", config, StringComparison.Ordinal);
            Assert.Contains($"Endpoint = {gateway.Host.UnderlayV4}:{gateway.Host.ListenPort}\n", config, StringComparison.Ordinal);

            string file = await Harness.Gateway.WriteClientConfigAsync(lab, client, config);
            (await lab.WgQuickAsync(client, "up", file)).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway's VPN address");
            await Traffic.AssertPingsAsync(client, "fd42:4242::1");
            await Traffic.AssertPingsAsync(client, "192.168.50.2");

            foreach (string format in new[] { "png", "svg" })
            {
                string image = Path.Combine(lab.Directory, "laptop." + format);
                await gateway.CheckAsync("peer", "qr", "laptop", "--qr", $"{format}:{image}");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(image));
                if (format == "png")
                {
                    string decoded = await Command.CheckAsync([Tools.Zbarimg, "--raw", "-q", image]);
                    Harness.Gateway.EnsureDecoded(config, decoded[..^1], "the PNG QR code");
                }
            }

            // The same file under holt up (Holt's engine, wg-quick's semantics) works too.
            TunnelProcess wgQuickTunnel = client.Tunnel!;
            (await lab.WgQuickAsync(client, "down", file)).EnsureSuccess();
            Assert.Empty(await wgQuickTunnel.ConfirmShutdownAsync("wg-quick down"));
            (await lab.HoltUpAsync(client, file)).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway, from holt up --config");
            await Traffic.AssertPingsAsync(client, "fd42:4242::1");
            await Traffic.AssertPingsAsync(client, "192.168.50.2");

            // The gateway saw the handshake, and counts both ways.
            JsonElement laptop = (await gateway.PeersAsync())["laptop"];
            Assert.NotEqual(JsonValueKind.Null, laptop.GetProperty("latest_handshake").ValueKind);
            Assert.True(laptop.GetProperty("rx_bytes").GetUInt64() > 0);
            Assert.True(laptop.GetProperty("tx_bytes").GetUInt64() > 0);

            // holt status reports the running gateway with the same peer, in text and JSON.
            using JsonDocument status = JsonDocument.Parse(await gateway.CheckAsync("status", "--json"));
            JsonElement self = status.RootElement.GetProperty("interfaces").EnumerateArray().Single(i => i.GetProperty("name").GetString() == gateway.Interface);
            Assert.Equal(JsonValueKind.Null, status.RootElement.GetProperty("config_problem").ValueKind);
            Assert.Equal(gateway.Table, status.RootElement.GetProperty("firewall").GetProperty("table").GetString());
            Assert.True(status.RootElement.GetProperty("firewall").GetProperty("intact").GetBoolean());
            Assert.Equal("gateway", self.GetProperty("role").GetString());
            Assert.True(self.GetProperty("running").GetBoolean());
            Assert.Equal(gateway.Host.ListenPort, self.GetProperty("listen_port").GetInt32());
            JsonElement seen = self.GetProperty("peers").EnumerateArray().Single();
            Assert.Equal("laptop", seen.GetProperty("name").GetString());
            Assert.StartsWith($"{client.UnderlayV4}:", seen.GetProperty("endpoint").GetString(), StringComparison.Ordinal);
            string text = await gateway.CheckAsync("status");
            Assert.Contains($"interface: {gateway.Interface} (gateway, engine, up)", text, StringComparison.Ordinal);
            Assert.Matches(@"\nNAME +ADDRESSES +STATE +HANDSHAKE +RX +TX +ENDPOINT +EXPIRES\n", text);
            Assert.Matches(@"\nlaptop +10\.8\.0\.2,fd42:4242::2 +enabled +\d+s ago .* never\n", text);
        });

    [RootFact]
    public Task AddingDisablingAndRemovingOtherPeers_DoesNotInterruptIperf3() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            string config = await gateway.AddPeerAsync("laptop");
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, config))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway's VPN address");
            string laptopKey = JsonOf(await gateway.PeersAsync(), "laptop", "public_key");
            string handshakeBefore = await HandshakeAsync(gateway, laptopKey);

            const string Port = "5201";
            BackgroundProcess server = lab.StartProcess(gateway.Host.Namespace, Tools.Iperf3, "-s", "-1", "-B", "10.8.0.1", "-p", Port);
            await Poll.UntilAsync(
                async () => (await gateway.Host.Namespace.ExecAsync(Tools.Ss, "-Htln", $"sport = :{Port}")).Length > 0,
                TimeSpan.FromSeconds(10),
                () => $"iperf3 did not start listening: {server.Log()}");
            BackgroundProcess run = lab.StartProcess(client.Namespace, Tools.Iperf3, "-c", "10.8.0.1", "-p", Port, "-t", "8", "-i", "1", "-J");

            await Task.Delay(1500);
            await gateway.AddPeerAsync("phone");
            await gateway.AddPeerAsync("tablet", "--client-to-client");
            await gateway.CheckAsync("peer", "disable", "phone");
            await gateway.CheckAsync("peer", "set", "laptop", "--expires", "30d");
            await gateway.CheckAsync("peer", "enable", "phone");
            await gateway.CheckAsync("peer", "rename", "tablet", "pad");
            await gateway.CheckAsync("peer", "remove", "phone");

            Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(30)), "iperf3 did not finish");
            Assert.True(run.ExitCode == 0, $"iperf3 failed: {run.Log()}");
            using JsonDocument report = JsonDocument.Parse(run.Log());
            var rates = report.RootElement.GetProperty("intervals").EnumerateArray()
                .Select(i => i.GetProperty("sum").GetProperty("bits_per_second").GetDouble()).ToList();
            lab.Log($"iperf3 intervals (Mbit/s): {string.Join(' ', rates.Select(r => (r / 1e6).ToString("0", CultureInfo.InvariantCulture)))}");
            Assert.True(rates.Count >= 7, $"iperf3 reported {rates.Count} intervals");
            Assert.All(rates, rate => Assert.True(rate > 0, "an iperf3 interval moved no data: the changes interrupted the flow"));

            // The laptop's session was never replaced: same handshake as before the changes.
            Assert.Equal(handshakeBefore, await HandshakeAsync(gateway, laptopKey));
            Assert.Equal(["laptop", "pad"], (await gateway.PeersAsync()).Keys.Order().ToArray());
        });

    [RootFact]
    public Task RestartingTheGateway_KeepsTrafficTotals() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);

            // No keepalive, so nothing but the test's own pings moves between the readings.
            string config = await gateway.AddPeerAsync("laptop", "--keepalive", "0");
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, config))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway's VPN address");
            await Traffic.AssertPingsAsync(client, "10.8.0.1", 5);
            (ulong rx, ulong tx) before = Totals(await gateway.PeersAsync(), "laptop");

            string lastSeen = (await gateway.PeersAsync())["laptop"].GetProperty("latest_handshake").GetString()!;

            await gateway.DownAsync();
            Assert.False(gateway.DaemonRunning);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(gateway.StateFile));
            Assert.Equal(before, Totals(await gateway.PeersAsync(), "laptop"));

            // Last seen survives too, though the interface that saw it is gone.
            Assert.Equal(lastSeen, (await gateway.PeersAsync())["laptop"].GetProperty("latest_handshake").GetString());

            // Back up, the gateway asks the laptop (seen within a session's lifetime) to handshake again at once: that
            // handshake and its one datagram are all that may be added, and nothing lost.
            (await gateway.UpAsync()).EnsureSuccess();
            AssertKeptPlusReconnect(before, Totals(await gateway.PeersAsync(), "laptop"));

            // The new interface counts from zero; the totals keep adding on top.
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway after its restart");
            await Traffic.AssertPingsAsync(client, "10.8.0.1", 5);
            (ulong rx, ulong tx) after = Totals(await gateway.PeersAsync(), "laptop");
            lab.Log($"totals rx/tx before the restart {before.rx}/{before.tx}, after more pings {after.rx}/{after.tx}");
            Assert.True(after.rx > before.rx && after.tx > before.tx, $"totals did not grow past {before} after the restart: {after}");

            // And they survive a second restart.
            await gateway.DownAsync();
            (await gateway.UpAsync()).EnsureSuccess();
            AssertKeptPlusReconnect(after, Totals(await gateway.PeersAsync(), "laptop"));
        });

    /// <summary>The totals after a restart: all of them kept, plus at most a reconnecting handshake and its datagram.</summary>
    private static void AssertKeptPlusReconnect((ulong Rx, ulong Tx) before, (ulong Rx, ulong Tx) now)
    {
        Assert.InRange(now.Rx, before.Rx, before.Rx + 512);
        Assert.InRange(now.Tx, before.Tx, before.Tx + 512);
    }

    [RootFact]
    public Task ClientToClient_IsOffByDefault_AndOnPerPeer() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            Host a = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host b = await lab.AddHostAsync(Implementation.WireGuardGo);
            (await lab.WgQuickAsync(a, "up", await Harness.Gateway.WriteClientConfigAsync(lab, a, await gateway.AddPeerAsync("a")))).EnsureSuccess();
            (await lab.WgQuickAsync(b, "up", await Harness.Gateway.WriteClientConfigAsync(lab, b, await gateway.AddPeerAsync("b")))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(a, "10.8.0.1", "the gateway from a");
            await Traffic.WaitUntilReachableAsync(b, "10.8.0.1", "the gateway from b");

            await Traffic.AssertNoReplyAsync(a, "10.8.0.3", "client-to-client is off by default");
            await gateway.CheckAsync("peer", "set", "a", "--client-to-client", "on");
            await Traffic.AssertNoReplyAsync(a, "10.8.0.3", "b has not switched client-to-client on");
            await gateway.CheckAsync("peer", "set", "b", "--client-to-client", "on");
            await Traffic.AssertPingsAsync(a, "10.8.0.3");
            await Traffic.AssertPingsAsync(b, "10.8.0.2");
            await gateway.CheckAsync("peer", "set", "b", "--client-to-client", "off");
            await Traffic.AssertNoReplyAsync(a, "10.8.0.3", "b switched client-to-client off again");
        });

    [RootFact]
    public Task ExpiredPeer_IsDisabledByTheDaemon() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            string expires = DateTime.UtcNow.AddSeconds(6).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            string config = await gateway.AddPeerAsync("guest", "--expires", expires);
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, config))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway before the expiry");
            string key = JsonOf(await gateway.PeersAsync(), "guest", "public_key");

            await Poll.UntilAsync(
                async () => !(await gateway.Host.WgAsync("show", gateway.Interface, "peers")).Contains(key, StringComparison.Ordinal),
                TimeSpan.FromSeconds(20),
                () => "the expired peer is still on the interface");
            Assert.Contains("enabled = false", await File.ReadAllTextAsync(gateway.ConfigPath), StringComparison.Ordinal);
            JsonElement guest = (await gateway.PeersAsync())["guest"];
            Assert.True(guest.GetProperty("expired").GetBoolean());
            Assert.False(guest.GetProperty("enabled").GetBoolean());
            await Traffic.AssertNoReplyAsync(client, "10.8.0.1", "the peer expired");
        });

    [RootFact]
    public Task HandEdits_AreAppliedByTheDaemon_ABrokenOneIsRefusedAndTheGatewayKeepsRunning() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            await gateway.AddPeerAsync("keep");
            await gateway.AddPeerAsync("drop");
            string dropKey = JsonOf(await gateway.PeersAsync(), "drop", "public_key");
            string good = await File.ReadAllTextAsync(gateway.ConfigPath);

            // The daemon reads the file the commands wrote too, and says what it took: its account of the hand edit
            // below is then of that edit alone.
            await Poll.UntilAsync(
                async () => (await File.ReadAllTextAsync(gateway.LogPath)).Contains("peer 'drop' added", StringComparison.Ordinal),
                TimeSpan.FromSeconds(25),
                () => "the daemon did not confirm the peers the commands added:\n" + File.ReadAllText(gateway.LogPath));

            // A broken edit: commands refuse the file with its line, the running gateway keeps its peers.
            string broken = good.Replace("masquerade = true", "masquerade = true\nlisten_prot = 1", StringComparison.Ordinal);
            await File.WriteAllTextAsync(gateway.ConfigPath, broken);
            CommandResult list = await gateway.RunAsync("peer", "list");
            Assert.Equal(1, list.ExitCode);
            int line = broken.Split('\n').ToList().IndexOf("listen_prot = 1") + 1;
            Assert.Equal($"holt: {gateway.ConfigPath}:{line}: unknown key 'listen_prot' in [gateway]", list.Error.TrimEnd('\n'));
            await Poll.UntilAsync(
                async () => (await File.ReadAllTextAsync(gateway.LogPath)).Contains("keeping the last good configuration", StringComparison.Ordinal),
                TimeSpan.FromSeconds(25),
                () => "the daemon did not report the broken edit");
            Assert.Contains(dropKey, await gateway.Host.WgAsync("show", gateway.Interface, "peers"), StringComparison.Ordinal);

            // The monitor and /metrics say that what runs is not what the file says, and why.
            string seen = "";
            await Poll.UntilAsync(
                async () =>
                {
                    CommandResult shown = await gateway.RunAsync("monitor", "status", "--json");
                    seen = shown.Output + shown.Error;
                    if (!shown.Succeeded)
                    {
                        return false;
                    }

                    using JsonDocument status = JsonDocument.Parse(shown.Output);
                    return status.RootElement.GetProperty("daemon").GetProperty("config_problem").GetString() is string problem
                        && problem.EndsWith($":{line}: unknown key 'listen_prot' in [gateway]", StringComparison.Ordinal);
                },
                TimeSpan.FromSeconds(25),
                () => "holt monitor status did not show the refused edit:\n" + seen);
            await Poll.UntilAsync(
                async () => (await gateway.ScrapeAsync()).Contains("\nholt_config_valid 0\n", StringComparison.Ordinal),
                TimeSpan.FromSeconds(15),
                () => "/metrics did not show holt_config_valid 0");

            // A valid hand edit (disable a peer) is applied by the daemon within its interval.
            string[] lines = good.Split('\n');
            int drop = Array.IndexOf(lines, "name = \"drop\"");
            int enabled = Array.IndexOf(lines, "enabled = true", drop);
            lines[enabled] = "enabled = false";
            await File.WriteAllTextAsync(gateway.ConfigPath, string.Join('\n', lines));
            await Poll.UntilAsync(
                async () => !(await gateway.Host.WgAsync("show", gateway.Interface, "peers")).Contains(dropKey, StringComparison.Ordinal),
                TimeSpan.FromSeconds(25),
                () => "the daemon did not apply the hand edit");
            // /metrics too (a scrape may serve the text of one under a second old).
            string scrape = "";
            await Poll.UntilAsync(
                async () => (scrape = await gateway.ScrapeAsync()).Contains("\nholt_config_valid 1\n", StringComparison.Ordinal),
                TimeSpan.FromSeconds(15),
                () => "/metrics did not show holt_config_valid 1");
            Assert.Contains("\nholt_config_refused_total 1\n", scrape, StringComparison.Ordinal);
            Assert.True(gateway.DaemonRunning);

            // The daemon confirms the edit it took, and what changed, in its log and in holt status.
            await Poll.UntilAsync(
                async () => (await File.ReadAllTextAsync(gateway.LogPath)).Contains("holt.toml changed and was applied: peer 'drop': enabled", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                () => "the daemon did not confirm the hand edit in its log:\n" + File.ReadAllText(gateway.LogPath));
            await Poll.UntilAsync(
                async () => (seen = await gateway.CheckAsync("status")).Contains("  holt.toml: applied ", StringComparison.Ordinal) && seen.Contains("(peer 'drop': enabled)", StringComparison.Ordinal),
                TimeSpan.FromSeconds(15),
                () => "holt status did not confirm the hand edit:\n" + seen);
        });

    [RootFact]
    public Task AHandEditedSubnet_ReachesTheInterface_AndTheClientsOnIt() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            string config = await gateway.AddPeerAsync("laptop");
            Assert.Contains("inet 10.8.0.1/24", await gateway.Host.Namespace.ExecAsync(Tools.Ip, "-4", "address", "show", "dev", gateway.Interface), StringComparison.Ordinal);

            // Renumbered by hand: the subnet, the gateway's address and the peer's.
            await gateway.EditConfigAsync(text => text.Replace("10.8.0.", "10.20.0.", StringComparison.Ordinal));
            // The new address is added before the old one goes, so the two may be seen together for a moment.
            string addresses = "";
            await Poll.UntilAsync(
                async () =>
                {
                    addresses = await gateway.Host.Namespace.ExecAsync(Tools.Ip, "-4", "address", "show", "dev", gateway.Interface);
                    return addresses.Contains("inet 10.20.0.1/24", StringComparison.Ordinal) && !addresses.Contains("10.8.0.1", StringComparison.Ordinal);
                },
                TimeSpan.FromSeconds(15),
                () => $"the interface did not move to the new address alone:\n{addresses}");
            Assert.Contains("10.20.0.2/32", await gateway.Host.WgAsync("show", gateway.Interface, "allowed-ips"), StringComparison.Ordinal);

            string renumbered = await gateway.CheckAsync("peer", "config", "laptop");
            Assert.Contains("Address = 10.20.0.2/32", renumbered, StringComparison.Ordinal);
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, renumbered))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.20.0.1", "the gateway at its new address");
            _ = config;
        });

    [RootFact]
    public Task APeerAddedWithWgSet_ShowsAsUnmanaged_AndTheDaemonRemovesIt() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            await gateway.AddPeerAsync("laptop");
            string stranger = (await Command.CheckAsync([Tools.Wg, "genkey"], input: null)).Trim();
            string strangerPublic = (await Command.CheckAsync([Tools.Wg, "pubkey"], input: stranger + "\n")).Trim();
            await gateway.Host.WgAsync("set", gateway.Interface, "peer", strangerPublic, "allowed-ips", "10.8.0.99/32");

            string status = await gateway.CheckAsync("status");
            Assert.Contains($"peer: {strangerPublic} (unmanaged: not in holt.toml; the gateway removes it)", status, StringComparison.Ordinal);
            await Poll.UntilAsync(
                async () => !(await gateway.Host.WgAsync("show", gateway.Interface, "peers")).Contains(strangerPublic, StringComparison.Ordinal),
                TimeSpan.FromSeconds(25),
                () => "the daemon did not remove the unmanaged peer");
            // The log line follows the removal: under load it may land a moment after the peer is gone.
            await Poll.UntilAsync(
                async () => (await File.ReadAllTextAsync(gateway.LogPath)).Contains($"removed an unmanaged peer {strangerPublic[..8]}...", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                () => "the daemon removed the unmanaged peer without saying so:\n" + File.ReadAllText(gateway.LogPath));
            Assert.Contains(JsonOf(await gateway.PeersAsync(), "laptop", "public_key"), await gateway.Host.WgAsync("show", gateway.Interface, "peers"), StringComparison.Ordinal);
        });

    [RootFact]
    public Task FirstRun_HoltUpCreatesTheConfiguration_AndAPeerConnects() =>
        Lab.RunAsync(output, async lab =>
        {
            if (File.Exists("/var/run/wireguard/wg0.sock"))
            {
                throw new XunitException("an interface wg0 already runs on this machine; the first-run test needs the default name free");
            }

            Harness.Gateway gateway = await Harness.Gateway.CreateWithoutConfigAsync(lab);
            CommandResult up = await gateway.UpAsync();
            up.EnsureSuccess();
            Assert.Contains("created one", up.Output, StringComparison.Ordinal);
            string toml = await File.ReadAllTextAsync(gateway.ConfigPath);
            Assert.Contains("interface = \"wg0\"", toml, StringComparison.Ordinal);
            Assert.Contains("subnet = \"10.8.0.0/24\"", toml, StringComparison.Ordinal);
            Assert.Contains("listen_port = 51820", toml, StringComparison.Ordinal);
            Assert.Contains($"endpoint = \"{gateway.Host.UnderlayV4}\"", toml, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(gateway.ConfigPath));

            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            string config = await gateway.AddPeerAsync("laptop");
            Assert.Contains($"Endpoint = {gateway.Host.UnderlayV4}:51820\n", config, StringComparison.Ordinal);
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, config))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway made by the first holt up");
            await gateway.DownAsync();
        });

    private static string JsonOf(Dictionary<string, JsonElement> peers, string name, string property) =>
        peers[name].GetProperty(property).GetString()!;

    private static (ulong Rx, ulong Tx) Totals(Dictionary<string, JsonElement> peers, string name) =>
        (peers[name].GetProperty("rx_bytes").GetUInt64(), peers[name].GetProperty("tx_bytes").GetUInt64());

    private static async Task<string> HandshakeAsync(Harness.Gateway gateway, string publicKey)
    {
        string dump = await gateway.Host.WgAsync("show", gateway.Interface, "latest-handshakes");
        return dump.Split('\n').Single(l => l.StartsWith(publicKey, StringComparison.Ordinal)).Split('\t')[1];
    }
}
