using System.Net;
using System.Text;
using Holt.Config;
using Holt.Text;

namespace Holt.Gateway;

/// <summary>
/// holt.toml's <c>[gateway]</c> table and its <c>[[peer]]</c> tables: read strictly (every key known and of the
/// right type), checked whole (<see cref="Check"/>), and written in one canonical layout, [gateway] first, then the
/// peers in the order they were added.
/// </summary>
internal sealed partial class GatewaySection : ConfigSection<GatewayConfig>
{
    public static GatewaySection Instance { get; } = new();

    public override IReadOnlyList<SectionKey> Keys { get; } = [new("gateway", IsArray: false), new("peer", IsArray: true)];

    public override object Read(SectionTables tables)
    {
        TableReader gateway = tables.Table("gateway") ?? throw new ConfigException(tables.Source, 1, "missing the [gateway] section");
        return ReadGateway(gateway) with { Peers = tables.Array("peer").Select(ReadPeer).ToList() };
    }

    public override void Write(HoltConfig config, StringBuilder text)
    {
        GatewayConfig gateway = config.Get<GatewayConfig>();
        text.Append("[gateway]\n");
        TomlWriter.Key(text, "interface", gateway.Interface);
        if (gateway.Backend != Backend.Engine)
        {
            TomlWriter.Key(text, "backend", gateway.Backend == Backend.Kernel ? "kernel" : "engine");
        }

        TomlWriter.Key(text, "private_key", gateway.PrivateKey);
        TomlWriter.Number(text, "listen_port", gateway.ListenPort);
        TomlWriter.Key(text, "endpoint", gateway.Endpoint);
        TomlWriter.Key(text, "subnet", gateway.Subnet.ToString());
        TomlWriter.Key(text, "address", gateway.Address.ToString());
        if (gateway.Subnet6 is IPNetwork subnet6)
        {
            TomlWriter.Key(text, "subnet6", subnet6.ToString());
        }

        if (gateway.Address6 is not null)
        {
            TomlWriter.Key(text, "address6", gateway.Address6.ToString());
        }

        if (gateway.Dns.Count > 0)
        {
            TomlWriter.List(text, "dns", gateway.Dns);
        }

        TomlWriter.Number(text, "mtu", gateway.Mtu);
        if (gateway.Routes.Count > 0)
        {
            TomlWriter.List(text, "routes", gateway.Routes.Select(r => r.ToString()));
        }

        TomlWriter.Flag(text, "masquerade", gateway.Masquerade);
        foreach (PeerConfig peer in gateway.Peers)
        {
            WritePeer(text, peer);
        }
    }

    private static void WritePeer(StringBuilder text, PeerConfig peer)
    {
        text.Append("\n[[peer]]\n");
        TomlWriter.Key(text, "name", peer.Name);
        TomlWriter.Key(text, "public_key", peer.PublicKey);
        if (peer.PrivateKey is not null)
        {
            TomlWriter.Key(text, "private_key", peer.PrivateKey);
        }

        if (peer.PresharedKey is not null)
        {
            TomlWriter.Key(text, "preshared_key", peer.PresharedKey);
        }

        TomlWriter.Key(text, "address", peer.Address.ToString());
        if (peer.Address6 is not null)
        {
            TomlWriter.Key(text, "address6", peer.Address6.ToString());
        }

        if (peer.AllowedIps.Count > 0)
        {
            TomlWriter.List(text, "allowed_ips", peer.AllowedIps.Select(n => n.ToString()));
        }

        if (peer.Dns is not null)
        {
            TomlWriter.List(text, "dns", peer.Dns);
        }

        TomlWriter.Number(text, "keepalive", peer.Keepalive);
        TomlWriter.Flag(text, "enabled", peer.Enabled);
        if (peer.ClientToClient)
        {
            TomlWriter.Flag(text, "client_to_client", true);
        }

        if (peer.Expected)
        {
            TomlWriter.Flag(text, "expected", true);
        }

        if (peer.Monitor)
        {
            TomlWriter.Flag(text, "monitor", true);
        }

        if (peer.Admin)
        {
            TomlWriter.Flag(text, "admin", true);
        }

        if (peer.Expires is DateTimeOffset expires)
        {
            TomlWriter.Date(text, "expires", expires);
        }

        if (peer.Created is DateTimeOffset created)
        {
            TomlWriter.Date(text, "created", created);
        }
    }

