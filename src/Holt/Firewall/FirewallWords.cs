using System.Net;
using Holt.Config;
using Holt.Gateway;

namespace Holt.Firewall;

/// <summary>
/// The firewall of holt.toml in plain sentences, for the dashboard: who reaches SSH and the admin ports, which
/// ports are public and how they are limited, who may ping, which ports go to which peers, and that everything
/// else is dropped. Written from the configuration the ruleset is built from, so the words and the rules agree.
/// </summary>
internal static class FirewallWords
{
    public static IReadOnlyList<string> Describe(HoltConfig config)
    {
        FirewallConfig firewall = config.Firewall;
        GatewayConfig gateway = config.Gateway;
        var lines = new List<string>();
        string vpn = string.Join(", ", gateway.VpnSubnets.Select(s => s.ToString()));
        string allow = firewall.AllowFrom.Count == 0 ? "" : $" and from {string.Join(", ", firewall.AllowFrom)}";
        if (!firewall.Enabled)
        {
            lines.Add("The firewall is not enabled: the gateway's own ports answer whoever the system lets in. Apply it, then confirm, to lock them down.");
        }

        string ssh = firewall.SshPorts.Count == 0 ? "" : $"SSH (TCP {Ports(firewall.SshPorts)})";
        string admin = firewall.AdminPorts.Count == 0 ? "" : $"the admin ports (TCP {Ports(firewall.AdminPorts)})";
        string guarded = string.Join(" and ", new[] { ssh, admin }.Where(s => s.Length > 0));
        if (guarded.Length > 0)
        {
            lines.Add($"{Capital(guarded)} {(firewall.SshPorts.Count + firewall.AdminPorts.Count == 1 ? "answers" : "answer")} only the VPN ({vpn}){allow}.");
        }

        lines.Add($"WireGuard (UDP {gateway.ListenPort}) answers everyone, and nothing it cannot authenticate.");
        foreach (PublicPort port in firewall.Public)
        {
            var limits = new List<string>();
            if (port.CloudflareOnly)
            {
                limits.Add("only from Cloudflare's ranges");
            }

            if (port.NewPerMinute is int perMinute)
            {
                limits.Add($"at most {perMinute} new connections a minute per address");
            }

            if (port.Concurrent is int concurrent)
            {
                limits.Add($"at most {concurrent} open at once per address");
            }

            lines.Add($"{Ruleset.ProtocolName(port.Protocol).ToUpperInvariant()} {port.Port} is public{(limits.Count == 0 ? "" : ", " + string.Join(", ", limits))}.");
        }

        lines.Add(firewall.Echo switch
        {
            EchoPolicy.Allow => "Anyone may ping the gateway.",
            EchoPolicy.Vpn => $"Only the VPN{allow} may ping the gateway.",
            _ => "No one may ping the gateway.",
        });
        foreach (Exposure exposure in firewall.Exposures)
        {
            PeerConfig? peer = gateway.FindPeer(exposure.Peer);
            string to = peer is null ? exposure.Peer : $"{peer.Name} ({peer.Address})";
            string from = exposure.Sources.Count == 0 ? "from anyone" : $"only from {string.Join(", ", exposure.Sources)}";
            string state = peer is { Enabled: false } ? "; the peer is disabled, so nothing answers" : "";
            lines.Add($"{Ruleset.ProtocolName(exposure.Protocol).ToUpperInvariant()} {exposure.PublicPort} goes to {to} port {exposure.ToPort}, {from}{(exposure.Snat ? ", masqueraded as the gateway" : "")}{state}.");
        }

        if (firewall.Enabled)
        {
            lines.Add("Everything else arriving for the gateway is dropped.");
        }

        return lines;
    }

    private static string Ports(IReadOnlyList<int> ports) => string.Join(", ", ports);

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
