using System.Net;
using System.Net.Sockets;
using Holt.Config;
using Holt.Gateway;
using Holt.Text;

namespace Holt.Import;

/// <summary>An address with its prefix length as a file wrote it ("10.8.0.2/32"), and the line it is on.</summary>
internal sealed record AddressEntry(IPAddress Address, int Prefix, int Line)
{
    public bool IsHost => Prefix == (Address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);

    public override string ToString() => $"{Address}/{Prefix}";

    /// <summary>"ADDRESS[/PREFIX]" as wg and wg-quick read it; a bare address is a host.</summary>
    public static AddressEntry? TryParse(string text, int line)
    {
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? text : text[..slash];
        if (!AddressText.TryParse(addressText, out IPAddress? address))
        {
            return null;
        }

        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (slash < 0)
        {
            return new AddressEntry(address, max, line);
        }

        string prefixText = text[(slash + 1)..];
        return prefixText.Length is > 0 and <= 3 && prefixText.All(char.IsAsciiDigit) && int.Parse(prefixText, System.Globalization.CultureInfo.InvariantCulture) is int prefix && prefix <= max
            ? new AddressEntry(address, prefix, line)
            : null;
    }
}

/// <summary>The [Interface] (or wg-easy's server) as read, before it is checked.</summary>
internal sealed class GatewayDraft
{
    public string? PrivateKey { get; set; }

    public int PrivateKeyLine { get; set; }

    public List<AddressEntry> Addresses { get; } = [];

    public int? ListenPort { get; set; }

    public int? Mtu { get; set; }

    /// <summary>Whether a reader already reported the private key or the addresses as broken, so they are not also "missing".</summary>
    public bool KeyReported { get; set; }

    public bool AddressReported { get; set; }
}

/// <summary>One [Peer] (or wg-easy client) as read, before it is checked.</summary>
internal sealed class PeerDraft(int line)
{
    public int Line { get; } = line;

    /// <summary>The text the peer is to be named after (a comment, a wg-easy name), or null.</summary>
    public string? NameText { get; set; }

    public string? PublicKey { get; set; }

    public int PublicKeyLine { get; set; }

    public string? PresharedKey { get; set; }

    public int PresharedKeyLine { get; set; }

    public string? PrivateKey { get; set; }

    public List<AddressEntry> AllowedIps { get; } = [];

    public bool Enabled { get; set; } = true;

    public DateTimeOffset? Expires { get; set; }

    public DateTimeOffset? Created { get; set; }
}

/// <summary>
/// Turns what a reader found into a gateway configuration, checking it the way Holt checks its own: every problem
/// is collected with its place (so one run reports them all), and the configuration exists only when none was found.
/// </summary>
internal sealed partial class ImportBuilder(string file)
{
    private readonly List<(int Line, string Text)> _problems = [];
    private readonly List<(int Line, string Text)> _notCarried = [];
    private readonly List<(int Line, string Text)> _notes = [];

    public string File { get; } = file;

    public string Place(int line) => line > 0 ? $"{File}:{line}" : File;

    public void Problem(int line, string text) => _problems.Add((line, $"{Place(line)}: {text}"));

    public void NotCarried(int line, string text) => _notCarried.Add((line, $"{Place(line)}: {text}"));

    public void Note(int line, string text) => _notes.Add((line, $"{Place(line)}: {text}"));

    /// <summary>The plan of a file too broken to read further: its problems alone.</summary>
    public ImportPlan Failed(string format) => new()
    {
        Format = format,
        Source = File,
        Gateway = null,
        Peers = [],
        Problems = InFileOrder(_problems),
        NotCarried = [],
        Notes = [],
    };

    /// <summary>
    /// A value from the file for a message: one line, keys (any run of 40 or more base64 characters) replaced by
    /// "(key)", quoted and cut at 60 characters. A line may hold a key pasted without its name, or a hook may
    /// carry one, and secrets are never printed.
    /// </summary>
    public static string Quote(string value)
    {
        string printable = KeyLike().Replace(Printable.Of(value), "(key)");
        return printable.Length <= 60 ? $"'{printable}'" : $"'{printable[..57]}...'";
    }

