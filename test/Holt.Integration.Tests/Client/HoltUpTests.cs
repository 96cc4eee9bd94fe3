using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Client;

/// <summary>
/// <c>holt up --config client.conf</c> and <c>holt down</c> on a client namespace, against a wireguard-go server
/// configured with <c>wg</c> in another: traffic, hooks, DNS, full-tunnel policy routing, and that a failure at
/// any point leaves nothing behind.
/// </summary>
public sealed class HoltUpTests(ITestOutputHelper output)
{
    // An address only the server has (on its loopback): reachable from the client through a full tunnel alone.
    private const string BehindServer = "172.31.9.9";
    private const string BehindServerV6 = "fd31::9";

    [RootFact]
    public Task SplitTunnel_PingsAcross_DownRemovesEverything() =>
        Lab.RunAsync(output, async lab =>
        {
            (Host client, Host server) = await ClientAndServerAsync(lab);
            string file = await WriteClientConfigAsync(lab, client, server, $"{server.TunnelV4}/32, {server.TunnelV6}/128, 10.77.0.0/16");

            await UpAsync(lab, client, file);
            await Traffic.AssertPingsAsync(client, server.TunnelV4);
            await Traffic.AssertPingsAsync(client, server.TunnelV6);

            // wg-quick's choices: the MTU from the underlay's 1500 less 80; a route for the one allowed network the
            // address's own subnet does not cover; the peer as the file says.
            string link = await client.Namespace.IpAsync("link", "show", "dev", client.Interface);
            Assert.Contains("mtu 1420 ", link, StringComparison.Ordinal);
            Assert.Contains("10.77.0.0/16 dev " + client.Interface, await client.Namespace.IpAsync("-4", "route", "show"), StringComparison.Ordinal);
            WgPeer peer = await client.PeerAsync(server);
            Assert.Equal(server.Endpoint(Underlay.IPv4), peer.Endpoint);

            await DownAsync(lab, client, file);
            await AssertNothingLeftAsync(client);
        });

    [RootFact]
    public Task Hooks_RunInOrder_WithTheInterfaceName() =>
        Lab.RunAsync(output, async lab =>
        {
            (Host client, Host server) = await ClientAndServerAsync(lab);
            string log = Path.Combine(lab.Directory, "hooks.log");
            string Hook(string phase) => $"echo {phase} %i $(ip link show dev %i >/dev/null 2>&1 && echo present || echo absent) >> {log}";
            string file = await WriteClientConfigAsync(lab, client, server, $"{server.TunnelV4}/32", $"""
                PreUp = {Hook("pre-up")}
                PostUp = {Hook("post-up")}
                PostUp = echo second-post-up %i >> {log}
                PreDown = {Hook("pre-down")}
                PostDown = {Hook("post-down")}
                """);

            await UpAsync(lab, client, file);
            await Traffic.AssertPingsAsync(client, server.TunnelV4);
            await DownAsync(lab, client, file);

            string name = client.Interface;
            Assert.Equal(
                [$"pre-up {name} absent", $"post-up {name} present", $"second-post-up {name}", $"pre-down {name} present", $"post-down {name} absent"],
                File.ReadAllLines(log));
        });

    [RootFact]
    public Task Dns_GoesToResolvconf_AndLeavesWithTheInterface() =>
        Lab.RunAsync(output, async lab =>
        {
            (Host client, Host server) = await ClientAndServerAsync(lab);
            string calls = Path.Combine(lab.Directory, "resolvconf.log");
            string bin = await FakeResolvconfAsync(lab, calls);
            string file = await WriteClientConfigAsync(lab, client, server, $"{server.TunnelV4}/32", "DNS = 192.168.241.53, fd00::53, example.com");

            await UpAsync(lab, client, file, bin);
            await DownAsync(lab, client, file, bin);

            Assert.Equal(
                [
                    $"resolvconf -a {client.Interface} -m 0 -x",
                    "nameserver 192.168.241.53",
                    "nameserver fd00::53",
                    "search example.com",
                    $"resolvconf -d {client.Interface} -f",
                ],
                File.ReadAllLines(calls));
        });

