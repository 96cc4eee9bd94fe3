using System.Net;
using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using static Holt.Tests.Firewall.RulesetSamples;

namespace Holt.Tests.Firewall;

/// <summary>The generated <c>table inet holt</c>: the rules that matter are there, exactly, and only when they should be.</summary>
public sealed class RulesetTests
{
    [Fact]
    public void Build_Active_InputDropsByPolicyAndLetsEstablishedTrafficInFirst()
    {
        List<string> input = Chain(Ruleset.Build(Full, Active), "input");

        Assert.Equal("type filter hook input priority filter; policy drop;", input[0]);
        Assert.Equal("ct state established,related accept", input[1]);
        Assert.Equal("ct state invalid drop", input[2]);
        Assert.Equal("iif \"lo\" accept", input[3]);
        Assert.Equal("counter comment \"dropped by the policy\"", input[^1]);
    }

    [Fact]
    public void Build_Active_AcceptsTheWireGuardPortAndEverythingFromTheVpn()
    {
        List<string> input = Chain(Ruleset.Build(Full.WithGateway(Full.Gateway with { ListenPort = 443 + 51000 }), Active), "input");

        Assert.Contains("udp dport 51443 accept comment \"WireGuard\"", input);
        Assert.Contains("iifname \"hfw0\" accept comment \"the VPN reaches everything on the gateway\"", input);
    }

    [Fact]
    public void Build_Active_KeepsDhcpAndNeighbourDiscovery()
    {
        List<string> input = Chain(Ruleset.Build(With(Plain), Active), "input");

        Assert.Contains("icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, nd-router-solicit, packet-too-big, destination-unreachable, time-exceeded, parameter-problem } accept comment \"IPv6 needs these\"", input);
        Assert.Contains("icmp type { destination-unreachable, time-exceeded, parameter-problem } accept", input);
        Assert.Contains("udp sport 67 udp dport 68 accept comment \"DHCP replies (cloud VMs renew leases)\"", input);
        Assert.Contains("udp sport 547 udp dport 546 accept comment \"DHCPv6 replies\"", input);
    }

    [Fact]
    public void Build_AllowFrom_OpensSshAndAdminPortsPerFamily()
    {
        List<string> input = Chain(Ruleset.Build(Full, Active), "input");

        Assert.Contains("ip saddr { 198.51.100.0/24, 192.0.2.128/25 } tcp dport { 22, 2222, 8443 } accept comment \"SSH and admin from allow_from\"", input);
        Assert.Contains("ip6 saddr 2001:db8:1::/48 tcp dport { 22, 2222, 8443 } accept comment \"SSH and admin from allow_from\"", input);
    }

