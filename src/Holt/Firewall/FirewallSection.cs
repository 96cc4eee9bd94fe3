using System.Text;
using Holt.Config;
using Holt.Gateway;
using Holt.Text;

namespace Holt.Firewall;

/// <summary>
/// holt.toml's <c>[firewall]</c> table (with its <c>[[firewall.public]]</c> ports) and the <c>[[expose]]</c>
/// tables: read strictly, written canonically, and checked so that each (protocol, port) has one owner and every
/// exposure names a peer. A file without [firewall] gets its defaults (the firewall off).
/// </summary>
internal sealed class FirewallSection : ConfigSection<FirewallConfig>
{
    public static FirewallSection Instance { get; } = new();

    public override IReadOnlyList<SectionKey> Keys { get; } = [new("firewall", IsArray: false), new("expose", IsArray: true)];

    public override object Read(SectionTables tables)
    {
        FirewallConfig firewall = tables.Table("firewall") is TableReader table ? ReadFirewall(table, tables) : new FirewallConfig();
        return firewall with { Exposures = tables.Array("expose").Select(ReadExposure).ToList() };
    }

    /// <summary>
    /// Each (protocol, port) has one owner: the WireGuard port (UDP), an SSH or admin port (TCP), a public port or
    /// an exposure. Exposures name existing peers.
    /// </summary>
    public override void Check(HoltConfig config, ConfigChecker checker)
    {
        GatewayConfig gateway = config.Gateway;
        FirewallConfig firewall = config.Firewall;
        var owners = new Dictionary<(Protocol, int), string>
        {
            [(Protocol.Udp, gateway.ListenPort)] = "the WireGuard port",
        };

        void Claim(ConfigPlace place, Protocol protocol, int port, string owner)
        {
            if (owners.TryGetValue((protocol, port), out string? existing))
            {
                checker.Fail(place, $"{(protocol == Protocol.Tcp ? "TCP" : "UDP")} port {port} is already {existing}");
            }

            owners[(protocol, port)] = owner;
        }

        foreach (int port in firewall.SshPorts)
        {
            Claim(ConfigPlace.Of("firewall", "ssh_ports"), Protocol.Tcp, port, "an SSH port");
        }

        foreach (int port in firewall.AdminPorts)
        {
            Claim(ConfigPlace.Of("firewall", "admin_ports"), Protocol.Tcp, port, "an admin port");
        }

        for (int i = 0; i < firewall.Public.Count; i++)
        {
            PublicPort port = firewall.Public[i];
            Claim(new ConfigPlace("firewall.public", i, "port"), port.Protocol, port.Port, "a public port");
        }

        var names = new HashSet<string>(gateway.Peers.Select(p => p.Name), StringComparer.Ordinal);
        for (int i = 0; i < firewall.Exposures.Count; i++)
        {
            Exposure exposure = firewall.Exposures[i];
            if (!names.Contains(exposure.Peer))
            {
                checker.Fail(new ConfigPlace("expose", i, "peer"), $"[[expose]] of port {exposure.PublicPort}: no peer named '{Printable.Of(exposure.Peer)}'");
            }
            else if (gateway.FindPeer(exposure.Peer) is { Monitor: true })
            {
                checker.Fail(new ConfigPlace("expose", i, "peer"), $"[[expose]] of port {exposure.PublicPort}: peer '{Printable.Of(exposure.Peer)}' is a monitoring peer, which serves nothing");
            }

            Claim(new ConfigPlace("expose", i, "public_port"), exposure.Protocol, exposure.PublicPort, $"exposed to peer '{exposure.Peer}'");
        }
    }

    public override void Write(HoltConfig config, StringBuilder text)
    {
        FirewallConfig firewall = config.Firewall;
        text.Append("\n# The firewall: SSH and admin ports only from the VPN (and allow_from); public ports listed below;\n");
        text.Append("# everything else dropped. `holt firewall apply` applies it, `holt firewall confirm` keeps it.\n");
        text.Append("[firewall]\n");
        TomlWriter.Flag(text, "enabled", firewall.Enabled);
        TomlWriter.Ports(text, "ssh_ports", firewall.SshPorts);
        TomlWriter.Ports(text, "admin_ports", firewall.AdminPorts);
        if (firewall.AllowFrom.Count > 0)
        {
            TomlWriter.List(text, "allow_from", firewall.AllowFrom.Select(n => n.ToString()));
        }

        TomlWriter.Key(text, "echo", firewall.Echo switch { EchoPolicy.Vpn => "vpn", EchoPolicy.Drop => "drop", _ => "allow" });
        if (firewall.CloudflareRangesFile is not null)
        {
            TomlWriter.Key(text, "cloudflare_ranges", firewall.CloudflareRangesFile);
        }

        foreach (PublicPort port in firewall.Public)
        {
            text.Append("\n[[firewall.public]]\n");
            TomlWriter.Number(text, "port", port.Port);
            TomlWriter.Key(text, "proto", ProtocolName(port.Protocol));
            if (port.NewPerMinute is int rate)
            {
                TomlWriter.Number(text, "new_per_minute", rate);
            }

            if (port.Concurrent is int concurrent)
            {
                TomlWriter.Number(text, "concurrent", concurrent);
            }

            if (port.CloudflareOnly)
            {
                TomlWriter.Flag(text, "cloudflare_only", true);
            }
        }

        foreach (Exposure exposure in firewall.Exposures)
        {
            text.Append("\n[[expose]]\n");
            TomlWriter.Number(text, "public_port", exposure.PublicPort);
            TomlWriter.Key(text, "proto", ProtocolName(exposure.Protocol));
            TomlWriter.Key(text, "peer", exposure.Peer);
            TomlWriter.Number(text, "to_port", exposure.ToPort);
            if (exposure.Sources.Count > 0)
            {
                TomlWriter.List(text, "sources", exposure.Sources.Select(n => n.ToString()));
            }

            if (exposure.Snat)
            {
                TomlWriter.Flag(text, "snat", true);
            }
        }
    }

    private static string ProtocolName(Protocol protocol) => protocol == Protocol.Udp ? "udp" : "tcp";

    private static FirewallConfig ReadFirewall(TableReader table, SectionTables tables)
    {
        table.RefuseUnknown("enabled", "ssh_ports", "admin_ports", "allow_from", "echo", "cloudflare_ranges", "public");
        var publicPorts = new List<PublicPort>();
        List<TableReader> publicTables = table.Tables("public", "firewall.public");
        for (int i = 0; i < publicTables.Count; i++)
        {
            TableReader port = tables.Remember("firewall.public", i, publicTables[i]);
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
                string other => throw table.Error("echo", $"echo must be \"allow\", \"vpn\" or \"drop\", not \"{Printable.Of(other)}\""),
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
        string other => throw table.Error("proto", $"proto must be \"tcp\" or \"udp\", not \"{Printable.Of(other)}\""),
    };
}

/// <summary>The firewall's part of holt.toml, as <c>config.Firewall</c>.</summary>
internal static class FirewallSectionAccess
{
    extension(HoltConfig config)
    {
        /// <summary>[firewall] and the exposures; the defaults (firewall off, nothing exposed) without a [firewall].</summary>
        public FirewallConfig Firewall => config.Find<FirewallConfig>() ?? new FirewallConfig();

        public IReadOnlyList<Exposure> Exposures => config.Firewall.Exposures;

        public HoltConfig WithFirewall(FirewallConfig firewall) => config.With(firewall);
    }
}