    [RootFact]
    public Task FullTunnel_PolicyRouting_CarriesEverything_OuterUdpGoesDirect() =>
        Lab.RunAsync(output, async lab =>
        {
            (Host client, Host server) = await ClientAndServerAsync(lab);
            await server.Namespace.IpAsync("addr", "add", BehindServer + "/32", "dev", "lo");
            await server.Namespace.IpAsync("addr", "add", BehindServerV6 + "/128", "dev", "lo");
            Assert.False((await client.Namespace.TryIpAsync("route", "get", BehindServer)).Succeeded, "the client has a route to the server's loopback before the tunnel is up");
            string file = await WriteClientConfigAsync(lab, client, server, "0.0.0.0/0, ::/0");

            await UpAsync(lab, client, file);

            await Traffic.AssertPingsAsync(client, BehindServer);
            await Traffic.AssertPingsAsync(client, BehindServerV6);
            WgPeer atServer = await server.PeerAsync(client);
            Assert.True(atServer.RxBytes >= 3 * WireSize.PingV4, $"the server received {atServer.RxBytes} bytes from the client: the pings did not come through the tunnel");

            // wg-quick's layout: table 51820 and the mark that keeps the outer packets out of it.
            NetworkNamespace ns = client.Namespace;
            Assert.Equal("0xca6c", (await client.DumpAsync()).FwMark);
            string rules = await ns.IpAsync("-4", "rule", "show");
            Assert.Contains("not from all fwmark 0xca6c lookup 51820", rules, StringComparison.Ordinal);
            Assert.Contains("from all lookup main suppress_prefixlength 0", rules, StringComparison.Ordinal);
            Assert.Contains("not from all fwmark 0xca6c lookup 51820", await ns.IpAsync("-6", "rule", "show"), StringComparison.Ordinal);
            Assert.Equal("1", (await ns.ExecAsync(Tools.Sh, "-c", "cat /proc/sys/net/ipv4/conf/all/src_valid_mark")).Trim());
            Assert.Contains($"table ip holt-quick-{client.Interface}", await ns.ExecAsync(Tools.Nft, "list", "tables"), StringComparison.Ordinal);

            // Unmarked, anything goes into the tunnel; marked (the engine's own UDP), it takes the underlay.
            Assert.Contains($"dev {client.Interface} table 51820", await ns.IpAsync("route", "get", BehindServer), StringComparison.Ordinal);
            string outer = await ns.TryIpAsync("route", "get", BehindServer, "mark", "51820") is { Succeeded: true } r ? r.Output : "unreachable";
            Assert.DoesNotContain(client.Interface, outer, StringComparison.Ordinal);
            Assert.Contains("dev ul", await ns.IpAsync("route", "get", server.UnderlayV4, "mark", "51820"), StringComparison.Ordinal);

            await DownAsync(lab, client, file);
            await AssertNothingLeftAsync(client);
        });

    [RootFact]
    public Task FullTunnel_SameRulesAndRoutesAsWgQuick() =>
        Lab.RunAsync(output, async lab =>
        {
            (Host client, Host server) = await ClientAndServerAsync(lab);
            string file = await WriteClientConfigAsync(lab, client, server, "0.0.0.0/0, ::/0, 10.77.0.0/16");

            CommandResult quickUp = await lab.WgQuickAsync(client, "up", file);
            Assert.True(quickUp.Succeeded, quickUp.Describe());
            await Traffic.AssertPingsAsync(client, server.TunnelV4);
            string wgQuick = await RoutingStateAsync(client);
            CommandResult quickDown = await lab.WgQuickAsync(client, "down", file);
            Assert.True(quickDown.Succeeded, quickDown.Describe());
            Assert.Empty(await client.Tunnel!.ConfirmShutdownAsync("wg-quick down"));

            await UpAsync(lab, client, file);
            await Traffic.AssertPingsAsync(client, server.TunnelV4);
            string holt = await RoutingStateAsync(client);
            await DownAsync(lab, client, file);

            Assert.Equal(wgQuick, holt);
        });

