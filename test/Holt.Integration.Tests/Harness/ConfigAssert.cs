using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>
/// Compares what an interface reports (<c>wg showconf</c>, <c>wg show dump</c>) with what was set: every key,
/// peers by public key, allowed IPs as exact sets. A mismatch lists the first differences, with counts.
/// </summary>
internal static class ConfigAssert
{
    private const int MaxListed = 8;

    public static void Equivalent(WgConfig expected, WgConfig actual, string what)
    {
        var differences = new List<string>();
        Compare(differences, "private key", expected.PrivateKey, actual.PrivateKey);
        Compare(differences, "listen port", expected.ListenPort?.ToString(), actual.ListenPort?.ToString());

        var actualPeers = new Dictionary<string, WgConfigPeer>();
        foreach (WgConfigPeer peer in actual.Peers)
        {
            if (!actualPeers.TryAdd(peer.PublicKey, peer))
            {
                differences.Add($"peer {peer.PublicKey} is listed twice");
            }
        }

        var expectedKeys = expected.Peers.Select(p => p.PublicKey).ToHashSet();
        AddSetDifferences(differences, "peers", expectedKeys, actualPeers.Keys.ToHashSet());
        foreach (WgConfigPeer want in expected.Peers)
        {
            if (actualPeers.TryGetValue(want.PublicKey, out WgConfigPeer? got))
            {
                string who = $"peer {want.PublicKey[..8]}…";
                Compare(differences, $"{who} preshared key", want.PresharedKey, got.PresharedKey);
                Compare(differences, $"{who} endpoint", want.Endpoint, got.Endpoint);
                Compare(differences, $"{who} persistent keepalive", want.PersistentKeepalive?.ToString(), got.PersistentKeepalive?.ToString());
                AddSetDifferences(differences, $"{who} allowed IPs", CanonicalSet(want.AllowedIps), CanonicalSet(got.AllowedIps));
            }
        }

        if (differences.Count > 0)
        {
            throw new XunitException(
                $"{what} differs from what was set ({differences.Count} differences):\n  " +
                string.Join("\n  ", differences.Take(MaxListed * 2)));
        }
    }

    /// <summary>Fails unless two sets of allowed IPs are equal, naming the first few missing and extra.</summary>
    public static void SameAllowedIps(IEnumerable<string> expected, IEnumerable<string> actual, string what)
    {
        var differences = new List<string>();
        AddSetDifferences(differences, what, CanonicalSet(expected), CanonicalSet(actual));
        if (differences.Count > 0)
        {
            throw new XunitException(string.Join('\n', differences));
        }
    }

    /// <summary>The configuration a <c>wg show dump</c> describes, to compare like <c>showconf</c>.</summary>
    public static WgConfig FromDump(WgDump dump) => new()
    {
        PrivateKey = dump.PrivateKey == "(none)" ? null : dump.PrivateKey,
        ListenPort = dump.ListenPort,
        Peers =
        [
            .. dump.Peers.Select(p => new WgConfigPeer
            {
                PublicKey = p.PublicKey,
                PresharedKey = p.PresharedKey == "(none)" ? null : p.PresharedKey,
                Endpoint = p.Endpoint == "(none)" ? null : p.Endpoint,
                AllowedIps = p.AllowedIps,
                PersistentKeepalive = p.PersistentKeepalive == "off" ? null : int.Parse(p.PersistentKeepalive),
            }),
        ],
    };

    private static HashSet<string> CanonicalSet(IEnumerable<string> prefixes) => prefixes.Select(WgConfig.Canonical).ToHashSet();

    private static void Compare(List<string> differences, string what, string? expected, string? actual)
    {
        if (expected != actual)
        {
            differences.Add($"{what}: expected {expected ?? "(none)"}, got {actual ?? "(none)"}");
        }
    }

    private static void AddSetDifferences(List<string> differences, string what, HashSet<string> expected, HashSet<string> actual)
    {
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        if (missing.Count > 0)
        {
            differences.Add($"{what}: {missing.Count} of {expected.Count} missing, e.g. {string.Join(", ", missing.Take(MaxListed))}");
        }

        if (extra.Count > 0)
        {
            differences.Add($"{what}: {extra.Count} unexpected, e.g. {string.Join(", ", extra.Take(MaxListed))}");
        }
    }
}
