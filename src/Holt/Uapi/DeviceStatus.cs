namespace Holt.Uapi;

/// <summary>
/// What a WireGuard interface reports through the control socket's <c>get=1</c> (or <c>wg show dump</c> for the
/// kernel module): its port and mark, and each peer's configuration and counters. Keys are in base64, as
/// <c>wg</c> prints them. The interface's private key is left out on purpose: nothing that reads a status needs it.
/// </summary>
internal sealed record DeviceStatus(ushort ListenPort, uint FirewallMark, string? PublicKey, IReadOnlyList<PeerStatus> Peers);

/// <summary>One peer as the interface reports it. <see cref="PresharedKey"/> is null when none is set.</summary>
internal sealed record PeerStatus(
    string PublicKey,
    string? PresharedKey,
    string? Endpoint,
    DateTimeOffset? LatestHandshake,
    ulong RxBytes,
    ulong TxBytes,
    ushort PersistentKeepalive,
    IReadOnlyList<string> AllowedIps);