    [RootFact]
    public Task SaveConfigTrue_IsRefused_NothingCreated() =>
        Lab.RunAsync(output, async lab =>
        {
            (Host client, Host server) = await ClientAndServerAsync(lab);
            string file = await WriteClientConfigAsync(lab, client, server, $"{server.TunnelV4}/32", "SaveConfig = true");

            CommandResult up = await lab.HoltUpAsync(client, file);

            AssertFailedWith(up, $"holt: {file}:6: SaveConfig = true is not supported");
            await AssertNothingLeftAsync(client);
        });

    [RootFact]
    public Task BadLine_FailsWithFileAndLine_NothingCreated() =>
        Lab.RunAsync(output, async lab =>
        {
            (Host client, Host server) = await ClientAndServerAsync(lab);
            string text = ClientConfig(lab, client, server, $"{server.TunnelV4}/32") + "PersistentKeepalive = forever\n";
            string file = await lab.WriteFileAsync($"{client.Interface}.conf", text);

            CommandResult up = await lab.HoltUpAsync(client, file);

            int line = text.TrimEnd('\n').Split('\n').Length;
            AssertFailedWith(up, $"holt: {file}:{line}: PersistentKeepalive must be off or a number of seconds from 0 to 65535, not 'forever'");
            await AssertNothingLeftAsync(client);
        });

    [RootFact]
    public Task FailingPostUp_RollsBackTheFullTunnel() =>
        Lab.RunAsync(output, async lab =>
        {
            (Host client, Host server) = await ClientAndServerAsync(lab);
            string file = await WriteClientConfigAsync(lab, client, server, "0.0.0.0/0, ::/0", "PostUp = ip link show dev %i > /dev/null && exit 7");

            CommandResult up = await lab.HoltUpAsync(client, file);

            AssertFailedWith(up, $"holt: {file}:6: the PostUp hook failed with exit code 7");
            await AssertNothingLeftAsync(client);
        });

    private static async Task<(Host Client, Host Server)> ClientAndServerAsync(Lab lab)
    {
        Host server = await lab.AddHostAsync(Implementation.WireGuardGo);
        Host client = await lab.AddHostAsync(Implementation.Holt);
        await lab.StartTunnelAsync(server);
        await lab.ConnectAsync(server, client, endpoint: null);
        return (client, server);
    }

    /// <summary>
    /// The client's file: its key and the lab's two tunnel addresses, the server as its peer. Extra [Interface]
    /// lines start at line 6.
    /// </summary>
    private static string ClientConfig(Lab lab, Host client, Host server, string allowedIps, string interfaceLines = "")
    {
        string psk = File.ReadAllText(lab.PresharedKeyFileAsync().GetAwaiter().GetResult()).Trim();
        return $"""
            [Interface]
            # The client of {server}
            PrivateKey = {client.Keys.PrivateKey}
            Address = {client.TunnelV4}/24
            Address = {client.TunnelV6}/112
            {interfaceLines}

            [Peer]
            PublicKey = {server.Keys.PublicKey}
            PresharedKey = {psk}
            Endpoint = {server.Endpoint(Underlay.IPv4)}
            AllowedIPs = {allowedIps}

            """;
    }

    private static Task<string> WriteClientConfigAsync(Lab lab, Host client, Host server, string allowedIps, string interfaceLines = "") =>
        lab.WriteFileAsync($"{client.Interface}.conf", ClientConfig(lab, client, server, allowedIps, interfaceLines));

