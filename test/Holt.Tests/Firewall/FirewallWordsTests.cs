using System.Net;
using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Firewall;

/// <summary>The firewall in plain words, as the dashboard shows it: one sentence per rule, from the configuration the ruleset is built from.</summary>
public sealed class FirewallWordsTests
{
    [Fact]
    public void AnEnabledFirewall_IsDescribedRuleByRule()
    {
        HoltConfig config = Config(enabled: true);

        Assert.Equal(
            [
                "SSH (TCP 22) and the admin ports (TCP 8443) answer only the VPN (10.8.0.0/24) and from 203.0.113.0/24.",
                "WireGuard (UDP 51820) answers everyone, and nothing it cannot authenticate.",
                "TCP 443 is public, at most 60 new connections a minute per address, at most 20 open at once per address.",
                "TCP 80 is public, only from Cloudflare's ranges.",
                "Only the VPN and from 203.0.113.0/24 may ping the gateway.",
                "TCP 8080 goes to home (10.8.0.2) port 80, only from 198.51.100.0/24, masqueraded as the gateway.",
                "UDP 27015 goes to phone (10.8.0.3) port 27015, from anyone; the peer is disabled, so nothing answers.",
                "Everything else arriving for the gateway is dropped.",
            ],
            FirewallWords.Describe(config));
    }

    [Fact]
    public void AFirewallNotEnabled_SaysSoFirst_AndDropsNothingInWords()
    {
        IReadOnlyList<string> words = FirewallWords.Describe(Config(enabled: false));

        Assert.StartsWith("The firewall is not enabled", words[0], StringComparison.Ordinal);
        Assert.DoesNotContain(words, w => w.StartsWith("Everything else", StringComparison.Ordinal));
    }

    private static HoltConfig Config(bool enabled)
    {
        GatewayConfig gateway = GatewaySetup.Create(new InitOptions { Endpoint = "vpn.example.com", Subnet = "10.8.0.0/24", Interface = "hwords0" }) with
        {
            ListenPort = 51820,
            Peers =
            [
                new PeerConfig { Name = "home", PublicKey = TestKeys.LaptopPublic, Address = IPAddress.Parse("10.8.0.2") },
                new PeerConfig { Name = "phone", PublicKey = TestKeys.PhonePublic, Address = IPAddress.Parse("10.8.0.3"), Enabled = false },
            ],
        };
        var firewall = new FirewallConfig
        {
            Enabled = enabled,
            AdminPorts = [8443],
            AllowFrom = [IPNetwork.Parse("203.0.113.0/24")],
            Echo = EchoPolicy.Vpn,
            Public =
            [
                new PublicPort { Port = 443, NewPerMinute = 60, Concurrent = 20 },
                new PublicPort { Port = 80, CloudflareOnly = true },
            ],
            Exposures =
            [
                new Exposure { PublicPort = 8080, Peer = "home", ToPort = 80, Sources = [IPNetwork.Parse("198.51.100.0/24")], Snat = true },
                new Exposure { PublicPort = 27015, Protocol = Protocol.Udp, Peer = "phone", ToPort = 27015 },
            ],
        };
        return HoltConfig.Empty.WithGateway(gateway).WithFirewall(firewall);
    }
}
