using System.Net;
using System.Text;
using Holt.Config;
using Holt.Gateway;

namespace Holt.Firewall;

internal static partial class Ruleset
{
    private static void Forward(StringBuilder text, GatewayConfig config, RulesetContext context)
    {
        string wg = Quote(config.Interface);
        text.Append("\tchain forward {\n");
        text.Append("\t\ttype filter hook forward priority filter; policy accept;\n");
        text.Append($"\t\tiifname {wg} oifname {wg} ip saddr @c2c_v4 ip daddr @c2c_v4 accept\n");
        text.Append($"\t\tiifname {wg} oifname {wg} ip6 saddr @c2c_v6 ip6 daddr @c2c_v6 accept\n");
        text.Append($"\t\tiifname {wg} oifname {wg} counter drop comment \"client-to-client off\"\n");
        if (context.FirewallActive)
        {
            // Into the VPN from outside: only what an exposure forwarded, and replies to what peers started.
            text.Append($"\t\toifname {wg} ct state established,related accept\n");
            text.Append($"\t\toifname {wg} ct status dnat accept comment \"exposed ports\"\n");
            text.Append($"\t\toifname {wg} counter drop comment \"nothing else reaches the peers from outside\"\n");
        }

        text.Append("\t}\n");
    }

    private static void Nat(StringBuilder text, GatewayConfig config, IReadOnlyList<Exposure> exposed, RulesetContext context)
    {
        string wg = Quote(config.Interface);
        var peers = config.Peers.Where(p => p.IsActive(context.Now)).ToDictionary(p => p.Name, StringComparer.Ordinal);
        List<(Exposure Exposure, PeerConfig Peer)> exposures = exposed
            .Where(e => peers.ContainsKey(e.Peer))
            .Select(e => (e, peers[e.Peer]))
            .ToList();

        if (exposures.Count > 0)
        {
            text.Append("\tchain prerouting {\n");
            text.Append("\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
            foreach ((Exposure exposure, PeerConfig peer) in exposures)
            {
                string proto = ProtocolName(exposure.Protocol);
                List<IPNetwork> sources4 = exposure.Sources.Where(Subnets.IsIPv4).ToList();
                List<IPNetwork> sources6 = exposure.Sources.Where(n => !Subnets.IsIPv4(n)).ToList();
                bool anyone = exposure.Sources.Count == 0;

                // Only connections addressed to the gateway itself, never traffic it routes for others.
                if (anyone || sources4.Count > 0)
                {
                    string from = anyone ? "" : $"ip saddr {AddressSet(sources4)} ";
                    text.Append($"\t\tfib daddr type local meta nfproto ipv4 {from}{proto} dport {exposure.PublicPort} dnat ip to {peer.Address}:{exposure.ToPort} comment \"expose to {peer.Name}\"\n");
                }

                if (peer.Address6 is IPAddress address6 && (anyone || sources6.Count > 0))
                {
                    string from = anyone ? "" : $"ip6 saddr {AddressSet(sources6)} ";
                    text.Append($"\t\tfib daddr type local meta nfproto ipv6 {from}{proto} dport {exposure.PublicPort} dnat ip6 to [{address6}]:{exposure.ToPort} comment \"expose to {peer.Name}\"\n");
                }
            }

            text.Append("\t}\n");
        }

        List<(Exposure Exposure, PeerConfig Peer)> snat = exposures.Where(e => e.Exposure.Snat).ToList();
        if (!config.Masquerade && snat.Count == 0)
        {
            return;
        }

        text.Append("\tchain postrouting {\n");
        text.Append("\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
        foreach ((Exposure exposure, PeerConfig peer) in snat)
        {
            // The peer cannot route replies back through the tunnel: it sees the gateway's VPN address instead.
            string proto = ProtocolName(exposure.Protocol);
            text.Append($"\t\toifname {wg} ct status dnat ip daddr {peer.Address} {proto} dport {exposure.ToPort} masquerade comment \"expose to {peer.Name}, snat\"\n");
            if (peer.Address6 is IPAddress address6)
            {
                text.Append($"\t\toifname {wg} ct status dnat ip6 daddr {address6} {proto} dport {exposure.ToPort} masquerade comment \"expose to {peer.Name}, snat\"\n");
            }
        }

        if (config.Masquerade)
        {
            text.Append($"\t\tip saddr {config.Subnet} oifname != {wg} masquerade\n");
            if (config.Subnet6 is IPNetwork subnet6)
            {
                text.Append($"\t\tip6 saddr {subnet6} oifname != {wg} masquerade\n");
            }
        }

        text.Append("\t}\n");
    }
}
