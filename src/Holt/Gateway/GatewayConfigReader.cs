using System.Globalization;
using System.Net;
using Holt.Config;
using Holt.Firewall;
using Holt.Guard;
using Holt.WireGuard.Keys;

namespace Holt.Gateway;

/// <summary>
/// Reads holt.toml strictly: every key must be known and of the right type, every value valid, and the whole
/// consistent (unique names, keys and addresses inside the subnets). The first problem is reported with its line,
/// and nothing is applied from a file that has one.
/// </summary>
internal static partial class GatewayConfigReader
{
    /// <param name="text">The file's content.</param>
    /// <param name="source">The file's path, for messages.</param>
    /// <param name="verifyKeyPairs">
    /// Also check that each stored peer private key belongs to its public key. That takes one X25519 operation per
    /// peer (about 40 ms for 1,000), so it runs when the daemon starts and when a client config is written, not on
    /// every command.
    /// </param>
    /// <exception cref="ConfigException">The file is not a valid gateway configuration.</exception>
    public static GatewayConfig Read(string text, string source, bool verifyKeyPairs = false)
    {
        TomlTable root = TomlTree.Parse(text, source);
        TableReader? gateway = null;
        FirewallConfig firewall = new();
        TableReader? firewallTable = null;
        List<TableReader> publicTables = [];
        var peers = new List<(PeerConfig Peer, TableReader Table)>();
        var exposures = new List<(Exposure Exposure, TableReader Table)>();
        GuardConfig? guard = null;
        foreach ((string key, TomlNode node) in root.Entries)
        {
            switch (key)
            {
                case "gateway" when node is TomlTable table:
                    gateway = new TableReader(table, source, "[gateway] ");
                    break;
                case "peer" when node is TomlArray array:
                    peers.AddRange(ArrayOfTables(array, "peer", source).Select(reader => (ReadPeer(reader), reader)));
                    break;
                case "firewall" when node is TomlTable table:
                    firewallTable = new TableReader(table, source, "[firewall] ");
                    firewall = ReadFirewall(firewallTable, out publicTables);
                    break;
                case "expose" when node is TomlArray array:
                    exposures.AddRange(ArrayOfTables(array, "expose", source).Select(reader => (ReadExposure(reader), reader)));
                    break;
                case "guard" when node is TomlTable table:
                    guard = ReadGuard(new TableReader(table, source, "[guard] "));
                    break;
                case "guard":
                    throw new ConfigException(source, node.Line, "'guard' must be a [guard] table");
                case "firewall" or "expose":
                    throw new ConfigException(source, node.Line, $"'{key}' must be {(key == "firewall" ? "a [firewall] table" : "a list of [[expose]] tables")}");
                case "gateway" or "peer":
                    throw new ConfigException(source, node.Line, $"'{key}' must be a {(key == "gateway" ? "[gateway] table" : "list of [[peer]] tables")}");
                default:
                    throw new ConfigException(source, node.Line, $"unknown section or key '{PeerName.Printable(key)}' (expected [gateway], [[peer]], [firewall], [[expose]] and [guard])");
            }
        }

        if (gateway is null)
        {
            throw new ConfigException(source, 1, "missing the [gateway] section");
        }

        GatewayConfig config = ReadGateway(gateway) with
        {
            Peers = peers.Select(p => p.Peer).ToList(),
            Firewall = firewall,
            Exposures = exposures.Select(e => e.Exposure).ToList(),
            GuardSection = guard,
        };
        Check(
            config,
            (peer, key, problem) =>
            {
                TableReader table = peer < 0 ? gateway : peers[peer].Table;
                throw new ConfigException(source, table.LineOf(key), problem);
            },
            verifyKeyPairs);
        CheckFirewall(config, (where, index, key, problem) =>
        {
            TableReader table = where switch
            {
                Section.Expose => exposures[index].Table,
                Section.Public => publicTables[index],
                Section.Firewall when firewallTable is not null => firewallTable,
                _ => gateway,
            };
            throw new ConfigException(source, table.LineOf(key), problem);
        });
        return config;
    }

