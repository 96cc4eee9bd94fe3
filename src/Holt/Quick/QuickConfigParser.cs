using System.Net;
using Holt.WireGuard.Keys;

namespace Holt.Quick;

/// <summary>
/// Reads a wg-quick file strictly: what wg-quick and <c>wg setconf</c> accept is accepted, with the same
/// case-insensitive keys, '#' comments and trimmed values, and anything else stops the parse with
/// "FILE:LINE: message". Secrets never appear in a message: a bad key is described, not quoted.
/// </summary>
internal sealed class QuickConfigParser
{
    private readonly string _file;
    private readonly List<IpPrefix> _addresses = [];
    private readonly List<IPAddress> _dnsServers = [];
    private readonly List<string> _dnsSearch = [];
    private readonly List<QuickHook> _preUp = [];
    private readonly List<QuickHook> _postUp = [];
    private readonly List<QuickHook> _preDown = [];
    private readonly List<QuickHook> _postDown = [];
    private readonly List<PeerBuilder> _peers = [];
    private readonly Dictionary<PublicKey, int> _peerLines = [];
    private readonly List<string> _warnings = [];
    private PrivateKey? _privateKey;
    private ushort? _listenPort;
    private uint? _fwMark;
    private int? _mtu;
    private RouteTable _table = RouteTable.Auto;
    private Section _section = Section.None;
    private int _line;

    private QuickConfigParser(string file) => _file = file;

    private enum Section
    {
        None,
        Interface,
        Peer,
    }

    /// <summary>Parses <paramref name="text"/>, the contents of <paramref name="file"/>.</summary>
    /// <exception cref="CommandException">The first problem, as "FILE:LINE: message".</exception>
    public static QuickConfig Parse(string file, string text)
    {
        var parser = new QuickConfigParser(file);
        try
        {
            return parser.Run(text);
        }
        catch
        {
            parser.DisposeKeys();
            throw;
        }
    }

