using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;
using static Holt.Integration.Tests.Firewall.FirewallTests;

namespace Holt.Integration.Tests.Firewall;

/// <summary>
/// A monitoring peer (<c>holt peer add --monitor</c>) with real traffic: it reaches the gateway's VPN address and
/// nothing else, however its client config is edited to route more, while an ordinary peer that routes the same
/// reaches all of it.
/// <code>
///   home 10.8.0.2 (client-to-client, serves :8080, exposed) ─┐
///   laptop 10.8.0.3 (client-to-client, routes the LAN)      ─┼─ hub ─ gateway 10.8.0.1, lan0 192.168.50.1 ─ LAN 192.168.50.2
///   probe 10.8.0.4 (--monitor, edited to route as the laptop)─┘
/// </code>
/// </summary>
public sealed class MonitorPeerTests(ITestOutputHelper output)
{
    private const string Routes = "10.8.0.0/24, 192.168.50.0/24";

    [RootFact]
    public Task MonitoringPeer_ReachesOnlyTheGatewaysVpnAddress_WhileAnOrdinaryPeerReachesEverything() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            await lab.AddLanAsync(gateway.Host);
            (await gateway.UpAsync()).EnsureSuccess();
            Host home = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host probe = await lab.AddHostAsync(Implementation.WireGuardGo);
            string homeConfig = await gateway.AddPeerAsync("home", "--client-to-client");
            string laptopConfig = await gateway.AddPeerAsync("laptop", "--client-to-client", "--allowed-ips", "10.8.0.0/24,192.168.50.0/24");
            string probeConfig = await gateway.AddPeerAsync("probe", "--monitor");
            await gateway.CheckAsync("expose", "add", "8080", "--peer", "home");

            // What holt printed: the gateway's address alone, no keepalive, no DNS.
            Assert.Contains("Address = 10.8.0.4/32\n", probeConfig, StringComparison.Ordinal);
            Assert.Contains("AllowedIPs = 10.8.0.1/32\n", probeConfig, StringComparison.Ordinal);
            Assert.DoesNotContain("PersistentKeepalive", probeConfig, StringComparison.Ordinal);
            Assert.DoesNotContain("DNS", probeConfig, StringComparison.Ordinal);

            // The probe's owner edits its config to route what the laptop routes: the gateway must hold the line.
            string edited = probeConfig.Replace("AllowedIPs = 10.8.0.1/32", "AllowedIPs = " + Routes, StringComparison.Ordinal);
            Assert.Contains("AllowedIPs = " + Routes + "\n", laptopConfig, StringComparison.Ordinal);
            (await lab.WgQuickAsync(home, "up", await Harness.Gateway.WriteClientConfigAsync(lab, home, homeConfig))).EnsureSuccess();
            (await lab.WgQuickAsync(laptop, "up", await Harness.Gateway.WriteClientConfigAsync(lab, laptop, laptopConfig))).EnsureSuccess();
            (await lab.WgQuickAsync(probe, "up", await Harness.Gateway.WriteClientConfigAsync(lab, probe, edited))).EnsureSuccess();
            await StartWebServerAsync(lab, home.Namespace, 8080);
            await Traffic.WaitUntilReachableAsync(home, "10.8.0.1", "the gateway from home");
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway from the laptop");
            await Traffic.WaitUntilReachableAsync(probe, "10.8.0.1", "the gateway from the monitoring peer");

            await AssertOrdinaryPeerReachesEverythingAsync(laptop);
            await AssertMonitoringPeerReachesOnlyTheGatewayAsync(probe, "the firewall is off");

            // With the firewall on, whose input chain lets the VPN reach everything on the gateway, still only that.
            await gateway.CheckAsync("firewall", "apply");
            await gateway.CheckAsync("firewall", "confirm", "--force");
            await AssertOrdinaryPeerReachesEverythingAsync(laptop);
            await AssertMonitoringPeerReachesOnlyTheGatewayAsync(probe, "the firewall is on");

            // An ordinary peer again: the LAN behind the gateway and the gateway's own LAN address open up.
            await gateway.CheckAsync("peer", "set", "probe", "--monitor", "off");
            await Traffic.AssertPingsAsync(probe, "192.168.50.1");
            await Traffic.AssertPingsAsync(probe, "192.168.50.2");
        });

    private static async Task AssertOrdinaryPeerReachesEverythingAsync(Host laptop)
    {
        await Traffic.AssertPingsAsync(laptop, "10.8.0.1");
        await Traffic.AssertPingsAsync(laptop, "10.8.0.2");
        await Traffic.AssertPingsAsync(laptop, "192.168.50.1");
        await Traffic.AssertPingsAsync(laptop, "192.168.50.2");
        CommandResult fetched = await Fetch(laptop, "http://10.8.0.1:8080/");
        Assert.True(fetched.Succeeded && fetched.Output.Contains(Page, StringComparison.Ordinal), $"the laptop fetching the exposed port: {fetched.Describe()}");
    }

    private static async Task AssertMonitoringPeerReachesOnlyTheGatewayAsync(Host probe, string when)
    {
        await Traffic.AssertPingsAsync(probe, "10.8.0.1");
        await Traffic.AssertNoReplyAsync(probe, "10.8.0.2", $"a monitoring peer reaches no other peer ({when})");
        await Traffic.AssertNoReplyAsync(probe, "10.8.0.3", $"a monitoring peer reaches no other peer ({when})");
        await Traffic.AssertNoReplyAsync(probe, "192.168.50.1", $"a monitoring peer reaches none of the gateway's other addresses ({when})");
        await Traffic.AssertNoReplyAsync(probe, "192.168.50.2", $"a monitoring peer reaches nothing behind the gateway ({when})");
        CommandResult fetched = await Fetch(probe, "http://10.8.0.1:8080/");
        Assert.False(fetched.Succeeded, $"the monitoring peer reached the exposed port ({when}): {fetched.Output}");
    }

    private static Task<CommandResult> Fetch(Host from, string url) =>
        Command.RunAsync(from.Namespace.Wrap(Tools.Curl, "-sS", "-g", "--connect-timeout", "2", "--max-time", "5", url));
}
