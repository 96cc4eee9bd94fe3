using Holt.Quick;
using Holt.Text;

namespace Holt.Import;

/// <summary>
/// Reads a wg-quick server configuration for <c>holt import</c>. Unlike the strict parser that <c>holt up</c> uses
/// for a client's file, it reads to the end whatever it meets: every problem is reported with its line in one run,
/// settings Holt has no place for (PostUp, Table, SaveConfig ...) are listed rather than refused, and the comments
/// around each [Peer] are kept, since that is where people write a peer's name. Keys are never quoted in a message.
/// </summary>
internal static class WgQuickImport
{
    public const string Format = "wg-quick";

    private enum Section
    {
        None,
        Interface,
        Peer,
        Other,
    }

    public static ImportPlan Read(string file, string text, ImportOptions options)
    {
        var builder = new ImportBuilder(file);
        var gateway = new GatewayDraft();
        var peers = new List<PeerDraft>();
        var comments = new List<string>();
        var around = new List<(List<string> Above, string? Inline, List<string> Below)>();
        List<string>? below = null;
        Section section = Section.None;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int line = i + 1;
            string raw = lines[i].TrimEnd('\r');
            int hash = raw.IndexOf('#', StringComparison.Ordinal);
            string content = (hash < 0 ? raw : raw[..hash]).Trim();
            string? comment = hash < 0 ? null : raw[(hash + 1)..];
            if (content.Length == 0)
            {
                if (comment is null)
                {
                    // A blank line ends a block of comments that could name a peer.
                    comments.Clear();
                    below = null;
                }
                else if (below is not null)
                {
                    below.Add(comment);
                }
                else
                {
                    comments.Add(comment);
                }

                continue;
            }

            if (content.StartsWith('['))
            {
                below = null;
                section = content.ToUpperInvariant() switch
                {
                    "[INTERFACE]" => Section.Interface,
                    "[PEER]" => Section.Peer,
                    _ => Section.Other,
                };
                if (section == Section.Peer)
                {
                    below = [];
                    peers.Add(new PeerDraft(line));
                    around.Add((comments.ToList(), comment, below));
                }
                else if (section == Section.Other)
                {
                    builder.NotCarried(line, $"section {Quote(content)}: wg-quick has only [Interface] and [Peer]; its keys are skipped");
                }

                comments.Clear();
                continue;
            }

            below = null;
            comments.Clear();
            int equals = content.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                builder.NotCarried(line, $"{Quote(content)} is neither a section header nor KEY = VALUE");
                continue;
            }