    private static GatewayConfig ReadGateway(TableReader table)
    {
        table.RefuseUnknown("interface", "backend", "private_key", "listen_port", "endpoint", "subnet", "address", "subnet6", "address6", "dns", "mtu", "routes", "masquerade");
        string privateKey = table.RequiredString("private_key");
        IPNetwork subnet = table.RequiredNetwork("subnet");
        IPNetwork? subnet6 = table.OptionalNetwork("subnet6");
        return new GatewayConfig
        {
            Interface = table.OptionalString("interface") ?? GatewayConfig.DefaultInterface,
            Backend = table.OptionalString("backend") switch
            {
                null or "engine" => Backend.Engine,
                "kernel" => Backend.Kernel,
                string other => throw table.Error("backend", $"backend must be \"engine\" or \"kernel\", not \"{Printable.Of(other)}\""),
            },
            PrivateKey = privateKey,
            ListenPort = (int)(table.OptionalInteger("listen_port", 1, 65535) ?? GatewayConfig.DefaultPort),
            Endpoint = table.RequiredString("endpoint"),
            Subnet = subnet,
            Address = table.OptionalAddress("address") ?? Subnets.HostAt(subnet, 1),
            Subnet6 = subnet6,
            Address6 = table.OptionalAddress("address6") ?? (subnet6 is IPNetwork v6 ? Subnets.HostAt(v6, 1) : null),
            Dns = table.OptionalStrings("dns") ?? [],
            Mtu = (int)(table.OptionalInteger("mtu", 1280, 65535) ?? GatewayConfig.DefaultMtu),
            Routes = table.OptionalNetworks("routes") ?? [],
            Masquerade = table.OptionalBoolean("masquerade") ?? true,
        };
    }

    private static PeerConfig ReadPeer(TableReader table)
    {
        table.RefuseUnknown("name", "public_key", "private_key", "preshared_key", "address", "address6", "allowed_ips", "dns", "keepalive", "enabled", "client_to_client", "expected", "monitor", "admin", "expires", "created");
        return new PeerConfig
        {
            Name = table.RequiredString("name"),
            PublicKey = table.RequiredString("public_key"),
            PrivateKey = table.OptionalString("private_key"),
            PresharedKey = table.OptionalString("preshared_key"),
            Address = table.OptionalAddress("address") ?? throw table.Error("address", "a peer needs an address"),
            Address6 = table.OptionalAddress("address6"),
            AllowedIps = table.OptionalNetworks("allowed_ips") ?? [],
            Dns = table.OptionalStrings("dns"),
            Keepalive = (int)(table.OptionalInteger("keepalive", 0, 65535) ?? PeerConfig.DefaultKeepalive),
            Enabled = table.OptionalBoolean("enabled") ?? true,
            ClientToClient = table.OptionalBoolean("client_to_client") ?? false,
            Expected = table.OptionalBoolean("expected") ?? false,
            Monitor = table.OptionalBoolean("monitor") ?? false,
            Admin = table.OptionalBoolean("admin") ?? false,
            Expires = table.OptionalDateTime("expires"),
            Created = table.OptionalDateTime("created"),
        };
    }
}

/// <summary>The gateway's part of holt.toml, as <c>config.Gateway</c>.</summary>
internal static class GatewaySectionAccess
{
    extension(HoltConfig config)
    {
        /// <summary>[gateway] and the peers: every holt.toml has them.</summary>
        public GatewayConfig Gateway => config.Get<GatewayConfig>();

        /// <summary>This configuration with the gateway's part replaced.</summary>
        public HoltConfig WithGateway(GatewayConfig gateway) => config.With(gateway);
    }
}
