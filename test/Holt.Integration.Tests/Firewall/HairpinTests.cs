using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;
using static Holt.Integration.Tests.Firewall.FirewallTests;

namespace Holt.Integration.Tests.Firewall;

/// <summary>
/// Hairpin NAT: an exposed service reached through the gateway's public address from inside, by a full-tunnel VPN
/// client, a host on a LAN behind the gateway and the gateway itself, as the internet reaches it.
/// <code>
///   internet (10.0.0.2) ─┐                          ┌─ router (NAT) ─ laptop: full-tunnel VPN peer
///                        ├─ hub ─ gateway 10.0.0.1 ─┤
///                        │   (holt up, firewall on) └─ router (NAT) ─ home: VPN peer, HTTP :8080 to :8082
///   LAN 192.168.50.2 ─ the gateway's lan0 (192.168.50.1)
/// </code>
/// The laptop sits behind a router so that, as on any real network, the gateway is reached by a default route,
/// which its full tunnel replaces (a directly connected underlay would bypass the tunnel).
/// </summary>
public sealed class HairpinTests(ITestOutputHelper output)
{
    private const string Subnet6 = "fd42:8::/64";

    [RootFact]
    public Task FullTunnelClient_ReachesTheExposedServiceAtThePublicAddress_AndNothingElseOfThePeer() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab, "--subnet6", Subnet6);
            Host internet = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host laptop = await lab.AddHostBehindNatAsync(Implementation.WireGuardGo, udpTimeoutSeconds: 60);
            Host home = await lab.AddHostBehindNatAsync(Implementation.WireGuardGo, udpTimeoutSeconds: 60);
            NetworkNamespace lan = await lab.AddLanAsync(gateway.Host);
            await lan.IpAsync("route", "add", "default", "via", "192.168.50.1");
            (await gateway.UpAsync()).EnsureSuccess();
            await gateway.CheckAsync("firewall", "apply");
            await gateway.CheckAsync("firewall", "confirm", "--force");

            // home is 10.8.0.2 and fd42:8::2, the laptop 10.8.0.3 and fd42:8::3; client-to-client is off for both.
            await gateway.AddPeerAsync("home");
            await gateway.CheckAsync("expose", "add", "8080", "--peer", "home");
            await gateway.CheckAsync("expose", "add", "8090", "--peer", "home", "--to-port", "8082", "--snat");
            string homeConfig = await gateway.CheckAsync("peer", "config", "home");
            (await lab.WgQuickAsync(home, "up", await Harness.Gateway.WriteClientConfigAsync(lab, home, homeConfig))).EnsureSuccess();
            string laptopConfig = await gateway.AddPeerAsync("laptop", "--full-tunnel");
            Assert.Contains("AllowedIPs = 0.0.0.0/0, ::/0\n", laptopConfig, StringComparison.Ordinal);
            (await lab.WgQuickAsync(laptop, "up", await Harness.Gateway.WriteClientConfigAsync(lab, laptop, laptopConfig))).EnsureSuccess();
            BackgroundProcess web = await StartWebServerAsync(lab, home.Namespace, 8080, bind: "::");
            await StartWebServerAsync(lab, home.Namespace, 8081, bind: "::");
            BackgroundProcess snatWeb = await StartWebServerAsync(lab, home.Namespace, 8082, bind: "::");
            await Traffic.WaitUntilReachableAsync(home, "10.8.0.1", "the gateway from home");
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway from the laptop");

            string public4 = gateway.Host.UnderlayV4;
            string public6 = $"[{gateway.Host.UnderlayV6}]";

            // From the internet, as before; the home server sees the client's address.
            await FetchAsync(internet.Namespace, $"http://{public4}:8080/?internet-v4");
            await FetchAsync(internet.Namespace, $"http://{public6}:8080/?internet-v6");
            await SeenAsync(web, internet.UnderlayV4, "/?internet-v4");
            await SeenAsync(web, internet.UnderlayV6!, "/?internet-v6");

            // The laptop's full tunnel carries its request for the public address to the gateway, which sends it
            // on to home; home sees the laptop's VPN address, and its replies come back through the gateway.
            await FetchAsync(laptop.Namespace, $"http://{public4}:8080/?laptop-v4");
            await FetchAsync(laptop.Namespace, $"http://{public6}:8080/?laptop-v6");
            await SeenAsync(web, "10.8.0.3", "/?laptop-v4");
            await SeenAsync(web, "fd42:8::3", "/?laptop-v6");

            // --snat works the same way from inside: home sees the gateway's VPN address.
            await FetchAsync(laptop.Namespace, $"http://{public4}:8090/?laptop-snat-v4");
            await FetchAsync(laptop.Namespace, $"http://{public6}:8090/?laptop-snat-v6");
            await SeenAsync(snatWeb, "10.8.0.1", "/?laptop-snat-v4");
            await SeenAsync(snatWeb, "fd42:8::1", "/?laptop-snat-v6");

            // A full-tunnel peer reaching its own exposed port: it would get its packets back from its own address,
            // which its kernel drops, so it sees the gateway's VPN address. (Its config needs no return path.)
            await gateway.CheckAsync("expose", "add", "8083", "--peer", "laptop");
            Assert.Equal(laptopConfig, await gateway.CheckAsync("peer", "config", "laptop"));
            BackgroundProcess laptopWeb = await StartWebServerAsync(lab, laptop.Namespace, 8083, bind: "::");
            await FetchAsync(laptop.Namespace, $"http://{public4}:8083/?self-v4");
            await FetchAsync(laptop.Namespace, $"http://{public6}:8083/?self-v6");
            await SeenAsync(laptopWeb, "10.8.0.1", "/?self-v4");
            await SeenAsync(laptopWeb, "fd42:8::1", "/?self-v6");

            // A host on a LAN behind the gateway, and a process on the gateway itself.
            await FetchAsync(lan, $"http://{public4}:8080/?lan");
            await FetchAsync(gateway.Host.Namespace, $"http://{public4}:8080/?gateway-v4");
            await FetchAsync(gateway.Host.Namespace, $"http://{public6}:8080/?gateway-v6");
            await SeenAsync(web, "192.168.50.2", "/?lan");
            await SeenAsync(web, public4, "/?gateway-v4");
            await SeenAsync(web, gateway.Host.UnderlayV6!, "/?gateway-v6");

            // The hairpin opens the exposed port only: with client-to-client off the laptop reaches neither
            // home's served port directly nor its other one, over either family.
            await AssertNoConnectionAsync(laptop.Namespace, "http://10.8.0.2:8080/");
            await AssertNoConnectionAsync(laptop.Namespace, "http://10.8.0.2:8081/");
            await AssertNoConnectionAsync(laptop.Namespace, "http://[fd42:8::2]:8081/");
            await AssertNoConnectionAsync(laptop.Namespace, $"http://{public4}:8081/");
            await Traffic.AssertNoReplyAsync(laptop, "10.8.0.2", "client-to-client is off");

            // With client-to-client on for both, the hairpin still works, and so does the direct way.
            await gateway.CheckAsync("peer", "set", "home", "--client-to-client", "on");
            await gateway.CheckAsync("peer", "set", "laptop", "--client-to-client", "on");
            await FetchAsync(laptop.Namespace, $"http://{public4}:8080/?laptop-c2c");
            await FetchAsync(laptop.Namespace, "http://10.8.0.2:8081/?direct");
            await SeenAsync(web, "10.8.0.3", "/?laptop-c2c");
        });

    private static async Task FetchAsync(NetworkNamespace from, string url)
    {
        CommandResult fetched = await Command.RunAsync(from.Wrap(Tools.Curl, "-sS", "-g", "--max-time", "10", url));
        Assert.True(fetched.Succeeded && fetched.Output.Contains(Page, StringComparison.Ordinal), $"{from} fetching {url}: {fetched.Describe()}");
    }

    private static async Task AssertNoConnectionAsync(NetworkNamespace from, string url)
    {
        CommandResult result = await Command.RunAsync(from.Wrap(Tools.Curl, "-sS", "-g", "--connect-timeout", "2", url));
        Assert.False(result.Succeeded, $"{from} reached {url}: {result.Output}");
    }

    /// <summary>Waits for a web server's log line of a request for <paramref name="path"/> from <paramref name="client"/>.</summary>
    private static Task SeenAsync(BackgroundProcess server, string client, string path) =>
        Poll.UntilAsync(
            () => Task.FromResult(server.Log().Split('\n').Any(line =>
                (line.StartsWith(client + " - - ", StringComparison.Ordinal) || line.StartsWith("::ffff:" + client + " - - ", StringComparison.Ordinal))
                && line.Contains($"\"GET {path} ", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(5),
            () => $"the web server logged no request for {path} from {client}:\n{server.Log()}");
}
