using System.Globalization;
using System.Net;
using System.Text;
using Holt.Config;
using Holt.Gateway;
using Holt.Nft;

namespace Holt.Firewall;

/// <summary>What the ruleset depends on besides holt.toml.</summary>
internal sealed record RulesetContext
{
    public required DateTimeOffset Now { get; init; }

    /// <summary>Whether the input firewall is on: enabled in the file, or an apply awaiting confirmation.</summary>
    public bool FirewallActive { get; init; }

    /// <summary>The SSH session that ran the last apply (its client address and the server's port), always let in.</summary>
    public (IPAddress Client, int Port)? KeepSsh { get; init; }

    public IReadOnlyList<IPNetwork> CloudflareRanges { get; init; } = [];
}

/// <summary>
/// A gateway's nftables table, <c>inet holt-INTERFACE</c>, generated whole from holt.toml.
/// <list type="bullet">
/// <item>input (when the firewall is on): policy drop; established and related traffic, loopback, IPv6 neighbour
/// discovery, DHCP replies and the WireGuard port accepted; everything from the VPN accepted; SSH and admin ports
/// also from the allowlist; each public port, with its per-source limits; ping as the echo policy says.</item>
/// <item>monitor_input (when there are monitoring peers, whether the firewall is on or not): what a monitoring
/// peer sends to the gateway itself is dropped unless it is for the gateway's own VPN address.</item>
/// <item>forward: what monitoring peers send dropped first; client-to-client (only between peers that both have it on), and exposed ports reached from the VPN
/// through the gateway's own addresses (hairpin) whatever client-to-client says; from outside into the VPN only the
/// flows Holt forwarded (exposures) and their replies, when the firewall is on.</item>
/// <item>prerouting/output/postrouting (NAT): exposures, from anywhere including the VPN and the gateway itself, and
/// masquerading of VPN traffic leaving by another interface.</item>
/// </list>
/// IPv4 and IPv6 get the same treatment: each rule that matches an address family has its twin.
/// </summary>
internal static partial class Ruleset
{
    /// <summary>
    /// The name of the gateway's table, one per interface, so two gateways on one host never touch each other's:
    /// <c>holt-wg0</c>. nft 1.0.6 takes no quoted table names, and its bare names have no '+' or '=' (which an
    /// interface name may hold), so those are escaped, '_' first so that no two interfaces share a table.
    /// </summary>
    public static string TableName(string interfaceName)
    {
        var name = new StringBuilder("holt-", 5 + (2 * interfaceName.Length));
        foreach (char c in interfaceName)
        {
            _ = c switch
            {
                '_' => name.Append("__"),
                '+' => name.Append("_p"),
                '=' => name.Append("_e"),
                _ => name.Append(c),
            };
        }

        return name.ToString();
    }

    public static string Build(HoltConfig file, RulesetContext context)
    {
        GatewayConfig config = file.Gateway;
        var text = new StringBuilder();
        text.Append($"table {NftTables.Family} {TableName(config.Interface)} {{\n");
        List<PeerConfig> talkers = config.Peers.Where(p => p.IsActive(context.Now) && p.ClientToClient).ToList();
        Set(text, "c2c_v4", "ipv4_addr", talkers.Select(p => p.Address.ToString()), interval: false);
        Set(text, "c2c_v6", "ipv6_addr", talkers.Where(p => p.Address6 is not null).Select(p => p.Address6!.ToString()), interval: false);
        bool monitors = MonitorSets(text, config, context.Now);
        if (monitors)
        {
            MonitorInput(text, config);
        }

        if (context.FirewallActive)
        {
            Input(text, config, file.Firewall, context);
        }

        List<(Exposure Exposure, PeerConfig Peer)> exposures = ActiveExposures(config, file.Exposures, context.Now);
        Forward(text, config, hairpin: exposures.Count > 0, monitors, context);
        Nat(text, config, exposures);
        text.Append("}\n");
        return text.ToString();
    }