            string key = content[..equals].Trim();
            string value = content[(equals + 1)..].Trim();
            switch (section)
            {
                case Section.Interface:
                    ReadInterfaceKey(builder, gateway, line, key, value);
                    break;
                case Section.Peer:
                    ReadPeerKey(builder, peers[^1], line, key, value);
                    break;
                case Section.None:
                    builder.NotCarried(line, $"{Quote(key)} comes before any section");
                    break;
                default:
                    break;
            }
        }

        if (gateway.ListenPort is null && options.Port is null)
        {
            builder.Note(0, $"no ListenPort: wg-quick let the kernel pick a port each time; Holt listens on {Gateway.GatewayConfig.DefaultPort} unless --port says otherwise");
        }

        for (int i = 0; i < peers.Count; i++)
        {
            peers[i].NameText = ImportNames.FromComments(around[i].Above, around[i].Inline, around[i].Below);
        }

        return builder.Build(Format, gateway, peers, options, DefaultInterface(file));
    }

    private static string DefaultInterface(string file)
    {
        string name = Path.GetFileName(file);
        return name.EndsWith(".conf", StringComparison.Ordinal) ? name[..^".conf".Length] : name;
    }

    private static void ReadInterfaceKey(ImportBuilder builder, GatewayDraft gateway, int line, string key, string value)
    {
        switch (Canonical(key))
        {
            case "privatekey":
                gateway.PrivateKey = Compact(value);
                gateway.PrivateKeyLine = line;
                break;
            case "listenport":
                if (QuickValues.Port(Compact(value)) is ushort port)
                {
                    gateway.ListenPort = port;
                    if (port == 0)
                    {
                        builder.Note(line, $"ListenPort = 0 lets the kernel pick a port; Holt listens on {Gateway.GatewayConfig.DefaultPort} unless --port says otherwise");
                    }
                }
                else
                {
                    builder.Problem(line, $"ListenPort must be a port from 0 to 65535, not {Quote(value)}");
                }

                break;
            case "address":
                foreach (string item in SplitList(value))
                {
                    if (AddressEntry.TryParse(item, line) is AddressEntry entry)
                    {
                        gateway.Addresses.Add(entry);
                    }
                    else
                    {
                        builder.Problem(line, $"Address {Quote(item)} is not an IP address with an optional /prefix length");
                        gateway.AddressReported = true;
                    }
                }

                break;
            case "mtu":
                if (QuickValues.Mtu(value) is int mtu)
                {
                    gateway.Mtu = mtu;
                }
                else
                {
                    builder.Problem(line, $"MTU must be a number from 68 to 65535, not {Quote(value)}");
                }

                break;
            case "dns":
                builder.NotCarried(line, $"DNS = {Quote(value)}: under wg-quick it sets this server's own resolver; the name servers Holt writes into client configs come from --dns");
                break;
            case "preup" or "postup" or "predown" or "postdown":
                builder.NotCarried(line, $"{key} = {Quote(value)}: Holt runs no hooks; its firewall forwards and masquerades the VPN's traffic itself (masquerade in [gateway]), and anything else needs carrying by hand");
                break;
            case "table":
                builder.NotCarried(line, $"Table = {Quote(value)}: Holt routes the VPN subnets through the interface in the main table");
                break;
            case "fwmark":
                builder.NotCarried(line, $"FwMark = {Quote(value)}: Holt sets no firewall mark on the tunnel's packets");
                break;
            case "saveconfig":
                builder.NotCarried(line, "SaveConfig: Holt keeps its configuration in holt.toml and writes it on every change itself");
                break;
            case "publickey" or "presharedkey" or "allowedips" or "endpoint" or "persistentkeepalive":
                builder.NotCarried(line, $"{key} belongs in a [Peer] section, not in [Interface]; skipped");
                break;
            default:
                builder.NotCarried(line, $"unknown key {Quote(key)} in [Interface]");
                break;
        }
    }

    private static void ReadPeerKey(ImportBuilder builder, PeerDraft peer, int line, string key, string value)
    {
        switch (Canonical(key))
        {
            case "publickey":
                if (peer.PublicKey is not null)
                {
                    // wg would start another peer here; a second key in one section is a slip of the editor.
                    builder.Problem(line, $"a second PublicKey in the [Peer] at line {peer.Line}");
                }

                peer.PublicKey = Compact(value);
                peer.PublicKeyLine = line;
                break;
            case "presharedkey":
                peer.PresharedKey = Compact(value);
                peer.PresharedKeyLine = line;
                break;
            case "allowedips":
                foreach (string item in Compact(value).Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (AddressEntry.TryParse(item, line) is AddressEntry entry)
                    {
                        peer.AllowedIps.Add(entry);
                    }
                    else
                    {
                        builder.Problem(line, $"AllowedIPs entry {Quote(item)} is not an IP address with an optional /prefix length");
                    }
                }

                break;
            case "endpoint":
                builder.NotCarried(line, $"Endpoint = {Quote(value)}: Holt waits for its peers to connect and does not dial them");
                break;
            case "persistentkeepalive":
                builder.NotCarried(line, $"PersistentKeepalive = {Quote(value)}: the gateway sends no keepalives; its peers' own keep NAT mappings open");
                break;
            case "privatekey" or "listenport" or "fwmark" or "address" or "dns" or "mtu" or "table" or "saveconfig"
                or "preup" or "postup" or "predown" or "postdown":
                builder.NotCarried(line, $"{key} belongs in the [Interface] section, not in [Peer]; skipped");
                break;
            default:
                builder.NotCarried(line, $"unknown key {Quote(key)} in [Peer]");
                break;
        }
    }

    private static string Canonical(string key) => QuickConfigParser.Canonical(key);

    private static string Compact(string value) => QuickConfigParser.Compact(value);

    private static string[] SplitList(string value) => QuickConfigParser.SplitList(value);

    private static string Quote(string value) => ImportBuilder.Quote(value);
}
