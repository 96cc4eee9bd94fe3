using Holt.Firewall;
using Holt.Gateway;
using static Holt.Tests.Firewall.RulesetSamples;

namespace Holt.Tests.Firewall;

/// <summary>Monitoring peers in the generated table: they reach the gateway's VPN address and nothing else, with the firewall on or off.</summary>
public sealed class RulesetMonitorTests
{
    private static readonly GatewayConfig s_withProbes = Plain with
    {
        Peers =
        [
            .. Plain.Peers,
            Peer("probe", "10.8.0.9", "fd42::9") with { Monitor = true, Keepalive = 0 },
            Peer("probe4", "10.8.0.10", null) with { Monitor = true, Keepalive = 0 },
            Peer("retired", "10.8.0.11", null) with { Monitor = true, Enabled = false },
        ],
    };

    [Fact]
    public void MonitoringPeers_AreInTheirSets_OnlyWhileActive()
    {
        string ruleset = Ruleset.Build(With(s_withProbes), Inactive);

        Assert.Contains("\tset monitor_v4 {\n\t\ttype ipv4_addr\n\t\telements = { 10.8.0.9, 10.8.0.10 }\n\t}\n", ruleset, StringComparison.Ordinal);
        Assert.Contains("\tset monitor_v6 {\n\t\ttype ipv6_addr\n\t\telements = { fd42::9 }\n\t}\n", ruleset, StringComparison.Ordinal);
    }

    [Fact]
    public void Input_FromAMonitoringPeer_IsDroppedUnlessForTheGatewaysVpnAddress_EvenWithTheFirewallOff()
    {
        foreach (RulesetContext context in (RulesetContext[])[Inactive, Active])
        {
            List<string> chain = RulesetTests.Chain(Ruleset.Build(With(s_withProbes), context), "monitor_input");

            Assert.Equal(
                [
                    "type filter hook input priority -5; policy accept;",
                    "iifname \"hfw0\" ip saddr @monitor_v4 ip daddr != 10.8.0.1 counter drop comment \"a monitoring peer reaches only the gateway's VPN address\"",
                    "iifname \"hfw0\" ip6 saddr @monitor_v6 ip6 daddr != fd42::1 counter drop comment \"a monitoring peer reaches only the gateway's VPN address\"",
                ],
                chain);
        }
    }

    [Fact]
    public void Input_OfAnIPv4OnlyGateway_DropsEveryIPv6PacketOfAMonitoringPeer()
    {
        GatewayConfig v4 = s_withProbes with { Subnet6 = null, Address6 = null, Peers = [.. s_withProbes.Peers.Select(p => p with { Address6 = null })] };

        List<string> chain = RulesetTests.Chain(Ruleset.Build(With(v4), Inactive), "monitor_input");

        Assert.Equal("iifname \"hfw0\" ip6 saddr @monitor_v6 counter drop comment \"a monitoring peer reaches only the gateway's VPN address\"", chain[2]);
    }

    [Fact]
    public void Forward_FromAMonitoringPeer_IsDroppedBeforeAnyAccept()
    {
        List<string> forward = RulesetTests.Chain(Ruleset.Build(With(s_withProbes, Full.Firewall with { Exposures = [new() { PublicPort = 8080, Peer = "home", ToPort = 80 }] }), Active), "forward");

        Assert.Equal("type filter hook forward priority filter; policy accept;", forward[0]);
        Assert.Equal("iifname \"hfw0\" ip saddr @monitor_v4 counter drop comment \"a monitoring peer reaches only the gateway\"", forward[1]);
        Assert.Equal("iifname \"hfw0\" ip6 saddr @monitor_v6 counter drop comment \"a monitoring peer reaches only the gateway\"", forward[2]);
        Assert.DoesNotContain(forward.Take(3), line => line.Contains("accept", StringComparison.Ordinal) && !line.StartsWith("type", StringComparison.Ordinal));
        Assert.Contains(forward, line => line.Contains("ct status dnat accept", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutMonitoringPeers_TheTableIsAsBefore()
    {
        GatewayConfig retiredOnly = Plain with { Peers = [.. Plain.Peers, Peer("retired", "10.8.0.11", null) with { Monitor = true, Enabled = false }] };

        string ruleset = Ruleset.Build(With(retiredOnly), Active);

        Assert.DoesNotContain("monitor", ruleset, StringComparison.Ordinal);
        Assert.Equal(Ruleset.Build(With(Plain), Active), ruleset);
    }

    [Fact]
    public void AMonitoringPeer_IsNeverInTheClientToClientSets()
    {
        string ruleset = Ruleset.Build(With(s_withProbes), Active);

        Assert.Contains("\tset c2c_v4 {\n\t\ttype ipv4_addr\n\t\telements = { 10.8.0.3, 10.8.0.4 }\n\t}\n", ruleset, StringComparison.Ordinal);
    }
}
