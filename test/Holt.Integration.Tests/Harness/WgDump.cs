using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>One peer of <c>wg show NAME dump</c>.</summary>
internal sealed record WgPeer(
    string PublicKey,
    string PresharedKey,
    string Endpoint,
    IReadOnlyList<string> AllowedIps,
    long LatestHandshake,
    long RxBytes,
    long TxBytes,
    string PersistentKeepalive);

/// <summary>
/// <c>wg show NAME dump</c>: a tab-separated line for the interface (private key, public key, listen port, fwmark),
/// then one per peer (public key, preshared key, endpoint, allowed IPs, latest handshake, rx, tx, keepalive).
/// </summary>
internal sealed record WgDump(string PrivateKey, string PublicKey, int ListenPort, string FwMark, IReadOnlyList<WgPeer> Peers)
{
    public static WgDump Parse(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            throw new XunitException("`wg show dump` printed nothing.");
        }

        string[] device = Fields(lines[0], 4);
        var peers = new List<WgPeer>(lines.Length - 1);
        foreach (string line in lines.Skip(1))
        {
            string[] f = Fields(line, 8);
            peers.Add(new WgPeer(
                f[0],
                f[1],
                f[2],
                f[3] == "(none)" ? [] : f[3].Split(','),
                long.Parse(f[4]),
                long.Parse(f[5]),
                long.Parse(f[6]),
                f[7]));
        }

        return new WgDump(device[0], device[1], int.Parse(device[2]), device[3], peers);
    }

    /// <summary>The peer with this public key; fails the test, listing the peers there are, when it is absent.</summary>
    public WgPeer Peer(string publicKey) =>
        Find(publicKey) ?? throw new XunitException(
            $"No peer {publicKey} in `wg show`; peers: {(Peers.Count == 0 ? "none" : string.Join(", ", Peers.Select(p => p.PublicKey)))}.");

    public WgPeer? Find(string publicKey) => Peers.FirstOrDefault(p => p.PublicKey == publicKey);

    private static string[] Fields(string line, int count)
    {
        string[] fields = line.Split('\t');
        return fields.Length == count
            ? fields
            : throw new XunitException($"`wg show dump` line has {fields.Length} fields, expected {count}: {line}");
    }
}