    private QuickConfig Run(string text)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            _line = i + 1;
            ReadLine(lines[i]);
        }

        foreach (PeerBuilder peer in _peers)
        {
            if (peer.PublicKey is null)
            {
                throw Error(peer.Line, "this [Peer] has no PublicKey");
            }
        }

        return new QuickConfig
        {
            File = _file,
            PrivateKey = _privateKey,
            ListenPort = _listenPort,
            FwMark = _fwMark,
            Addresses = _addresses,
            DnsServers = _dnsServers,
            DnsSearch = _dnsSearch,
            Mtu = _mtu,
            Table = _table,
            PreUp = _preUp,
            PostUp = _postUp,
            PreDown = _preDown,
            PostDown = _postDown,
            Peers = [.. _peers.Select(p => p.Build())],
            Warnings = _warnings,
        };
    }

    private void ReadLine(string raw)
    {
        // wg-quick cuts every line at its first '#', hooks included, and so does wg.
        int hash = raw.IndexOf('#', StringComparison.Ordinal);
        string line = (hash < 0 ? raw : raw[..hash]).Trim();
        if (line.Length == 0)
        {
            return;
        }

        if (line.StartsWith('['))
        {
            _section = line.ToUpperInvariant() switch
            {
                "[INTERFACE]" => Section.Interface,
                "[PEER]" => Section.Peer,
                _ => throw Error($"unknown section {QuickValues.Quote(line)}; a wg-quick configuration has [Interface] and [Peer] sections"),
            };
            if (_section == Section.Peer)
            {
                _peers.Add(new PeerBuilder(_line));
            }

            return;
        }

        int equals = line.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            // The line is not quoted: it may be a key pasted without its name.
            throw Error("expected a section header such as [Peer] or a line KEY = VALUE");
        }

        string key = line[..equals].Trim();
        string value = line[(equals + 1)..].Trim();
        switch (_section)
        {
            case Section.Interface:
                ReadInterfaceKey(key, value);
                break;
            case Section.Peer:
                ReadPeerKey(_peers[^1], key, value);
                break;
            default:
                throw Error($"{QuickValues.Quote(key)} comes before any section; start the file with [Interface]");
        }
    }

    private void ReadInterfaceKey(string key, string value)
    {
        switch (Canonical(key))
        {
            case "privatekey":
                _privateKey?.Dispose();
                _privateKey = null;
                _privateKey = ParseKey(value, "PrivateKey", text => PrivateKey.Parse(text));
                break;
            case "listenport":
                _listenPort = QuickValues.Port(Compact(value)) ?? throw Error($"ListenPort must be a port from 0 to 65535, not {QuickValues.Quote(value)}");
                break;
            case "fwmark":
                _fwMark = QuickValues.FwMark(Compact(value)) ?? throw Error($"FwMark must be off or a number from 0 to 0xffffffff, not {QuickValues.Quote(value)}");
                break;
            case "address":
                foreach (string item in SplitList(value))
                {
                    _addresses.Add(IpPrefix.TryParse(item, out IpPrefix address)
                        ? address
                        : throw Error($"Address {QuickValues.Quote(item)} is not an IP address with an optional /prefix length"));
                }

                break;
            case "dns":
                ReadDns(value);
                break;
            case "mtu":
                _mtu = QuickValues.Mtu(value) ?? throw Error($"MTU must be a number from 68 to 65535, not {QuickValues.Quote(value)}");
                break;
            case "table":
                _table = QuickValues.Table(value) ?? throw Error($"Table must be off, auto, a table number or a table name, not {QuickValues.Quote(value)}");
                break;
            case "preup":
                AddHook(_preUp, "PreUp", value);
                break;
            case "postup":
                AddHook(_postUp, "PostUp", value);
                break;
            case "predown":
                AddHook(_preDown, "PreDown", value);
                break;
            case "postdown":
                AddHook(_postDown, "PostDown", value);
                break;
            case "saveconfig":
                bool save = QuickValues.Boolean(value) ?? throw Error($"SaveConfig must be true or false, not {QuickValues.Quote(value)}");
                if (save)
                {
                    throw Error("SaveConfig = true is not supported: holt never rewrites the configuration file; remove the line or set it to false");
                }

                break;
            case "publickey" or "presharedkey" or "allowedips" or "endpoint" or "persistentkeepalive":
                throw Error($"{key} belongs in a [Peer] section, not in [Interface]");
            default:
                throw Error($"unknown key {QuickValues.Quote(key)} in [Interface]");
        }
    }

    private void ReadPeerKey(PeerBuilder peer, string key, string value)
    {
        switch (Canonical(key))
        {
            case "publickey":
                if (!PublicKey.TryParse(Compact(value), out PublicKey publicKey))
                {
                    throw Error("PublicKey is not a key: a key is 44 characters of base64, as wg genkey and wg pubkey print them");
                }

                if (_peerLines.TryGetValue(publicKey, out int first) && first != peer.Line)
                {
                    throw Error($"peer {publicKey} appears twice; its first [Peer] section is at line {first}");
                }

                if (peer.PublicKey is PublicKey previous && previous != publicKey)
                {
                    _ = _peerLines.Remove(previous);
                }

                _peerLines[publicKey] = peer.Line;
                peer.PublicKey = publicKey;
                break;
            case "presharedkey":
                peer.PresharedKey?.Dispose();
                peer.PresharedKey = null;
                peer.PresharedKey = ParseKey(value, "PresharedKey", text => PresharedKey.Parse(text));
                break;
            case "allowedips":
                foreach (string item in Compact(value).Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!IpPrefix.TryParse(item, out IpPrefix prefix))
                    {
                        throw Error($"AllowedIPs entry {QuickValues.Quote(item)} is not an IP address with an optional /prefix length");
                    }

                    if (prefix.HasHostBits)
                    {
                        // wg warns and goes on; the interface keeps the network, and so do the routes.
                        _warnings.Add($"{_file}:{_line}: AllowedIPs entry {item} has host bits set; it stands for {prefix.Network}");
                    }

                    peer.AllowedIps.Add(prefix.Network);
                }

                break;
            case "endpoint":
                (string host, ushort port) = QuickValues.Endpoint(Compact(value))
                    ?? throw Error($"Endpoint must be HOST:PORT or [IPv6]:PORT with a port from 1 to 65535, not {QuickValues.Quote(value)}");
                peer.Endpoint = new QuickEndpoint(host, port, _line);
                break;
            case "persistentkeepalive":
                peer.PersistentKeepalive = QuickValues.Keepalive(Compact(value))
                    ?? throw Error($"PersistentKeepalive must be off or a number of seconds from 0 to 65535, not {QuickValues.Quote(value)}");
                break;
            case "privatekey" or "listenport" or "fwmark" or "address" or "dns" or "mtu" or "table" or "saveconfig"
                or "preup" or "postup" or "predown" or "postdown":
                throw Error($"{key} belongs in the [Interface] section, not in [Peer]");
            default:
                throw Error($"unknown key {QuickValues.Quote(key)} in [Peer]");
        }
    }

    private void ReadDns(string value)
    {
        foreach (string item in SplitList(value))
        {
            (IPAddress? server, string? domain) = QuickValues.Dns(item)
                ?? throw Error($"DNS entry {QuickValues.Quote(item)} is neither an IP address nor a search domain");
            if (server is not null)
            {
                _dnsServers.Add(server);
            }
            else
            {
                _dnsSearch.Add(domain!);
            }
        }
    }

    private void AddHook(List<QuickHook> hooks, string key, string command)
    {
        // An empty hook runs nothing in wg-quick either.
        if (command.Length > 0)
        {
            hooks.Add(new QuickHook(key, command, _line));
        }
    }

    private T ParseKey<T>(string value, string name, Func<string, T> parse)
    {
        try
        {
            return parse(Compact(value));
        }
        catch (FormatException)
        {
            throw Error($"{name} is not a key: a key is 44 characters of base64, as wg genkey and wg genpsk print them");
        }
    }

    /// <summary>
    /// A key's name to match on: case folded, and for wg's own keys without inner whitespace, since wg deletes
    /// every space of a line before it reads it ("Allowed IPs" works there). wg-quick's keys only trim.
    /// </summary>
    internal static string Canonical(string key)
    {
        string lower = key.ToLowerInvariant();
        string compact = Compact(lower);
        return compact is "privatekey" or "listenport" or "fwmark" or "publickey" or "presharedkey" or "allowedips" or "endpoint" or "persistentkeepalive"
            ? compact
            : lower;
    }

    /// <summary>A value as wg reads it: every whitespace character removed.</summary>
    internal static string Compact(string value) => string.Concat(value.Where(c => !char.IsWhiteSpace(c)));

    /// <summary>wg-quick's lists (Address, DNS): items separated by commas, spaces or both.</summary>
    internal static string[] SplitList(string value) =>
        value.Split([',', ' ', '\t', '\v', '\f', '\r'], StringSplitOptions.RemoveEmptyEntries);

    private CommandException Error(string message) => Error(_line, message);

    private CommandException Error(int line, string message) => new($"{_file}:{line}: {message}");

    private void DisposeKeys()
    {
        _privateKey?.Dispose();
        foreach (PeerBuilder peer in _peers)
        {
            peer.PresharedKey?.Dispose();
        }
    }

    private sealed class PeerBuilder(int line)
    {
        public int Line { get; } = line;

        public PublicKey? PublicKey { get; set; }

        public PresharedKey? PresharedKey { get; set; }

        public QuickEndpoint? Endpoint { get; set; }

        public ushort? PersistentKeepalive { get; set; }

        public List<IpPrefix> AllowedIps { get; } = [];

        public QuickPeer Build() => new()
        {
            Line = Line,
            PublicKey = PublicKey!.Value,
            PresharedKey = PresharedKey,
            Endpoint = Endpoint,
            PersistentKeepalive = PersistentKeepalive,
            AllowedIps = AllowedIps,
        };
    }
}