    [Fact]
    public void Build_SshAndAdminPorts_AreNeverOpenToEveryone()
    {
        List<string> input = Chain(Ruleset.Build(Full, Active), "input");

        Assert.DoesNotContain(input, line => line.StartsWith("tcp dport 22 ", StringComparison.Ordinal) || line.StartsWith("tcp dport 8443 ", StringComparison.Ordinal));
        Assert.DoesNotContain(input, line => line.Contains("dport { 22", StringComparison.Ordinal) && !line.Contains("saddr", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_OneAllowFromNetwork_IsWrittenWithoutBraces()
    {
        HoltConfig config = With(Plain, new FirewallConfig { AllowFrom = [IPNetwork.Parse("198.51.100.7/32")] });

        List<string> input = Chain(Ruleset.Build(config, Active), "input");

        Assert.Contains("ip saddr 198.51.100.7/32 tcp dport 22 accept comment \"SSH and admin from allow_from\"", input);
        Assert.DoesNotContain(input, line => line.StartsWith("ip6 saddr", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_WithoutAllowFrom_HasNoAllowlistRule()
    {
        List<string> input = Chain(Ruleset.Build(With(Plain, new FirewallConfig { AdminPorts = [8443] }), Active), "input");

        Assert.DoesNotContain(input, line => line.Contains("allow_from", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_PublicPortWithLimits_HasItsRateAndConnectionRulesBeforeItsAccept()
    {
        string ruleset = Ruleset.Build(Full, Active);
        List<string> input = Chain(ruleset, "input");

        string[] expected =
        [
            "tcp dport 80 ct state new add @rate_tcp_80_v4 { ip saddr limit rate over 60/minute burst 60 packets } counter drop comment \"over 60 new a minute\"",
            "tcp dport 80 ct state new add @rate_tcp_80_v6 { ip6 saddr limit rate over 60/minute burst 60 packets } counter drop comment \"over 60 new a minute\"",
            "tcp dport 80 ct state new add @conn_tcp_80_v4 { ip saddr ct count over 20 } counter drop comment \"over 20 at once\"",
            "tcp dport 80 ct state new add @conn_tcp_80_v6 { ip6 saddr ct count over 20 } counter drop comment \"over 20 at once\"",
            "tcp dport 80 accept",
        ];
        int first = input.IndexOf(expected[0]);
        Assert.True(first > 0, "the rate rule is missing");
        Assert.Equal(expected, input.Skip(first).Take(expected.Length));
        Assert.Contains("\tset rate_tcp_80_v4 {\n\t\ttype ipv4_addr\n\t\tsize 65535\n\t\tflags dynamic,timeout\n\t\ttimeout 1m\n\t}\n", ruleset, StringComparison.Ordinal);
        Assert.Contains("\tset conn_tcp_80_v6 {\n\t\ttype ipv6_addr\n\t\tsize 65535\n\t\tflags dynamic\n\t}\n", ruleset, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UdpPublicPortWithARate_HasNoConnectionLimit()
    {
        string ruleset = Ruleset.Build(Full, Active);
        List<string> input = Chain(ruleset, "input");

        Assert.Contains("udp dport 3478 ct state new add @rate_udp_3478_v4 { ip saddr limit rate over 600/minute burst 600 packets } counter drop comment \"over 600 new a minute\"", input);
        Assert.Contains("udp dport 3478 accept", input);
        Assert.DoesNotContain("conn_udp_3478", ruleset, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_PublicPortWithoutLimits_IsOneAccept()
    {
        List<string> input = Chain(Ruleset.Build(Full, Active), "input");

        Assert.Equal(["tcp dport 25 accept"], input.Where(line => line.StartsWith("tcp dport 25 ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Build_CloudflareOnlyPort_DropsOtherSourcesOfBothFamilies()
    {
        string ruleset = Ruleset.Build(Full, Active);
        List<string> input = Chain(ruleset, "input");

        Assert.Equal(
            [
                "tcp dport 443 ip saddr != @cloudflare_v4 counter drop comment \"Cloudflare only\"",
                "tcp dport 443 ip6 saddr != @cloudflare_v6 counter drop comment \"Cloudflare only\"",
                "tcp dport 443 accept",
            ],
            input.Where(line => line.StartsWith("tcp dport 443 ", StringComparison.Ordinal)));
        Assert.Contains("\tset cloudflare_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n\t\telements = { 173.245.48.0/20, 103.21.244.0/22 }\n\t}\n", ruleset, StringComparison.Ordinal);
        Assert.Contains("\tset cloudflare_v6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n\t\tauto-merge\n\t\telements = { 2400:cb00::/32 }\n\t}\n", ruleset, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NoCloudflareOnlyPort_HasNoCloudflareSets()
    {
        HoltConfig config = Full.WithFirewall(Full.Firewall with { Public = [new PublicPort { Port = 443 }] });

        Assert.DoesNotContain("cloudflare", Ruleset.Build(config, Active), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_EchoAllow_AnswersEveryone()
    {
        List<string> input = Chain(Ruleset.Build(Full, Active), "input");

        Assert.Equal(["icmp type echo-request accept", "icmpv6 type echo-request accept"], EchoLines(input));
    }

    [Fact]
    public void Build_EchoVpn_AnswersTheAllowlistOnly()
    {
        HoltConfig config = Full.WithFirewall(Full.Firewall with { Echo = EchoPolicy.Vpn });

        List<string> input = Chain(Ruleset.Build(config, Active), "input");

        Assert.Equal(
            [
                "ip saddr { 198.51.100.0/24, 192.0.2.128/25 } icmp type echo-request accept",
                "ip6 saddr 2001:db8:1::/48 icmpv6 type echo-request accept",
            ],
            EchoLines(input));
    }

    [Fact]
    public void Build_EchoVpnWithoutAllowFrom_HasNoEchoRule()
    {
        HoltConfig config = With(Plain, new FirewallConfig { Echo = EchoPolicy.Vpn });

        Assert.Empty(EchoLines(Chain(Ruleset.Build(config, Active), "input")));
    }

    [Fact]
    public void Build_EchoDrop_HasNoEchoRule()
    {
        HoltConfig config = Full.WithFirewall(Full.Firewall with { Echo = EchoPolicy.Drop });

        Assert.Empty(EchoLines(Chain(Ruleset.Build(config, Active), "input")));
    }

    [Fact]
    public void Build_KeepSshV4_LetsThatClientIn()
    {
        RulesetContext context = Active with { KeepSsh = (IPAddress.Parse("203.0.113.50"), 2222) };

        List<string> input = Chain(Ruleset.Build(Full, context), "input");

        Assert.Contains("ip saddr 203.0.113.50 tcp dport 2222 accept comment \"the SSH session that applied this ruleset\"", input);
    }

    [Fact]
    public void Build_KeepSshV6_LetsThatClientIn()
    {
        RulesetContext context = Active with { KeepSsh = (IPAddress.Parse("2001:db8:9::50"), 22) };

        List<string> input = Chain(Ruleset.Build(Full, context), "input");

        Assert.Contains("ip6 saddr 2001:db8:9::50 tcp dport 22 accept comment \"the SSH session that applied this ruleset\"", input);
    }

    [Fact]
    public void Build_WithoutKeepSsh_HasNoSessionRule()
    {
        Assert.DoesNotContain("the SSH session", Ruleset.Build(Full, Active), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Inactive_HasNoInputChainAndNoInputSets()
    {
        string ruleset = Ruleset.Build(Full, Inactive);

        Assert.DoesNotContain("chain input", ruleset, StringComparison.Ordinal);
        Assert.DoesNotContain("hook input", ruleset, StringComparison.Ordinal);
        Assert.DoesNotContain("cloudflare", ruleset, StringComparison.Ordinal);
        Assert.DoesNotContain("rate_", ruleset, StringComparison.Ordinal);
        Assert.DoesNotContain("conn_", ruleset, StringComparison.Ordinal);
        Assert.StartsWith("table inet holt-hfw0 {\n", ruleset, StringComparison.Ordinal);
        Assert.EndsWith("\t}\n}\n", ruleset, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Build_Forward_ClientToClientRulesAreAlwaysThere(bool active)
    {
        string ruleset = Ruleset.Build(With(Plain), active ? Active : Inactive);
        List<string> forward = Chain(ruleset, "forward");

        Assert.Equal(
            [
                "type filter hook forward priority filter; policy accept;",
                "iifname \"hfw0\" oifname \"hfw0\" ip saddr @c2c_v4 ip daddr @c2c_v4 accept",
                "iifname \"hfw0\" oifname \"hfw0\" ip6 saddr @c2c_v6 ip6 daddr @c2c_v6 accept",
                "iifname \"hfw0\" oifname \"hfw0\" counter drop comment \"client-to-client off\"",
            ],
            forward.Take(4));

        // Only active peers that have it on: laptop and phone, not the disabled one.
        Assert.Contains("\tset c2c_v4 {\n\t\ttype ipv4_addr\n\t\telements = { 10.8.0.3, 10.8.0.4 }\n\t}\n", ruleset, StringComparison.Ordinal);
        Assert.Contains("\tset c2c_v6 {\n\t\ttype ipv6_addr\n\t\telements = { fd42::4 }\n\t}\n", ruleset, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ForwardActive_LetsOnlyExposedFlowsAndRepliesIntoTheVpn()
    {
        List<string> forward = Chain(Ruleset.Build(Full, Active), "forward");

        Assert.Equal(
            [
                "oifname \"hfw0\" ct state established,related accept",
                "oifname \"hfw0\" ct status dnat accept comment \"exposed ports\"",
                "oifname \"hfw0\" counter drop comment \"nothing else reaches the peers from outside\"",
            ],
            forward.Skip(5));
    }

    [Fact]
    public void Build_ForwardInactive_DoesNotFilterTrafficIntoTheVpn()
    {
        List<string> forward = Chain(Ruleset.Build(Full, Inactive), "forward");

        Assert.Equal(5, forward.Count);
        Assert.DoesNotContain(forward, line => line.StartsWith("oifname", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Build_Exposures_ReachedFromTheVpnThroughThePublicAddress_PassWhateverClientToClientSays(bool active)
    {
        List<string> forward = Chain(Ruleset.Build(Full, active ? Active : Inactive), "forward");

        // Before the client-to-client drop; only flows an exposure's DNAT sent into the VPN, and their replies.
        Assert.Equal(
            [
                "iifname \"hfw0\" oifname \"hfw0\" ip6 saddr @c2c_v6 ip6 daddr @c2c_v6 accept",
                "iifname \"hfw0\" oifname \"hfw0\" ct status dnat accept comment \"exposed ports, from the VPN\"",
                "iifname \"hfw0\" oifname \"hfw0\" counter drop comment \"client-to-client off\"",
            ],
            forward.Skip(2).Take(3));
    }

    [Fact]
    public void Build_HairpinForward_OnlyWhileAnExposureIsActive()
    {
        HoltConfig disabledOnly = With(
            Plain with { Peers = [Peer("old", "10.8.0.5", null) with { Enabled = false }] },
            new FirewallConfig { Exposures = [new Exposure { PublicPort = 8081, Peer = "old", ToPort = 80 }] });

        Assert.Contains("ct status dnat accept comment \"exposed ports, from the VPN\"", Ruleset.Build(Full, Inactive), StringComparison.Ordinal);
        Assert.DoesNotContain("from the VPN", Ruleset.Build(With(Plain), Active), StringComparison.Ordinal);
        Assert.DoesNotContain("from the VPN", Ruleset.Build(disabledOnly, Active), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NoClientToClientPeers_HasEmptySets()
    {
        HoltConfig config = With(Plain with { Peers = [Peer("home", "10.8.0.2", "fd42::2")] });

        string ruleset = Ruleset.Build(config, Inactive);

        Assert.Contains("\tset c2c_v4 {\n\t\ttype ipv4_addr\n\t}\n", ruleset, StringComparison.Ordinal);
        Assert.Contains("\tset c2c_v6 {\n\t\ttype ipv6_addr\n\t}\n", ruleset, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Build_Exposures_DnatOnlyTrafficForTheGatewayItself(bool active)
    {
        List<string> prerouting = Chain(Ruleset.Build(Full, active ? Active : Inactive), "prerouting");

        Assert.Equal(
            [
                "type nat hook prerouting priority dstnat; policy accept;",
                "fib daddr type local meta nfproto ipv4 tcp dport 8080 counter dnat ip to 10.8.0.2:80 comment \"expose to home\"",
                "fib daddr type local meta nfproto ipv6 tcp dport 8080 counter dnat ip6 to [fd42::2]:80 comment \"expose to home\"",
                "fib daddr type local meta nfproto ipv4 ip saddr 203.0.113.0/24 tcp dport 9000 counter dnat ip to 10.8.0.2:9000 comment \"expose to home\"",
                "fib daddr type local meta nfproto ipv6 ip6 saddr 2001:db8:2::/48 tcp dport 9000 counter dnat ip6 to [fd42::2]:9000 comment \"expose to home\"",
                "fib daddr type local meta nfproto ipv4 ip saddr 203.0.113.7/32 tcp dport 9001 counter dnat ip to 10.8.0.4:22 comment \"expose to phone\"",
                "fib daddr type local meta nfproto ipv4 udp dport 27015 counter dnat ip to 10.8.0.3:27015 comment \"expose to laptop\"",
            ],
            prerouting);
    }

    [Fact]
    public void Build_Exposures_ConnectionsFromTheGatewayItselfToItsOwnAddressesAreSentOnToo()
    {
        List<string> output = Chain(Ruleset.Build(Full, Inactive), "output");

        // Locally originated packets take the output hook, not prerouting; loopback stays the gateway's own.
        Assert.Equal(
            [
                "type nat hook output priority -100; policy accept;",
                "fib daddr type local ip daddr != 127.0.0.0/8 tcp dport 8080 counter dnat ip to 10.8.0.2:80 comment \"expose to home\"",
                "fib daddr type local ip6 daddr != ::1 tcp dport 8080 counter dnat ip6 to [fd42::2]:80 comment \"expose to home\"",
                "fib daddr type local ip daddr != 127.0.0.0/8 ip saddr 203.0.113.0/24 tcp dport 9000 counter dnat ip to 10.8.0.2:9000 comment \"expose to home\"",
                "fib daddr type local ip6 daddr != ::1 ip6 saddr 2001:db8:2::/48 tcp dport 9000 counter dnat ip6 to [fd42::2]:9000 comment \"expose to home\"",
                "fib daddr type local ip daddr != 127.0.0.0/8 ip saddr 203.0.113.7/32 tcp dport 9001 counter dnat ip to 10.8.0.4:22 comment \"expose to phone\"",
                "fib daddr type local ip daddr != 127.0.0.0/8 udp dport 27015 counter dnat ip to 10.8.0.3:27015 comment \"expose to laptop\"",
            ],
            output);
        Assert.DoesNotContain("chain output", Ruleset.Build(With(Plain), Active), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ExposureWithSeveralSources_ListsThemInASet()
    {
        HoltConfig config = With(Plain, new FirewallConfig
        {
            Exposures = [new Exposure { PublicPort = 8080, Peer = "home", ToPort = 80, Sources = [IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("198.51.100.0/24")] }],
        });

        List<string> prerouting = Chain(Ruleset.Build(config, Inactive), "prerouting");

        Assert.Equal(
            ["fib daddr type local meta nfproto ipv4 ip saddr { 203.0.113.0/24, 198.51.100.0/24 } tcp dport 8080 counter dnat ip to 10.8.0.2:80 comment \"expose to home\""],
            prerouting.Skip(1));
    }

    [Fact]
    public void Build_SnatExposure_IsMasqueradedTowardsThePeer()
    {
        HoltConfig config = Full.WithFirewall(Full.Firewall with { Exposures = [.. Full.Exposures, new Exposure { PublicPort = 7000, Peer = "phone", ToPort = 7070, Snat = true }] });

        List<string> postrouting = Chain(Ruleset.Build(config, Active), "postrouting");

        Assert.Equal(
            [
                "type nat hook postrouting priority srcnat; policy accept;",
                "oifname \"hfw0\" ct status dnat ip daddr 10.8.0.3 udp dport 27015 masquerade comment \"expose to laptop, snat\"",
                "oifname \"hfw0\" ct status dnat ip daddr 10.8.0.4 tcp dport 7070 masquerade comment \"expose to phone, snat\"",
                "oifname \"hfw0\" ct status dnat ip6 daddr fd42::4 tcp dport 7070 masquerade comment \"expose to phone, snat\"",
            ],
            postrouting.Take(4));
        Assert.Equal(["ip saddr 10.8.0.0/24 oifname != \"hfw0\" masquerade", "ip6 saddr fd42::/64 oifname != \"hfw0\" masquerade"], postrouting.TakeLast(2));
    }

    [Fact]
    public void Build_ExposedPeerReachingItsOwnPortThroughThePublicAddress_IsMasqueraded()
    {
        HoltConfig config = With(Plain with { Masquerade = false }, Full.Firewall);

        List<string> postrouting = Chain(Ruleset.Build(config, Active), "postrouting");

        // Each peer with an exposure, once; laptop's only exposure is --snat, which masquerades it already.
        Assert.Equal(
            [
                "type nat hook postrouting priority srcnat; policy accept;",
                "oifname \"hfw0\" ct status dnat ip daddr 10.8.0.3 udp dport 27015 masquerade comment \"expose to laptop, snat\"",
                "oifname \"hfw0\" ct status dnat ip saddr 10.8.0.2 ip daddr 10.8.0.2 masquerade comment \"expose to home, from itself\"",
                "oifname \"hfw0\" ct status dnat ip6 saddr fd42::2 ip6 daddr fd42::2 masquerade comment \"expose to home, from itself\"",
                "oifname \"hfw0\" ct status dnat ip saddr 10.8.0.4 ip daddr 10.8.0.4 masquerade comment \"expose to phone, from itself\"",
                "oifname \"hfw0\" ct status dnat ip6 saddr fd42::4 ip6 daddr fd42::4 masquerade comment \"expose to phone, from itself\"",
            ],
            postrouting);
    }

    [Fact]
    public void Build_NoMasqueradeAndNoExposures_HasNoPostrouting()
    {
        string ruleset = Ruleset.Build(With(Plain with { Masquerade = false }), Active);

        Assert.DoesNotContain("postrouting", ruleset, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NoExposures_HasNoPrerouting()
    {
        Assert.DoesNotContain("prerouting", Ruleset.Build(With(Plain), Active), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ExposureOfADisabledOrExpiredPeer_IsLeftOut()
    {
        HoltConfig config = With(
            Plain with { Peers = [Peer("home", "10.8.0.2", null) with { Expires = Now }, Peer("old", "10.8.0.5", null) with { Enabled = false }] },
            new FirewallConfig
            {
                Exposures =
                [
                    new Exposure { PublicPort = 8080, Peer = "home", ToPort = 80 },
                    new Exposure { PublicPort = 8081, Peer = "old", ToPort = 80, Snat = true },
                ],
            });

        string ruleset = Ruleset.Build(config, Active);

        Assert.DoesNotContain("dnat ip", ruleset, StringComparison.Ordinal);
        Assert.DoesNotContain("expose to", ruleset, StringComparison.Ordinal);
    }

    private static List<string> EchoLines(List<string> input) =>
        input.Where(line => line.Contains("echo-request", StringComparison.Ordinal)).ToList();

    /// <summary>The rules of one chain, each without its indentation.</summary>
    internal static List<string> Chain(string ruleset, string name)
    {
        string[] lines = ruleset.Split('\n');
        int start = Array.IndexOf(lines, $"\tchain {name} {{");
        Assert.True(start >= 0, $"no chain {name} in:\n{ruleset}");
        return lines.Skip(start + 1).TakeWhile(line => line != "\t}").Select(line => line.Trim('\t')).ToList();
    }
}
