using System.Net;
using System.Text;
using Holt.Config;
using Holt.Gateway;

namespace Holt.Firewall;

internal static partial class Ruleset
{
    /// <param name="hairpin">Whether any exposure is active, so that peers may reach one through the gateway's own addresses.</param>
    /// <param name="monitors">Whether there are monitoring peers, whose sets <see cref="MonitorSets"/> wrote.</param>
    private static void Forward(StringBuilder text, GatewayConfig config, bool hairpin, bool monitors, RulesetContext context)
    {
        string wg = Quote(config.Interface);
        text.Append("\tchain forward {\n");
        text.Append("\t\ttype filter hook forward priority filter; policy accept;\n");
        if (monitors)
        {
            MonitorForward(text, wg);
        }

        text.Append($"\t\tiifname {wg} oifname {wg} ip saddr @c2c_v4 ip daddr @c2c_v4 accept\n");
        text.Append($"\t\tiifname {wg} oifname {wg} ip6 saddr @c2c_v6 ip6 daddr @c2c_v6 accept\n");
        if (hairpin)
        {
            // A peer that routes everything through the VPN (a full tunnel) reaches an exposed port at the gateway's
            // public address from inside: prerouting sent it on to the serving peer, and that is not client-to-client
            // traffic. Holt's DNAT leads only to exposed ports, so nothing else between peers opens.
            text.Append($"\t\tiifname {wg} oifname {wg} ct status dnat accept comment \"exposed ports, from the VPN\"\n");
        }

        text.Append($"\t\tiifname {wg} oifname {wg} counter drop comment \"{ClientToClientComment}\"\n");
        if (context.FirewallActive)
        {
            // Into the VPN from outside: only what an exposure forwarded, and replies to what peers started.
            text.Append($"\t\toifname {wg} ct state established,related accept\n");
            text.Append($"\t\toifname {wg} ct status dnat accept comment \"exposed ports\"\n");
            text.Append($"\t\toifname {wg} counter drop comment \"{FromOutsideComment}\"\n");
        }

        text.Append("\t}\n");
    }

    /// <summary>The exposures whose peer is active, with that peer.</summary>
    private static List<(Exposure Exposure, PeerConfig Peer)> ActiveExposures(GatewayConfig config, IReadOnlyList<Exposure> exposed, DateTimeOffset now)
    {
        var peers = config.Peers.Where(p => p.IsActive(now)).ToDictionary(p => p.Name, StringComparer.Ordinal);
        return exposed
            .Where(e => peers.ContainsKey(e.Peer))
            .Select(e => (e, peers[e.Peer]))
            .ToList();
    }

    private static void Nat(StringBuilder text, GatewayConfig config, List<(Exposure Exposure, PeerConfig Peer)> exposures)
    {
        string wg = Quote(config.Interface);
        if (exposures.Count > 0)
        {
            // Only connections addressed to the gateway itself, never traffic it routes for others; from outside,
            // from a LAN it routes, and from the VPN alike.
            text.Append("\tchain prerouting {\n");
            text.Append("\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
            Dnat(text, exposures, "fib daddr type local meta nfproto ipv4 ", "fib daddr type local meta nfproto ipv6 ");
            text.Append("\t}\n");

            // A process on the gateway connecting to its own address sends through output, not prerouting: it gets
            // the peer's service as everyone else does. Loopback stays the gateway's own: a local service may use
            // the same port there, and a packet from 127.0.0.1 or ::1 has no business on the VPN.
            text.Append("\tchain output {\n");
            // dstnat's value: nft 1.0.6 knows that name in prerouting only.
            text.Append("\t\ttype nat hook output priority -100; policy accept;\n");
            Dnat(text, exposures, "fib daddr type local ip daddr != 127.0.0.0/8 ", "fib daddr type local ip6 daddr != ::1 ");
            text.Append("\t}\n");
        }

        List<(Exposure Exposure, PeerConfig Peer)> snat = exposures.Where(e => e.Exposure.Snat).ToList();
        List<PeerConfig> servers = exposures.Where(e => !e.Exposure.Snat).Select(e => e.Peer).DistinctBy(p => p.Name).ToList();
        if (!config.Masquerade && snat.Count == 0 && servers.Count == 0)
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

        foreach (PeerConfig peer in servers)
        {
            // A full-tunnel peer using its own exposed port through the public address would get its packets back
            // from its own address, which its kernel drops: it sees the gateway's VPN address instead.
            text.Append($"\t\toifname {wg} ct status dnat ip saddr {peer.Address} ip daddr {peer.Address} masquerade comment \"expose to {peer.Name}, from itself\"\n");
            if (peer.Address6 is IPAddress address6)
            {
                text.Append($"\t\toifname {wg} ct status dnat ip6 saddr {address6} ip6 daddr {address6} masquerade comment \"expose to {peer.Name}, from itself\"\n");
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

    /// <summary>One DNAT rule per exposure and address family, each after its family's <paramref name="prefix4"/> or <paramref name="prefix6"/>.</summary>
    private static void Dnat(StringBuilder text, List<(Exposure Exposure, PeerConfig Peer)> exposures, string prefix4, string prefix6)
    {
        foreach ((Exposure exposure, PeerConfig peer) in exposures)
        {
            string proto = ProtocolName(exposure.Protocol);
            List<IPNetwork> sources4 = exposure.Sources.Where(Subnets.IsIPv4).ToList();
            List<IPNetwork> sources6 = exposure.Sources.Where(n => !Subnets.IsIPv4(n)).ToList();
            bool anyone = exposure.Sources.Count == 0;
            if (anyone || sources4.Count > 0)
            {
                string from = anyone ? "" : $"ip saddr {AddressSet(sources4)} ";
                text.Append($"\t\t{prefix4}{from}{proto} dport {exposure.PublicPort} counter dnat ip to {peer.Address}:{exposure.ToPort} comment \"{ExposeComment}{peer.Name}\"\n");
            }

            if (peer.Address6 is IPAddress address6 && (anyone || sources6.Count > 0))
            {
                string from = anyone ? "" : $"ip6 saddr {AddressSet(sources6)} ";
                text.Append($"\t\t{prefix6}{from}{proto} dport {exposure.PublicPort} counter dnat ip6 to [{address6}]:{exposure.ToPort} comment \"{ExposeComment}{peer.Name}\"\n");
            }
        }
    }
}