    [System.Text.RegularExpressions.GeneratedRegex("[A-Za-z0-9+/]{40,}={0,2}", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex KeyLike();

    /// <summary>Whether <paramref name="text"/> is a key's text: 44 characters of base64 for 32 bytes.</summary>
    public static bool IsKey(string text) => GatewaySection.KeyProblem(text, "key") is null;

    public ImportPlan Build(string format, GatewayDraft draft, IReadOnlyList<PeerDraft> peers, ImportOptions options, string defaultInterface)
    {
        string interfaceName = options.Interface ?? defaultInterface;
        if (!Tunnel.InterfaceName.IsValid(interfaceName))
        {
            Problem(0, $"'{Printable.Of(interfaceName)}' is not a valid interface name (1 to {Tunnel.InterfaceName.MaxLength} letters, digits or _=+.-); give one with --interface NAME");
        }

        string? serverPublic = null;
        if (draft.PrivateKey is null)
        {
            if (!draft.KeyReported)
            {
                Problem(draft.PrivateKeyLine, "the server has no private key (PrivateKey in [Interface])");
            }
        }
        else if (!IsKey(draft.PrivateKey))
        {
            Problem(draft.PrivateKeyLine, "the server's private key is not a key (44 characters of base64, as wg genkey prints)");
        }
        else
        {
            serverPublic = GatewaySection.PublicKeyOf(draft.PrivateKey);
        }

        List<IPAddress> peerHosts = [.. peers.SelectMany(p => p.AllowedIps).Where(a => a.IsHost).Select(a => a.Address)];
        (IPNetwork? subnet, IPAddress? address) = ChooseSubnet(draft, peerHosts, options.Subnet, ipv4: true);
        (IPNetwork? subnet6, IPAddress? address6) = ChooseSubnet(draft, peerHosts, options.Subnet6, ipv4: false);
        int port = ChoosePort(draft, options.Port);
        int mtu = GatewayConfig.DefaultMtu;
        if (draft.Mtu is int wanted)
        {
            if (wanted is >= 1280 and <= 65535)
            {
                mtu = wanted;
            }
            else
            {
                NotCarried(0, $"MTU = {wanted}: Holt's interface takes 1280 to 65535 (IPv6 needs 1280), so it uses {GatewayConfig.DefaultMtu}");
            }
        }

        var dns = new List<string>();
        foreach (string entry in options.Dns)
        {
            if (GatewaySection.DnsProblem(entry) is string bad)
            {
                Problem(0, $"--dns: {bad}");
            }

            dns.Add(entry);
        }

        if (EndpointText.TryParse(options.Endpoint, out _, out _) is string badEndpoint)
        {
            Problem(0, $"--endpoint: {badEndpoint}");
        }

        List<ImportedPeer> imported = BuildPeers(peers, serverPublic, subnet, address, subnet6, address6, options.FullTunnel);
        GatewayConfig? config = null;
        if (_problems.Count == 0)
        {
            config = new GatewayConfig
            {
                Interface = interfaceName,
                Backend = options.Backend,
                PrivateKey = draft.PrivateKey!,
                ListenPort = port,
                Endpoint = options.Endpoint,
                Subnet = subnet!.Value,
                Address = address!,
                Subnet6 = subnet6,
                Address6 = address6,
                Dns = dns,
                Mtu = mtu,
                Peers = [.. imported.Select(p => p.Config)],
            };

            // The same checks every holt.toml passes; the ones above found each problem with its line first.
            GatewaySection.Instance.Check(HoltConfig.Empty.WithGateway(config), ConfigChecker.InMemory);
        }

        return new ImportPlan
        {
            Format = format,
            Source = File,
            Gateway = config,
            Peers = imported,
            Problems = InFileOrder(_problems),
            NotCarried = InFileOrder(_notCarried),
            Notes = InFileOrder(_notes),
        };
    }

    /// <summary>The file's own findings first (its whole), then by line; a stable sort keeps a line's own order.</summary>
    private static List<string> InFileOrder(List<(int Line, string Text)> items) => [.. items.OrderBy(i => i.Line).Select(i => i.Text)];

    /// <summary>
    /// The subnet and the gateway's address in it: from the option when given, else from the server's first
    /// address of that family with its prefix (10.8.0.1/24 is the gateway 10.8.0.1 in 10.8.0.0/24). The other
    /// addresses of the family are not carried.
    /// </summary>
    private (IPNetwork? Subnet, IPAddress? Address) ChooseSubnet(GatewayDraft draft, IEnumerable<IPAddress> peerHosts, string? option, bool ipv4)
    {
        AddressFamily family = ipv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        string flag = ipv4 ? "--subnet" : "--subnet6";
        List<AddressEntry> own = draft.Addresses.Where(a => a.Address.AddressFamily == family && !a.Address.IsIPv6LinkLocal).ToList();
        foreach (AddressEntry local in draft.Addresses.Where(a => a.Address.AddressFamily == family && a.Address.IsIPv6LinkLocal))
        {
            // wg-quick save writes every address of the interface back, the kernel's own link-local one too.
            NotCarried(local.Line, $"Address {local}: a link-local address the kernel gives every interface itself (wg-quick save writes it back)");
        }

        IPNetwork subnet;
        AddressEntry? chosen;
        if (option is not null)
        {
            if (Subnets.TryParseNetwork(option, out subnet) is string bad)
            {
                Problem(0, $"{flag}: {bad}");
                return (null, null);
            }

            if (Subnets.IsIPv4(subnet) != ipv4)
            {
                Problem(0, $"{flag}: {subnet} is not an {(ipv4 ? "IPv4" : "IPv6")} network");
                return (null, null);
            }

            chosen = own.FirstOrDefault(a => subnet.Contains(a.Address));
        }
        else
        {
            if (own.Count == 0)
            {
                if (ipv4 && !draft.AddressReported)
                {
                    Problem(0, "the server has no IPv4 address (Address in [Interface]), which says the VPN's subnet; give the subnet with --subnet 10.8.0.0/24");
                }

                return (null, null);
            }

            chosen = own[0];
            int max = ipv4 ? Subnets.MaxPrefix4 : Subnets.MaxPrefix6;
            if (chosen.Prefix > max)
            {
                Problem(chosen.Line, $"Address {chosen} names no subnet with room for peers (at most /{max}); give the VPN's subnet with {flag}");
                return (null, null);
            }

            // The parser clears the host bits: 10.8.0.1/24 is the network 10.8.0.0/24.
            subnet = IPNetwork.Parse($"{chosen.Address}/{chosen.Prefix}");
        }

        IPAddress address = chosen?.Address ?? Subnets.HostAt(subnet, 1);
        if (chosen is not null && address.Equals(subnet.BaseAddress) &&
            Subnets.FirstFree(subnet, peerHosts.Where(subnet.Contains).ToHashSet()) is IPAddress free)
        {
            // wireguard-ui gives the server the network's own address (10.252.1.0/24), which Linux allows and Holt
            // does not: a host address is never the network's.
            Note(chosen.Line, $"the server's address {address} is its subnet's network address, which Holt gives no host; the gateway takes {free}, the first its peers leave free");
            address = free;
        }

        if (Subnets.HostProblem(subnet, address) is string badAddress)
        {
            Problem(chosen?.Line ?? 0, $"the server's address: {badAddress}");
            return (null, null);
        }

        foreach (AddressEntry other in own.Where(a => a != chosen))
        {
            NotCarried(other.Line, $"Address {other}: Holt's gateway has one {(ipv4 ? "IPv4" : "IPv6")} address, {address}");
        }

        return (subnet, address);
    }

    private static int ChoosePort(GatewayDraft draft, int? option)
    {
        if (option is int given)
        {
            return given;
        }

        if (draft.ListenPort is int port and > 0)
        {
            return port;
        }

        return GatewayConfig.DefaultPort;
    }

    private List<ImportedPeer> BuildPeers(
        IReadOnlyList<PeerDraft> peers, string? serverPublic, IPNetwork? subnet, IPAddress? address, IPNetwork? subnet6, IPAddress? address6, bool fullTunnel)
    {
        var result = new List<ImportedPeer>();
        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        var addresses = new Dictionary<IPAddress, int>();
        foreach (PeerDraft peer in peers)
        {
            int problems = _problems.Count;
            (IPAddress? own, IPAddress? own6) = PeerAddresses(peer, subnet, subnet6);
            string? madeName = ImportNames.Sanitize(peer.NameText);
            string name = madeName ?? ImportNames.Fallback(own, result.Count + 1);
            string label = $"peer '{name}'";
            if (madeName is not null && madeName != peer.NameText)
            {
                Note(peer.Line, $"{label} is named after '{Printable.Of(peer.NameText!.Length > 64 ? peer.NameText[..61] + "..." : peer.NameText)}' (names are ASCII letters, digits, '.', '_' and '-', at most {PeerName.MaxLength})");
            }

            if (names.TryGetValue(name, out int firstLine))
            {
                Problem(peer.Line, $"{label}: the name is taken by the peer at line {firstLine} (names are unique whatever their case); rename one");
            }
            else
            {
                names[name] = peer.Line;
            }

            if (peer.PublicKey is null)
            {
                Problem(peer.Line, $"{label}: it has no public key (PublicKey)");
            }
            else if (!IsKey(peer.PublicKey))
            {
                Problem(peer.PublicKeyLine, $"{label}: its public key is not a key (44 characters of base64, as wg pubkey prints)");
            }
            else if (peer.PublicKey == serverPublic)
            {
                Problem(peer.PublicKeyLine, $"{label}: its public key is the server's own");
            }
            else if (keys.TryGetValue(peer.PublicKey, out int keyLine))
            {
                Problem(peer.PublicKeyLine, $"{label}: the peer at line {keyLine} has the same public key");
            }
            else
            {
                keys[peer.PublicKey] = peer.Line;
            }

            if (peer.PresharedKey is not null && !IsKey(peer.PresharedKey))
            {
                Problem(Math.Max(peer.Line, peer.PresharedKeyLine), $"{label}: its preshared key is not a key (44 characters of base64, as wg genpsk prints)");
            }

            if (peer.PrivateKey is not null)
            {
                if (!IsKey(peer.PrivateKey))
                {
                    Problem(peer.Line, $"{label}: its private key is not a key (44 characters of base64, as wg genkey prints)");
                }
                else if (peer.PublicKey is not null && IsKey(peer.PublicKey) && GatewaySection.PublicKeyOf(peer.PrivateKey) != peer.PublicKey)
                {
                    Problem(peer.Line, $"{label}: its private key does not belong to its public key");
                }
            }

            foreach ((IPAddress? taken, IPAddress? gateway) in new[] { (own, address), (own6, address6) })
            {
                if (taken is null)
                {
                    continue;
                }

                int line = peer.AllowedIps.FirstOrDefault(a => a.Address.Equals(taken))?.Line ?? peer.Line;
                if (taken.Equals(gateway))
                {
                    Problem(line, $"{label}: {taken} is the server's own address");
                }
                else if (addresses.TryGetValue(taken, out int otherLine))
                {
                    Problem(line, $"{label}: {taken} is also the address of the peer at line {otherLine}");
                }
                else
                {
                    addresses[taken] = peer.Line;
                }
            }

            if (_problems.Count > problems || own is null)
            {
                continue;
            }

            result.Add(new ImportedPeer(
                new PeerConfig
                {
                    Name = name,
                    PublicKey = peer.PublicKey!,
                    PrivateKey = peer.PrivateKey,
                    PresharedKey = peer.PresharedKey,
                    Address = own,
                    Address6 = own6,
                    AllowedIps = fullTunnel ? ClientConfig.FullTunnel : [],
                    Enabled = peer.Enabled,
                    Expires = peer.Expires,
                    Created = peer.Created,
                },
                Place(peer.Line),
                madeName is null ? null : peer.NameText));
        }

        return result;
    }

    /// <summary>
    /// A peer's own addresses among its AllowedIPs: the host address (/32, /128) inside each VPN subnet. Anything
    /// else is a network behind the peer, which Holt does not route, and is listed as not carried.
    /// </summary>
    private (IPAddress? Own, IPAddress? Own6) PeerAddresses(PeerDraft peer, IPNetwork? subnet, IPNetwork? subnet6)
    {
        IPAddress? own = null;
        IPAddress? own6 = null;
        string where = ImportNames.Sanitize(peer.NameText) is string named ? $"peer '{named}'" : $"the peer at line {peer.Line}";
        foreach (IPNetwork? network in new[] { subnet, subnet6 })
        {
            if (network is not IPNetwork vpn)
            {
                continue;
            }

            List<AddressEntry> inside = peer.AllowedIps.Where(a => a.IsHost && vpn.Contains(a.Address)).ToList();
            if (inside.Count > 1)
            {
                Problem(inside[1].Line, $"{where}: {string.Join(" and ", inside.Select(a => a.Address))} are both in {vpn}; Holt gives a peer one address there");
                continue;
            }

            if (inside.Count == 1)
            {
                if (Subnets.HostProblem(vpn, inside[0].Address) is string bad)
                {
                    Problem(inside[0].Line, $"{where}: {bad}");
                }
                else if (Subnets.IsIPv4(vpn))
                {
                    own = inside[0].Address;
                }
                else
                {
                    own6 = inside[0].Address;
                }
            }
        }

        if (subnet is IPNetwork v4 && own is null && !peer.AllowedIps.Any(a => a.IsHost && v4.Contains(a.Address)))
        {
            AddressEntry? outside = peer.AllowedIps.FirstOrDefault(a => a.IsHost && a.Address.AddressFamily == AddressFamily.InterNetwork);
            Problem(outside?.Line ?? peer.Line, outside is null
                ? $"{where}: it has no address of its own in the VPN subnet {v4} (AllowedIPs needs one such as {Subnets.HostAt(v4, 2)}/32)"
                : $"{where}: its address {outside.Address} is outside the VPN subnet {v4}");
            return (null, null);
        }

        foreach (AddressEntry entry in peer.AllowedIps)
        {
            bool isOwn = entry.IsHost && (entry.Address.Equals(own) || entry.Address.Equals(own6));
            if (!isOwn && !(entry.IsHost && ((subnet?.Contains(entry.Address) ?? false) || (subnet6?.Contains(entry.Address) ?? false))))
            {
                NotCarried(entry.Line, $"{where}: AllowedIPs {entry}: Holt routes only a peer's own addresses, not networks behind it");
            }
        }

        return (own, own6);
    }
}
