using System.Net;
using System.Text;
using Holt.Gateway;

namespace Holt.Firewall;

internal static partial class Ruleset
{
    /// <summary>
    /// The input hook's priority for <c>monitor_input</c>: before the input chain (priority filter, 0), whose
    /// "the VPN reaches everything on the gateway" would accept first. An accept ends only its own chain; a drop here
    /// is final.
    /// </summary>
    private const int MonitorInputPriority = -5;

    /// <summary>
    /// The sets of the active monitoring peers' addresses, <c>monitor_v4</c> and <c>monitor_v6</c>; nothing when
    /// there are none. Their tunnel can carry no other source: the gateway's allowed IPs for a peer are its addresses.
    /// </summary>
    /// <returns>Whether there are monitoring peers (and so the sets).</returns>
    private static bool MonitorSets(StringBuilder text, GatewayConfig config, DateTimeOffset now)
    {
        List<PeerConfig> monitors = config.Peers.Where(p => p.IsActive(now) && p.Monitor).ToList();
        if (monitors.Count == 0)
        {
            return false;
        }

        Set(text, "monitor_v4", "ipv4_addr", monitors.Select(p => p.Address.ToString()), interval: false);
        Set(text, "monitor_v6", "ipv6_addr", monitors.Where(p => p.Address6 is not null).Select(p => p.Address6!.ToString()), interval: false);
        return true;
    }

    /// <summary>
    /// A monitoring peer reaches the gateway's own VPN address and nothing else of the gateway: not its public or LAN
    /// addresses (where SSH or an admin port may listen for the VPN), whether the input firewall is on or not.
    /// </summary>
    private static void MonitorInput(StringBuilder text, GatewayConfig config)
    {
        string wg = Quote(config.Interface);
        const string Comment = $"comment \"{MonitorInputComment}\"";
        text.Append("\tchain monitor_input {\n");
        text.Append($"\t\ttype filter hook input priority {MonitorInputPriority}; policy accept;\n");
        text.Append($"\t\tiifname {wg} ip saddr @monitor_v4 ip daddr != {config.Address} counter drop {Comment}\n");
        text.Append(config.Address6 is IPAddress address6
            ? $"\t\tiifname {wg} ip6 saddr @monitor_v6 ip6 daddr != {address6} counter drop {Comment}\n"
            : $"\t\tiifname {wg} ip6 saddr @monitor_v6 counter drop {Comment}\n");
        text.Append("\t}\n");
    }

    /// <summary>
    /// Nothing a monitoring peer sends is forwarded: not to other peers (client-to-client or an exposed port through
    /// the hairpin), not out to the internet. First in the chain, so no accept below comes before it.
    /// </summary>
    private static void MonitorForward(StringBuilder text, string wg)
    {
        const string Comment = $"comment \"{MonitorForwardComment}\"";
        text.Append($"\t\tiifname {wg} ip saddr @monitor_v4 counter drop {Comment}\n");
        text.Append($"\t\tiifname {wg} ip6 saddr @monitor_v6 counter drop {Comment}\n");
    }
}