    /// <summary>The tables of a top-level <c>[[name]]</c> list, each with its own reader, checked in file order.</summary>
    private static IEnumerable<TableReader> ArrayOfTables(TomlArray array, string name, string source) =>
        array.Items.Select(item => item is TomlTable table
            ? new TableReader(table, source, $"[[{name}]] ")
            : throw new ConfigException(source, item.Line, $"'{name}' must be written as [[{name}]] tables"));

    /// <summary>
    /// Checks a configuration built in memory (by an edit) the way <see cref="Read"/> checks a file.
    /// </summary>
    /// <exception cref="CommandException">The configuration is inconsistent.</exception>
    public static void Validate(GatewayConfig config)
    {
        Check(config, (_, _, problem) => throw new CommandException(problem), verifyKeyPairs: false);
        CheckFirewall(config, (_, _, _, problem) => throw new CommandException(problem));
    }

    private static GatewayConfig ReadGateway(TableReader table)
    {
        table.RefuseUnknown("interface", "backend", "private_key", "listen_port", "endpoint", "subnet", "address", "subnet6", "address6", "dns", "mtu", "routes", "masquerade");
        string privateKey = table.RequiredString("private_key");
        IPNetwork subnet = table.RequiredNetwork("subnet");
        IPNetwork? subnet6 = table.OptionalNetwork("subnet6");
        var config = new GatewayConfig
        {
            Interface = table.OptionalString("interface") ?? GatewayConfig.DefaultInterface,
            Backend = table.OptionalString("backend") switch
            {
                null or "engine" => Backend.Engine,
                "kernel" => Backend.Kernel,
                string other => throw table.Error("backend", $"backend must be \"engine\" or \"kernel\", not \"{PeerName.Printable(other)}\""),
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
        return config;
    }

    private static PeerConfig ReadPeer(TableReader table)
    {
        table.RefuseUnknown("name", "public_key", "private_key", "preshared_key", "address", "address6", "allowed_ips", "dns", "keepalive", "enabled", "client_to_client", "expires", "created");
        var peer = new PeerConfig
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
            Expires = table.OptionalDateTime("expires"),
            Created = table.OptionalDateTime("created"),
        };
        return peer;
    }

    /// <summary>
    /// The consistency rules; <paramref name="fail"/> gets the peer's index (-1 for [gateway]), the key at fault and
    /// the problem, and must throw.
    /// </summary>
    private static void Check(GatewayConfig config, Action<int, string, string> fail, bool verifyKeyPairs)
    {
        if (!Tunnel.InterfaceName.IsValid(config.Interface))
        {
            fail(-1, "interface", $"invalid interface name '{PeerName.Printable(config.Interface)}': use 1 to {Tunnel.InterfaceName.MaxLength} letters, digits or _=+.-");
        }

        if (KeyProblem(config.PrivateKey, "private_key") is string badKey)
        {
            fail(-1, "private_key", badKey);
        }

        if (EndpointText.TryParse(config.Endpoint, out _, out _) is string badEndpoint)
        {
            fail(-1, "endpoint", badEndpoint);
        }

        CheckSubnet(config.Subnet, ipv4: true, "subnet", fail);
        if (Subnets.HostProblem(config.Subnet, config.Address) is string badAddress)
        {
            fail(-1, "address", badAddress);
        }

        if (config.Subnet6 is IPNetwork subnet6)
        {
            CheckSubnet(subnet6, ipv4: false, "subnet6", fail);
            if (config.Address6 is null || Subnets.HostProblem(subnet6, config.Address6) is string badAddress6)
            {
                fail(-1, "address6", config.Address6 is null ? "address6 is missing" : Subnets.HostProblem(subnet6, config.Address6)!);
            }
        }
        else if (config.Address6 is not null)
        {
            fail(-1, "address6", "address6 needs subnet6");
        }

        foreach (string dns in config.Dns)
        {
            if (DnsProblem(dns) is string badDns)
            {
                fail(-1, "dns", badDns);
            }
        }

        string serverPublic = PublicKeyOf(config.PrivateKey);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var addresses = new HashSet<IPAddress> { config.Address };
        if (config.Address6 is not null)
        {
            addresses.Add(config.Address6);
        }

        for (int i = 0; i < config.Peers.Count; i++)
        {
            PeerConfig peer = config.Peers[i];
            void Fail(string key, string problem) => fail(i, key, $"peer '{PeerName.Printable(peer.Name)}': {problem}");
            if (PeerName.Problem(peer.Name) is string badPeerName)
            {
                fail(i, "name", badPeerName);
            }

            if (!names.Add(peer.Name))
            {
                fail(i, "name", $"duplicate peer name '{peer.Name}'");
            }

            if (KeyProblem(peer.PublicKey, "public_key") is string badPublic)
            {
                Fail("public_key", badPublic);
            }

            if (!keys.Add(peer.PublicKey) || peer.PublicKey == serverPublic)
            {
                Fail("public_key", peer.PublicKey == serverPublic ? "public_key is the gateway's own key" : "public_key is used by another peer");
            }

            if (peer.PrivateKey is not null)
            {
                if (KeyProblem(peer.PrivateKey, "private_key") is string badPrivate)
                {
                    Fail("private_key", badPrivate);
                }

                if (verifyKeyPairs && PublicKeyOf(peer.PrivateKey) != peer.PublicKey)
                {
                    Fail("private_key", "private_key does not belong to public_key");
                }
            }

            if (peer.PresharedKey is not null && KeyProblem(peer.PresharedKey, "preshared_key") is string badPsk)
            {
                Fail("preshared_key", badPsk);
            }

            if (Subnets.HostProblem(config.Subnet, peer.Address) is string badPeerAddress)
            {
                Fail("address", badPeerAddress);
            }

            if (!addresses.Add(peer.Address))
            {
                Fail("address", $"address {peer.Address} is already taken");
            }

            if (peer.Address6 is not null)
            {
                if (config.Subnet6 is not IPNetwork v6)
                {
                    Fail("address6", "address6 needs subnet6 in [gateway]");
                }
                else if (Subnets.HostProblem(v6, peer.Address6) is string badPeerAddress6)
                {
                    Fail("address6", badPeerAddress6);
                }

                if (!addresses.Add(peer.Address6))
                {
                    Fail("address6", $"address {peer.Address6} is already taken");
                }
            }

            foreach (string dns in peer.Dns ?? [])
            {
                if (DnsProblem(dns) is string badDns)
                {
                    Fail("dns", badDns);
                }
            }
        }
    }

    private static void CheckSubnet(IPNetwork subnet, bool ipv4, string key, Action<int, string, string> fail)
    {
        if (Subnets.IsIPv4(subnet) != ipv4)
        {
            fail(-1, key, $"{key} must be an {(ipv4 ? "IPv4" : "IPv6")} network");
        }

        if (subnet.PrefixLength > (ipv4 ? Subnets.MaxPrefix4 : Subnets.MaxPrefix6))
        {
            fail(-1, key, $"{key} {subnet} is too small (at most /{(ipv4 ? Subnets.MaxPrefix4 : Subnets.MaxPrefix6)})");
        }
    }

    internal static string? KeyProblem(string key, string what)
    {
        // Any 32 bytes are a valid key of every kind; PublicKey's parser checks the text form, as wg does.
        return PublicKey.TryParse(key, out _) && key.Trim() == key ? null : $"{what} is not a valid key (44 characters of base64, as wg genkey prints)";
    }

    internal static string PublicKeyOf(string privateKey)
    {
        using PrivateKey key = WireGuard.Keys.PrivateKey.Parse(privateKey);
        return key.PublicKey.ToBase64();
    }

    /// <summary>A DNS entry: an IP address (a name server) or a search domain, as wg-quick's DNS= takes them.</summary>
    internal static string? DnsProblem(string entry)
    {
        if (AddressText.TryParse(entry, out _))
        {
            return null;
        }

        if (entry.Length is > 0 and <= 253 && entry.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-') && char.IsAsciiLetterOrDigit(entry[0]))
        {
            return null;
        }

        return $"'{PeerName.Printable(entry)}' is not a name server address or search domain";
    }

    internal static string FormatDate(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