    private static async Task UpAsync(Lab lab, Host client, string file, string? path = null)
    {
        CommandResult up = await lab.HoltUpAsync(client, file, path);
        Assert.True(up.Succeeded, up.Describe());
        CommandResult tun = await client.Namespace.TryExecAsync(Tools.Sh, "-c", $"test -e /sys/class/net/{client.Interface}/tun_flags");
        Assert.True(tun.Succeeded, $"{client.Interface} is not Holt's TUN device after holt up. Output:\n{up.Output}");
    }

    private static async Task DownAsync(Lab lab, Host client, string file, string? path = null)
    {
        CommandResult down = await lab.HoltDownAsync(client, file, path);
        Assert.True(down.Succeeded, down.Describe());
        IReadOnlyList<string> problems = await client.Tunnel!.ConfirmShutdownAsync("holt down");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>Exit code 1 and one error line, among the progress lines and the engine's log (LOG_LEVEL is set).</summary>
    private static void AssertFailedWith(CommandResult result, string errorStart)
    {
        Assert.Equal(1, result.ExitCode);
        string error = Assert.Single(result.Output.Split('\n'), line => line.StartsWith("holt: ", StringComparison.Ordinal));
        Assert.StartsWith(errorStart, error, StringComparison.Ordinal);
    }

    /// <summary>What wg-quick sets up and down must take away: rules, the policy table's routes, the firewall table.</summary>
    private static async Task<string> RoutingStateAsync(Host host)
    {
        NetworkNamespace ns = host.Namespace;
        return string.Join(
            "\n",
            await ns.IpAsync("-4", "rule", "show"),
            await ns.IpAsync("-6", "rule", "show"),
            await ns.IpAsync("-4", "route", "show", "table", "51820"),
            await ns.IpAsync("-6", "route", "show", "table", "51820"),
            await ns.IpAsync("-4", "route", "show", "table", "main"),
            await ns.IpAsync("-6", "route", "show", "table", "main"),
            // Without what differs between two creations: the interface's index and its random link-local address.
            string.Join('\n', (await ns.IpAsync("-o", "address", "show", "dev", host.Interface)).Split('\n')
                .Where(line => !line.Contains(" fe80:", StringComparison.Ordinal))
                .Select(line => Regex.Replace(line, @"^\d+: ", ""))),
            (await host.WgAsync("show", host.Interface, "fwmark")).Trim());
    }

    /// <summary>No interface, control socket, engine process, policy rule, policy route or firewall table left.</summary>
    private static async Task AssertNothingLeftAsync(Host client)
    {
        NetworkNamespace ns = client.Namespace;
        Assert.False(await ns.HasLinkAsync(client.Interface), $"{client.Interface} is still there");
        Assert.False(File.Exists(Path.Combine(TunnelProcess.SocketDirectory, client.Interface + ".sock")), "the control socket is still there");
        Assert.Empty(await ns.ProcessIdsAsync());
        Assert.Equal(["from all lookup local", "from all lookup main", "from all lookup default"], RuleNames(await ns.IpAsync("-4", "rule", "show")));
        Assert.Equal(["from all lookup local", "from all lookup main"], RuleNames(await ns.IpAsync("-6", "rule", "show")));
        Assert.Equal("", (await ns.TryIpAsync("route", "show", "table", "51820")).Output.Trim());
        Assert.Equal("", (await ns.ExecAsync(Tools.Nft, "list", "tables")).Trim());
    }

    private static string[] RuleNames(string rules) =>
        [.. rules.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())];

    /// <summary>A resolvconf that writes its arguments and what it reads into <paramref name="calls"/>; returns its directory.</summary>
    private static async Task<string> FakeResolvconfAsync(Lab lab, string calls)
    {
        string bin = Path.Combine(lab.Directory, "bin");
        string script = await lab.WriteFileAsync("bin/resolvconf", $"#!{Tools.Sh}\necho \"resolvconf $*\" >> {calls}\nif [ \"$1\" = -a ]; then cat >> {calls}; fi\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return bin;
    }
}
