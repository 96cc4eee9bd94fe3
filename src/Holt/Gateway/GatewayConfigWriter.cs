using System.Globalization;
using System.Net;
using System.Text;
using Holt.Firewall;
using Holt.Guard;

namespace Holt.Gateway;

/// <summary>
/// Writes holt.toml in one canonical layout: [gateway] first, then a [[peer]] table per peer in the order they
/// were added. Holt rewrites the whole file on every change (atomically), so comments written by hand are not kept;
/// the header says so.
/// </summary>
internal static class GatewayConfigWriter
{
    public static string Write(GatewayConfig config)
    {
        var text = new StringBuilder();
        text.Append("# Holt gateway configuration. Holt rewrites this file on every change (holt peer ...);\n");
        text.Append("# edit it while no holt command runs. Hand-written comments are not kept.\n\n");
        text.Append("[gateway]\n");
        Key(text, "interface", config.Interface);
        if (config.Backend != Backend.Engine)
        {
            Key(text, "backend", config.Backend == Backend.Kernel ? "kernel" : "engine");
        }

        Key(text, "private_key", config.PrivateKey);
        Number(text, "listen_port", config.ListenPort);
        Key(text, "endpoint", config.Endpoint);
        Key(text, "subnet", config.Subnet.ToString());
        Key(text, "address", config.Address.ToString());
        if (config.Subnet6 is IPNetwork subnet6)
        {
            Key(text, "subnet6", subnet6.ToString());
        }

        if (config.Address6 is not null)
        {
            Key(text, "address6", config.Address6.ToString());
        }

        if (config.Dns.Count > 0)
        {
            List(text, "dns", config.Dns);
        }

        Number(text, "mtu", config.Mtu);
        if (config.Routes.Count > 0)
        {
            List(text, "routes", config.Routes.Select(r => r.ToString()));
        }

        Flag(text, "masquerade", config.Masquerade);
        WriteFirewall(text, config.Firewall);
        foreach (PeerConfig peer in config.Peers)
        {
            text.Append("\n[[peer]]\n");
            Key(text, "name", peer.Name);
            Key(text, "public_key", peer.PublicKey);
            if (peer.PrivateKey is not null)
            {
                Key(text, "private_key", peer.PrivateKey);
            }

            if (peer.PresharedKey is not null)
            {
                Key(text, "preshared_key", peer.PresharedKey);
            }

            Key(text, "address", peer.Address.ToString());
            if (peer.Address6 is not null)
            {
                Key(text, "address6", peer.Address6.ToString());
            }

            if (peer.AllowedIps.Count > 0)
            {
                List(text, "allowed_ips", peer.AllowedIps.Select(n => n.ToString()));
            }

            if (peer.Dns is not null)
            {
                List(text, "dns", peer.Dns);
            }

            Number(text, "keepalive", peer.Keepalive);
            Flag(text, "enabled", peer.Enabled);
            if (peer.ClientToClient)
            {
                Flag(text, "client_to_client", true);
            }

            if (peer.Expires is DateTimeOffset expires)
            {
                text.Append("expires = ").Append(GatewayConfigReader.FormatDate(expires)).Append('\n');
            }

            if (peer.Created is DateTimeOffset created)
            {
                text.Append("created = ").Append(GatewayConfigReader.FormatDate(created)).Append('\n');
            }
        }

        foreach (Exposure exposure in config.Exposures)
        {
            text.Append("\n[[expose]]\n");
            Number(text, "public_port", exposure.PublicPort);
            Key(text, "proto", ProtocolName(exposure.Protocol));
            Key(text, "peer", exposure.Peer);
            Number(text, "to_port", exposure.ToPort);
            if (exposure.Sources.Count > 0)
            {
                List(text, "sources", exposure.Sources.Select(n => n.ToString()));
            }

            if (exposure.Snat)
            {
                Flag(text, "snat", true);
            }
        }

        if (config.GuardSection is GuardConfig guard)
        {
            WriteGuard(text, guard);
        }

        return text.ToString();
    }

    /// <summary>The [guard] section's text: the daemon restarts the guard when a hand edit changes it.</summary>
    internal static string GuardText(GuardConfig guard)
    {
        var text = new StringBuilder();
        WriteGuard(text, guard);
        return text.ToString();
    }

    private static void WriteGuard(StringBuilder text, GuardConfig guard)
    {
        text.Append("\n# The guard: bans the sources of repeated authentication failures (holt guard status).\n");
        text.Append("[guard]\n");
        Flag(text, "enabled", guard.Enabled);
        if (guard.IgnoreIp.Count > 0)
        {
            List(text, "ignoreip", guard.IgnoreIp.Select(n => n.ToString()));
        }

        Limits(text, guard.Limits, null);
        if (guard.Recidive is null)
        {
            text.Append("\n[guard.recidive]\n");
            Flag(text, "enabled", false);
        }
        else if (guard.Recidive != JailLimits.DefaultRecidive)
        {
            text.Append("\n[guard.recidive]\n");
            Limits(text, guard.Recidive, null);
        }

        foreach (FilterConfig filter in guard.Filters)
        {
            text.Append("\n[[guard.filter]]\n");
            Key(text, "name", filter.Name);
            List(text, "regex", filter.Regex);
        }

        foreach (JailConfig jail in guard.Jails)
        {
            text.Append("\n[[guard.jail]]\n");
            Key(text, "name", jail.Name);
            Key(text, "filter", jail.Filter);
            if (jail.LogPaths.Count > 0)
            {
                List(text, "logpath", jail.LogPaths);
            }

            if (jail.Journal)
            {
                Flag(text, "journal", true);
            }

            if (jail.JournalUnits.Count > 0)
            {
                List(text, "units", jail.JournalUnits);
            }

            if (!jail.Enabled)
            {
                Flag(text, "enabled", false);
            }

            if (jail.Limits is JailLimits limits)
            {
                Limits(text, limits, guard.Limits);
            }
        }
    }

