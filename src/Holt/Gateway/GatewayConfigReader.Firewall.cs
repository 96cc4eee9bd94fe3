using System.Net;
using Holt.Config;
using Holt.Firewall;

namespace Holt.Gateway;

/// <summary>The <c>[firewall]</c> and <c>[[expose]]</c> sections, and the rules that keep their ports apart.</summary>
internal static partial class GatewayConfigReader
{
    private enum Section
    {
        Firewall,
        Public,
        Expose,
    }

    /// <param name="table">The [firewall] table.</param>
    /// <param name="publicTables">The [[firewall.public]] tables, in order, for messages about them.</param>
    private static FirewallConfig ReadFirewall(TableReader table, out List<TableReader> publicTables)
    {
        table.RefuseUnknown("enabled", "ssh_ports", "admin_ports", "allow_from", "echo", "cloudflare_ranges", "public");
        var publicPorts = new List<PublicPort>();
        publicTables = table.Tables("public", "firewall.public");
        foreach (TableReader port in publicTables)
        {
            port.RefuseUnknown("port", "proto", "new_per_minute", "concurrent", "cloudflare_only");
            var parsed = new PublicPort
            {
                Port = (int)(port.OptionalInteger("port", 1, 65535) ?? throw port.Error("port", "[[firewall.public]] is missing 'port'")),
                Protocol = ReadProtocol(port),
                NewPerMinute = (int?)port.OptionalInteger("new_per_minute", 1, 100_000),
                Concurrent = (int?)port.OptionalInteger("concurrent", 1, 100_000),
                CloudflareOnly = port.OptionalBoolean("cloudflare_only") ?? false,
            };
            if (parsed.Concurrent is not null && parsed.Protocol != Protocol.Tcp)
            {
                throw port.Error("concurrent", "'concurrent' limits TCP connections; remove it from a UDP port");
            }

            publicPorts.Add(parsed);
        }

        return new FirewallConfig
        {
            Enabled = table.OptionalBoolean("enabled") ?? false,
            SshPorts = table.OptionalPorts("ssh_ports") ?? [.. FirewallConfig.DefaultSshPorts],
            AdminPorts = table.OptionalPorts("admin_ports") ?? [],
            AllowFrom = table.OptionalNetworks("allow_from") ?? [],
            Echo = table.OptionalString("echo") switch
            {
                null or "allow" => EchoPolicy.Allow,
                "vpn" => EchoPolicy.Vpn,
                "drop" => EchoPolicy.Drop,
                string other => throw table.Error("echo", $"echo must be \"allow\", \"vpn\" or \"drop\", not \"{PeerName.Printable(other)}\""),
            },
            Public = publicPorts,
            CloudflareRangesFile = table.OptionalString("cloudflare_ranges"),
        };
    }

    private static Exposure ReadExposure(TableReader table)
    {
        table.RefuseUnknown("public_port", "proto", "peer", "to_port", "sources", "snat");
        int publicPort = (int)(table.OptionalInteger("public_port", 1, 65535) ?? throw table.Error("public_port", "[[expose]] is missing 'public_port'"));
        return new Exposure
        {
            PublicPort = publicPort,
            Protocol = ReadProtocol(table),
            Peer = table.RequiredString("peer"),
            ToPort = (int)(table.OptionalInteger("to_port", 1, 65535) ?? publicPort),
            Sources = table.OptionalNetworks("sources") ?? [],
            Snat = table.OptionalBoolean("snat") ?? false,
        };
    }

    private static Protocol ReadProtocol(TableReader table) => table.OptionalString("proto") switch
    {
        null or "tcp" => Protocol.Tcp,
        "udp" => Protocol.Udp,
        string other => throw table.Error("proto", $"proto must be \"tcp\" or \"udp\", not \"{PeerName.Printable(other)}\""),
    };

    /// <summary>
    /// Each (protocol, port) has one owner: the WireGuard port (UDP), an SSH or admin port (TCP), a public port or
    /// an exposure. Exposures name existing peers. <paramref name="fail"/> must throw.
    /// </summary>
    private static void CheckFirewall(GatewayConfig config, Action<Section, int, string, string> fail)
    {
        FirewallConfig firewall = config.Firewall;
        var owners = new Dictionary<(Protocol, int), string>
        {
            [(Protocol.Udp, config.ListenPort)] = "the WireGuard port",
        };

        void Claim(Section section, int index, string key, Protocol protocol, int port, string owner)
        {
            if (owners.TryGetValue((protocol, port), out string? existing))
            {
                fail(section, index, key, $"{(protocol == Protocol.Tcp ? "TCP" : "UDP")} port {port} is already {existing}");
            }

            owners[(protocol, port)] = owner;
        }

        foreach (int port in firewall.SshPorts)
        {
            Claim(Section.Firewall, 0, "ssh_ports", Protocol.Tcp, port, "an SSH port");
        }

        foreach (int port in firewall.AdminPorts)
        {
            Claim(Section.Firewall, 0, "admin_ports", Protocol.Tcp, port, "an admin port");
        }

        for (int i = 0; i < firewall.Public.Count; i++)
        {
            PublicPort port = firewall.Public[i];
            Claim(Section.Public, i, "port", port.Protocol, port.Port, "a public port");
        }

        var names = new HashSet<string>(config.Peers.Select(p => p.Name), StringComparer.Ordinal);
        for (int i = 0; i < config.Exposures.Count; i++)
        {
            Exposure exposure = config.Exposures[i];
            if (!names.Contains(exposure.Peer))
            {
                fail(Section.Expose, i, "peer", $"[[expose]] of port {exposure.PublicPort}: no peer named '{PeerName.Printable(exposure.Peer)}'");
            }

            Claim(Section.Expose, i, "public_port", exposure.Protocol, exposure.PublicPort, $"exposed to peer '{exposure.Peer}'");
        }
    }

    internal static IReadOnlyList<IPNetwork> VpnSubnets(GatewayConfig config) =>
        config.Subnet6 is IPNetwork subnet6 ? [config.Subnet, subnet6] : [config.Subnet];
}
