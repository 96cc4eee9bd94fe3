using System.Net;
using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Tests.Gateway;

namespace Holt.Tests.Firewall;

/// <summary>Gateway configurations for the ruleset tests, from nothing switched on to everything at once.</summary>
internal static class RulesetSamples
{
    public static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    public static readonly IReadOnlyList<IPNetwork> Cloudflare =
        [IPNetwork.Parse("173.245.48.0/20"), IPNetwork.Parse("103.21.244.0/22"), IPNetwork.Parse("2400:cb00::/32")];

    /// <summary>Two stacks, no firewall settings, no exposures: the gateway as holt init leaves it, plus peers.</summary>
    public static readonly GatewayConfig Plain = new()
    {
        Interface = "hfw0",
        PrivateKey = TestKeys.GatewayPrivate,
        Endpoint = "vpn.example.com",
        Subnet = IPNetwork.Parse("10.8.0.0/24"),
        Address = IPAddress.Parse("10.8.0.1"),
        Subnet6 = IPNetwork.Parse("fd42::/64"),
        Address6 = IPAddress.Parse("fd42::1"),
        Peers =
        [
            Peer("home", "10.8.0.2", "fd42::2"),
            Peer("laptop", "10.8.0.3", null) with { ClientToClient = true },
            Peer("phone", "10.8.0.4", "fd42::4") with { ClientToClient = true },
            Peer("old", "10.8.0.5", "fd42::5") with { Enabled = false, ClientToClient = true },
        ],
    };

    /// <summary>Every firewall feature and every kind of exposure.</summary>
    public static readonly HoltConfig Full = With(Plain, new FirewallConfig
        {
            Enabled = true,
            SshPorts = [22, 2222],
            AdminPorts = [8443],
            AllowFrom = [IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("192.0.2.128/25"), IPNetwork.Parse("2001:db8:1::/48")],
            Echo = EchoPolicy.Allow,
            Public =
            [
                new PublicPort { Port = 80, NewPerMinute = 60, Concurrent = 20 },
                new PublicPort { Port = 443, CloudflareOnly = true },
                new PublicPort { Port = 3478, Protocol = Protocol.Udp, NewPerMinute = 600 },
                new PublicPort { Port = 25 },
            ],
            Exposures =
        [
            new Exposure { PublicPort = 8080, Peer = "home", ToPort = 80 },
            new Exposure { PublicPort = 9000, Peer = "home", ToPort = 9000, Sources = [IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("2001:db8:2::/48")] },
            new Exposure { PublicPort = 9001, Peer = "phone", ToPort = 22, Sources = [IPNetwork.Parse("203.0.113.7/32")] },
            new Exposure { PublicPort = 27015, Protocol = Protocol.Udp, Peer = "laptop", ToPort = 27015, Snat = true },
            new Exposure { PublicPort = 5000, Peer = "old", ToPort = 5000 },
        ],
        });

    public static RulesetContext Active => new() { Now = Now, FirewallActive = true, CloudflareRanges = Cloudflare };

    public static RulesetContext Inactive => new() { Now = Now };

    /// <summary>Varied configurations that must all load: names for the test list, and what to build.</summary>
    public static IEnumerable<(string Name, HoltConfig Config, RulesetContext Context)> Varied()
    {
        yield return ("nothing on", With(Plain), Inactive);
        yield return ("firewall on with its defaults", With(Plain, new FirewallConfig { Enabled = true }), Active);
        yield return ("everything on", Full, Active);
        yield return ("everything, firewall off", Full, Inactive);
        yield return ("everything, with an IPv4 SSH session kept", Full, Active with { KeepSsh = (IPAddress.Parse("203.0.113.50"), 22) });
        yield return ("everything, with an IPv6 SSH session kept", Full, Active with { KeepSsh = (IPAddress.Parse("2001:db8:9::50"), 2222) });
        yield return ("IPv6-only allow_from, echo from the VPN", With(Plain, new FirewallConfig { AllowFrom = [IPNetwork.Parse("2001:db8::/32")], Echo = EchoPolicy.Vpn, AdminPorts = [9090] }), Active);
        yield return ("IPv4-only allow_from, echo from the VPN", With(Plain, new FirewallConfig { AllowFrom = [IPNetwork.Parse("198.51.100.7/32")], Echo = EchoPolicy.Vpn }), Active);
        yield return ("no SSH ports, echo dropped", With(Plain, new FirewallConfig { SshPorts = [], Echo = EchoPolicy.Drop }), Active);
        yield return ("IPv4 only, no masquerade", With(
            Plain with
            {
                Subnet6 = null,
                Address6 = null,
                Masquerade = false,
                Peers = [Peer("home", "10.8.0.2", null), Peer("nas", "10.8.0.3", null)],
            },
            new FirewallConfig { Exposures = [new Exposure { PublicPort = 443, Peer = "nas", ToPort = 8443, Snat = true }] }), Active);
        yield return ("many exposures", With(Plain, new FirewallConfig
        {
            Exposures = Enumerable.Range(0, 40)
                .Select(i => new Exposure
                {
                    PublicPort = 10000 + i,
                    Protocol = i % 3 == 0 ? Protocol.Udp : Protocol.Tcp,
                    Peer = i % 2 == 0 ? "home" : "phone",
                    ToPort = 20000 + i,
                    Sources = i % 4 == 0 ? [IPNetwork.Parse($"198.51.{i}.0/24")] : [],
                    Snat = i % 5 == 0,
                })
                .ToList(),
        }), Active);
        yield return ("Cloudflare ranges of one family only, overlapping", Full, Active with
        {
            CloudflareRanges = [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("10.1.0.0/16")],
        });
        GatewayConfig probes = Plain with { Peers = [.. Plain.Peers, Peer("probe", "10.8.0.9", "fd42::9") with { Monitor = true, Keepalive = 0 }] };
        yield return ("a monitoring peer, firewall off", With(probes), Inactive);
        yield return ("a monitoring peer, everything on", With(probes, Full.Firewall), Active);
        yield return ("an IPv4 monitoring peer on an IPv4-only gateway", With(
            probes with { Subnet6 = null, Address6 = null, Peers = [Peer("home", "10.8.0.2", null), Peer("probe", "10.8.0.9", null) with { Monitor = true }] }), Active);
        yield return ("an interface name with every allowed character", With(
            Plain with { Interface = "w_g=0+1.-x" },
            new FirewallConfig { Enabled = true, Exposures = [new Exposure { PublicPort = 8080, Peer = "home", ToPort = 80 }] }), Active);
    }

    /// <summary>A whole configuration: the gateway's part and the firewall's (its defaults when none is given).</summary>
    public static HoltConfig With(GatewayConfig gateway, FirewallConfig? firewall = null) =>
        HoltConfig.Empty.WithGateway(gateway).WithFirewall(firewall ?? new FirewallConfig());

    public static PeerConfig Peer(string name, string address, string? address6) => new()
    {
        Name = name,
        PublicKey = TestKeys.LaptopPublic,
        Address = IPAddress.Parse(address),
        Address6 = address6 is null ? null : IPAddress.Parse(address6),
    };
}