    /// <summary>The limits, each key only where it differs from <paramref name="inherited"/> (all of them without one).</summary>
    private static void Limits(StringBuilder text, JailLimits limits, JailLimits? inherited)
    {
        if (inherited is null || limits.MaxRetry != inherited.MaxRetry)
        {
            Number(text, "maxretry", limits.MaxRetry);
        }

        if (inherited is null || limits.FindTime != inherited.FindTime)
        {
            Key(text, "findtime", Duration(limits.FindTime));
        }

        if (inherited is null || limits.BanTime != inherited.BanTime)
        {
            Key(text, "bantime", Duration(limits.BanTime));
        }

        if (limits.Factor is int factor && (inherited is null || factor != inherited.Factor))
        {
            Number(text, "bantime_factor", factor);
        }

        if (inherited is null || limits.MaxTime != inherited.MaxTime)
        {
            Key(text, "bantime_max", Duration(limits.MaxTime));
        }
    }

    /// <summary>A duration in the largest unit that states it exactly: 2w, 36h, 90m.</summary>
    internal static string Duration(TimeSpan span)
    {
        long seconds = (long)span.TotalSeconds;
        foreach ((long size, char unit) in (ReadOnlySpan<(long, char)>)[(7 * 86400, 'w'), (86400, 'd'), (3600, 'h'), (60, 'm')])
        {
            if (seconds % size == 0)
            {
                return (seconds / size).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return seconds.ToString(CultureInfo.InvariantCulture) + "s";
    }

    private static void WriteFirewall(StringBuilder text, FirewallConfig firewall)
    {
        text.Append("\n# The firewall: SSH and admin ports only from the VPN (and allow_from); public ports listed below;\n");
        text.Append("# everything else dropped. `holt firewall apply` applies it, `holt firewall confirm` keeps it.\n");
        text.Append("[firewall]\n");
        Flag(text, "enabled", firewall.Enabled);
        Ports(text, "ssh_ports", firewall.SshPorts);
        Ports(text, "admin_ports", firewall.AdminPorts);
        if (firewall.AllowFrom.Count > 0)
        {
            List(text, "allow_from", firewall.AllowFrom.Select(n => n.ToString()));
        }

        Key(text, "echo", firewall.Echo switch { EchoPolicy.Vpn => "vpn", EchoPolicy.Drop => "drop", _ => "allow" });
        if (firewall.CloudflareRangesFile is not null)
        {
            Key(text, "cloudflare_ranges", firewall.CloudflareRangesFile);
        }

        foreach (PublicPort port in firewall.Public)
        {
            text.Append("\n[[firewall.public]]\n");
            Number(text, "port", port.Port);
            Key(text, "proto", ProtocolName(port.Protocol));
            if (port.NewPerMinute is int rate)
            {
                Number(text, "new_per_minute", rate);
            }

            if (port.Concurrent is int concurrent)
            {
                Number(text, "concurrent", concurrent);
            }

            if (port.CloudflareOnly)
            {
                Flag(text, "cloudflare_only", true);
            }
        }
    }

    private static string ProtocolName(Protocol protocol) => protocol == Protocol.Udp ? "udp" : "tcp";

    private static void Ports(StringBuilder text, string key, IReadOnlyList<int> ports) =>
        text.Append(key).Append(" = [").AppendJoin(", ", ports.Select(p => p.ToString(CultureInfo.InvariantCulture))).Append("]\n");

    private static void Key(StringBuilder text, string key, string value) =>
        text.Append(key).Append(" = ").Append(Quote(value)).Append('\n');

    private static void Number(StringBuilder text, string key, long value) =>
        text.Append(key).Append(" = ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static void Flag(StringBuilder text, string key, bool value) =>
        text.Append(key).Append(" = ").Append(value ? "true" : "false").Append('\n');

    private static void List(StringBuilder text, string key, IEnumerable<string> values) =>
        text.Append(key).Append(" = [").AppendJoin(", ", values.Select(Quote)).Append("]\n");

    /// <summary>A TOML basic string: quotes, backslashes and control characters escaped.</summary>
    internal static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"':
                    quoted.Append("\\\"");
                    break;
                case '\\':
                    quoted.Append("\\\\");
                    break;
                case '\n':
                    quoted.Append("\\n");
                    break;
                case '\t':
                    quoted.Append("\\t");
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        quoted.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        quoted.Append(c);
                    }

                    break;
            }
        }

        return quoted.Append('"').ToString();
    }
}