    private static void Input(StringBuilder text, GatewayConfig config, FirewallConfig firewall, RulesetContext context)
    {
        string wg = Quote(config.Interface);
        List<IPNetwork> allow4 = firewall.AllowFrom.Where(Subnets.IsIPv4).ToList();
        List<IPNetwork> allow6 = firewall.AllowFrom.Where(n => !Subnets.IsIPv4(n)).ToList();
        bool cloudflare = firewall.Public.Any(p => p.CloudflareOnly);
        if (cloudflare)
        {
            Set(text, "cloudflare_v4", "ipv4_addr", context.CloudflareRanges.Where(Subnets.IsIPv4).Select(n => n.ToString()), interval: true);
            Set(text, "cloudflare_v6", "ipv6_addr", context.CloudflareRanges.Where(n => !Subnets.IsIPv4(n)).Select(n => n.ToString()), interval: true);
        }

        foreach (PublicPort port in firewall.Public)
        {
            string name = $"{ProtocolName(port.Protocol)}_{port.Port}";
            if (port.NewPerMinute is not null)
            {
                Meter(text, $"rate_{name}_v4", "ipv4_addr", timeout: true);
                Meter(text, $"rate_{name}_v6", "ipv6_addr", timeout: true);
            }

            if (port.Concurrent is not null)
            {
                Meter(text, $"conn_{name}_v4", "ipv4_addr", timeout: false);
                Meter(text, $"conn_{name}_v6", "ipv6_addr", timeout: false);
            }
        }

        text.Append("\tchain input {\n");
        text.Append("\t\ttype filter hook input priority filter; policy drop;\n");
        text.Append("\t\tct state established,related accept\n");
        text.Append("\t\tct state invalid drop\n");
        text.Append("\t\tiif \"lo\" accept\n");
        text.Append("\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, nd-router-solicit, packet-too-big, destination-unreachable, time-exceeded, parameter-problem } accept comment \"IPv6 needs these\"\n");
        text.Append("\t\ticmp type { destination-unreachable, time-exceeded, parameter-problem } accept\n");
        text.Append("\t\tudp sport 67 udp dport 68 accept comment \"DHCP replies (cloud VMs renew leases)\"\n");
        text.Append("\t\tudp sport 547 udp dport 546 accept comment \"DHCPv6 replies\"\n");
        text.Append($"\t\tudp dport {config.ListenPort} accept comment \"WireGuard\"\n");
        text.Append($"\t\tiifname {wg} accept comment \"the VPN reaches everything on the gateway\"\n");
        if (context.KeepSsh is (IPAddress client, int sshPort))
        {
            string family = client.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? "ip" : "ip6";
            text.Append($"\t\t{family} saddr {client} tcp dport {sshPort} accept comment \"the SSH session that applied this ruleset\"\n");
        }

        List<int> restricted = [.. firewall.SshPorts, .. firewall.AdminPorts];
        if (restricted.Count > 0)
        {
            string ports = PortSet(restricted);
            if (allow4.Count > 0)
            {
                text.Append($"\t\tip saddr {AddressSet(allow4)} tcp dport {ports} accept comment \"SSH and admin from allow_from\"\n");
            }

            if (allow6.Count > 0)
            {
                text.Append($"\t\tip6 saddr {AddressSet(allow6)} tcp dport {ports} accept comment \"SSH and admin from allow_from\"\n");
            }
        }

        Echo(text, firewall.Echo, allow4, allow6);
        foreach (PublicPort port in firewall.Public)
        {
            PublicRules(text, port);
        }

        text.Append($"\t\tcounter comment \"{PolicyComment}\"\n");
        text.Append("\t}\n");
    }

