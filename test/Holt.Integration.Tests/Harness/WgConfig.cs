using System.Net;
using System.Text;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>A [Peer] section of a wg or wg-quick configuration.</summary>
internal sealed record WgConfigPeer
{
    public required string PublicKey { get; init; }

    public string? PresharedKey { get; init; }

    public string? Endpoint { get; init; }

    public IReadOnlyList<string> AllowedIps { get; init; } = [];

    public int? PersistentKeepalive { get; init; }
}

/// <summary>
/// A wg configuration file, as <c>wg setconf</c> reads and <c>wg showconf</c> prints it, plus wg-quick's Address,
/// the one wg-quick key these tests use (no DNS: it would touch the machine's resolver).
/// </summary>
internal sealed record WgConfig
{
    public string? PrivateKey { get; init; }

    public int? ListenPort { get; init; }

    public IReadOnlyList<string> Addresses { get; init; } = [];

    public IReadOnlyList<WgConfigPeer> Peers { get; init; } = [];

    /// <summary>Writes the file; long AllowedIPs lists are split over several lines, which wg accepts and appends.</summary>
    public string Render(int allowedIpsPerLine = 200)
    {
        var text = new StringBuilder("[Interface]\n");
        AppendIf(text, "PrivateKey", PrivateKey);
        AppendIf(text, "ListenPort", ListenPort?.ToString());
        if (Addresses.Count > 0)
        {
            AppendIf(text, "Address", string.Join(", ", Addresses));
        }

        foreach (WgConfigPeer peer in Peers)
        {
            text.Append("\n[Peer]\n");
            AppendIf(text, "PublicKey", peer.PublicKey);
            AppendIf(text, "PresharedKey", peer.PresharedKey);
            AppendIf(text, "Endpoint", peer.Endpoint);
            AppendIf(text, "PersistentKeepalive", peer.PersistentKeepalive?.ToString());
            foreach (string[] chunk in peer.AllowedIps.Chunk(allowedIpsPerLine))
            {
                AppendIf(text, "AllowedIPs", string.Join(", ", chunk));
            }
        }

        return text.ToString();
    }

    public static WgConfig Parse(string text)
    {
        var config = new WgConfig();
        var peers = new List<WgConfigPeer>();
        var allowedIps = new List<string>();
        WgConfigPeer? peer = null;

        void ClosePeer()
        {
            if (peer is not null)
            {
                peers.Add(peer with { AllowedIps = [.. allowedIps] });
                allowedIps.Clear();
            }
        }

        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine.Split('#')[0].Trim();
            if (line.Length == 0 || line == "[Interface]")
            {
                continue;
            }

            if (line == "[Peer]")
            {
                ClosePeer();
                peer = new WgConfigPeer { PublicKey = "" };
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw new XunitException($"Not a configuration line: {rawLine}");
            }

            string key = line[..equals].Trim();
            string value = line[(equals + 1)..].Trim();
            if (peer is null)
            {
                config = key switch
                {
                    "PrivateKey" => config with { PrivateKey = value },
                    "ListenPort" => config with { ListenPort = int.Parse(value) },
                    "Address" => config with { Addresses = [.. config.Addresses, .. SplitList(value)] },
                    _ => throw new XunitException($"Unexpected [Interface] key: {rawLine}"),
                };
            }
            else
            {
                peer = key switch
                {
                    "PublicKey" => peer with { PublicKey = value },
                    "PresharedKey" => peer with { PresharedKey = value },
                    "Endpoint" => peer with { Endpoint = value },
                    "PersistentKeepalive" => peer with { PersistentKeepalive = value == "off" ? null : int.Parse(value) },
                    "AllowedIPs" => peer,
                    _ => throw new XunitException($"Unexpected [Peer] key: {rawLine}"),
                };
                if (key == "AllowedIPs")
                {
                    allowedIps.AddRange(SplitList(value));
                }
            }
        }

        ClosePeer();
        return config with { Peers = peers };
    }

    /// <summary>An allowed-IP prefix in one spelling, so sets compare by meaning and not by text.</summary>
    public static string Canonical(string prefix)
    {
        int slash = prefix.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? throw new XunitException($"Allowed IP without a prefix length: {prefix}")
            : $"{IPAddress.Parse(prefix[..slash])}/{int.Parse(prefix[(slash + 1)..])}";
    }

    private static string[] SplitList(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void AppendIf(StringBuilder text, string key, string? value)
    {
        if (value is not null)
        {
            text.Append(key).Append(" = ").Append(value).Append('\n');
        }
    }
}
