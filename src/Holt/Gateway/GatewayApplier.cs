using System.Net;
using Holt.Uapi;

namespace Holt.Gateway;

/// <summary>
/// Brings a running interface's WireGuard peers in line with the gateway's configuration: only what differs, so
/// other peers keep their sessions. The traffic totals take the interface's counters first, before any peer is
/// removed or recreated, so not a byte is lost.
/// </summary>
internal static class GatewayApplier
{
    /// <summary>The interface's WireGuard configuration: the active peers, each routed by its own addresses.</summary>
    public static DesiredDevice Desired(GatewayConfig config, DateTimeOffset now)
    {
        var peers = new List<DesiredPeer>();
        foreach (PeerConfig peer in config.Peers.Where(p => p.IsActive(now)))
        {
            var allowed = new List<IPNetwork> { new(peer.Address, 32) };
            if (peer.Address6 is not null)
            {
                allowed.Add(new IPNetwork(peer.Address6, 128));
            }

            // The gateway never needs to keep a client's NAT open; the client does that (its keepalive).
            peers.Add(new DesiredPeer(peer.PublicKey, peer.PresharedKey, allowed, 0));
        }

        return new DesiredDevice(config.PrivateKey, config.ListenPort, peers);
    }

    /// <summary>
    /// Applies the peers of <paramref name="config"/> to the running interface whose state is
    /// <paramref name="status"/>, and updates the state file. The caller holds the configuration lock. The daemon
    /// passes <paramref name="unsaved"/>: a state file it cannot write (a full disk) is reported there, after the
    /// peers are applied, instead of thrown.
    /// </summary>
    /// <returns>What the sync created and removed.</returns>
    public static SyncResult ApplyPeers(
        GatewayConfig config, WireGuardControl control, DeviceStatus status, DateTimeOffset now, Action<string>? unsaved = null)
    {
        GatewayState state = StateStore.Load(config.Interface);
        _ = state.Sample(status);
        SyncResult result = control.Sync(Desired(config, now), status);
        foreach (string key in result.Created.Concat(result.Removed))
        {
            state.Recreated(key);
        }

        state.Prune(config.Peers.Select(p => p.PublicKey));
        if (unsaved is null)
        {
            StateStore.Save(config.Interface, state);
        }
        else if (!StateStore.TrySave(config.Interface, state, out string? error))
        {
            unsaved(error);
        }

        return result;
    }

    /// <summary>
    /// How the running interface differs from what holt.toml wants, one phrase each (empty when it does not): a peer
    /// someone added with <c>wg set</c>, one removed behind Holt's back, or one whose keys or routes were changed.
    /// </summary>
    public static IReadOnlyList<string> Drift(GatewayConfig config, DeviceStatus status, DateTimeOffset now)
    {
        DesiredDevice desired = Desired(config, now);
        Dictionary<string, DesiredPeer> wanted = desired.Peers.ToDictionary(p => p.PublicKey, StringComparer.Ordinal);
        Dictionary<string, string> names = config.Peers.ToDictionary(p => p.PublicKey, p => p.Name, StringComparer.Ordinal);
        var drift = new List<string>();
        foreach (PeerStatus peer in status.Peers)
        {
            if (!wanted.TryGetValue(peer.PublicKey, out DesiredPeer? want))
            {
                drift.Add(names.TryGetValue(peer.PublicKey, out string? name)
                    ? $"peer '{name}' is on the interface though holt.toml disables it"
                    : $"an unmanaged peer {peer.PublicKey[..8]}... (not in holt.toml) is on the interface");
            }
            else if (want.PresharedKey != peer.PresharedKey || want.Keepalive != peer.PersistentKeepalive ||
                want.AllowedIps.Count != peer.AllowedIps.Count || !want.AllowedIps.All(n => peer.AllowedIps.Contains(n.ToString())))
            {
                drift.Add($"peer '{names[peer.PublicKey]}' was changed on the interface");
            }
        }

        var present = status.Peers.Select(p => p.PublicKey).ToHashSet(StringComparer.Ordinal);
        drift.AddRange(desired.Peers.Where(p => !present.Contains(p.PublicKey)).Select(p => $"peer '{names[p.PublicKey]}' is missing from the interface"));
        if (status.ListenPort != desired.ListenPort)
        {
            drift.Add($"the interface listens on port {status.ListenPort}, not {desired.ListenPort}");
        }

        return drift;
    }

    /// <summary>Applies the peers when the gateway runs; false, changing nothing, when it does not.</summary>
    public static bool ApplyPeersLive(GatewayConfig config, DateTimeOffset now)
    {
        WireGuardControl control = WireGuardControl.For(config);
        if (control.TryGet() is not DeviceStatus status)
        {
            return false;
        }

        _ = ApplyPeers(config, control, status, now);
        return true;
    }
}