    private static void Echo(StringBuilder text, EchoPolicy policy, List<IPNetwork> allow4, List<IPNetwork> allow6)
    {
        // From the VPN ping is already accepted with everything else.
        if (policy == EchoPolicy.Allow)
        {
            text.Append("\t\ticmp type echo-request accept\n");
            text.Append("\t\ticmpv6 type echo-request accept\n");
        }
        else if (policy == EchoPolicy.Vpn)
        {
            if (allow4.Count > 0)
            {
                text.Append($"\t\tip saddr {AddressSet(allow4)} icmp type echo-request accept\n");
            }

            if (allow6.Count > 0)
            {
                text.Append($"\t\tip6 saddr {AddressSet(allow6)} icmpv6 type echo-request accept\n");
            }
        }
    }

    private static void PublicRules(StringBuilder text, PublicPort port)
    {
        string proto = ProtocolName(port.Protocol);
        string name = $"{proto}_{port.Port}";
        string match = $"{proto} dport {port.Port}";
        if (port.CloudflareOnly)
        {
            text.Append($"\t\t{match} ip saddr != @cloudflare_v4 counter drop comment \"{CloudflareComment}\"\n");
            text.Append($"\t\t{match} ip6 saddr != @cloudflare_v6 counter drop comment \"{CloudflareComment}\"\n");
        }

        if (port.NewPerMinute is int rate)
        {
            // One token bucket per source, full at first: the first `rate` new connections pass, then one more
            // each 60/rate seconds.
            string limit = $"limit rate over {rate}/minute burst {rate} packets";
            text.Append($"\t\t{match} ct state new add @rate_{name}_v4 {{ ip saddr {limit} }} counter drop comment \"over {rate} new a minute\"\n");
            text.Append($"\t\t{match} ct state new add @rate_{name}_v6 {{ ip6 saddr {limit} }} counter drop comment \"over {rate} new a minute\"\n");
        }

        if (port.Concurrent is int concurrent)
        {
            text.Append($"\t\t{match} ct state new add @conn_{name}_v4 {{ ip saddr ct count over {concurrent} }} counter drop comment \"over {concurrent} at once\"\n");
            text.Append($"\t\t{match} ct state new add @conn_{name}_v6 {{ ip6 saddr ct count over {concurrent} }} counter drop comment \"over {concurrent} at once\"\n");
        }

        text.Append($"\t\t{match} accept\n");
    }

    private static void Set(StringBuilder text, string name, string type, IEnumerable<string> elements, bool interval)
    {
        text.Append($"\tset {name} {{\n\t\ttype {type}\n");
        if (interval)
        {
            // Ranges from several sources may overlap (10.0.0.0/8 and 10.1.0.0/16); nft refuses that unless it may merge them.
            text.Append("\t\tflags interval\n\t\tauto-merge\n");
        }

        List<string> items = elements.ToList();
        if (items.Count > 0)
        {
            text.Append("\t\telements = { ").AppendJoin(", ", items).Append(" }\n");
        }

        text.Append("\t}\n");
    }

    private static void Meter(StringBuilder text, string name, string type, bool timeout)
    {
        text.Append($"\tset {name} {{\n\t\ttype {type}\n\t\tsize 65535\n");
        text.Append(timeout ? "\t\tflags dynamic,timeout\n\t\ttimeout 1m\n" : "\t\tflags dynamic\n");
        text.Append("\t}\n");
    }

    private static string PortSet(IEnumerable<int> ports)
    {
        List<int> distinct = ports.Distinct().Order().ToList();
        return distinct.Count == 1
            ? distinct[0].ToString(CultureInfo.InvariantCulture)
            : "{ " + string.Join(", ", distinct.Select(p => p.ToString(CultureInfo.InvariantCulture))) + " }";
    }

    private static string AddressSet(List<IPNetwork> networks) =>
        networks.Count == 1 ? networks[0].ToString() : "{ " + string.Join(", ", networks.Select(n => n.ToString())) + " }";

    internal static string ProtocolName(Protocol protocol) => protocol == Protocol.Udp ? "udp" : "tcp";

    private static string Quote(string interfaceName) => "\"" + interfaceName + "\"";
}
