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
    /// <paramref name="status"/>, and updates the state file. The caller holds the configuration lock.
    /// </summary>
    public static void ApplyPeers(GatewayConfig config, WireGuardControl control, DeviceStatus status, DateTimeOffset now)
    {
        GatewayState state = StateStore.Load(config.Interface);
        _ = state.Sample(status);
        SyncResult result = control.Sync(Desired(config, now), status);
        foreach (string key in result.Created.Concat(result.Removed))
        {
            state.Recreated(key);
        }

        state.Prune(config.Peers.Select(p => p.PublicKey));
        StateStore.Save(config.Interface, state);
    }

    /// <summary>Applies the peers when the gateway runs; false, changing nothing, when it does not.</summary>
    public static bool ApplyPeersLive(GatewayConfig config, DateTimeOffset now)
    {
        WireGuardControl control = WireGuardControl.For(config);
        if (control.TryGet() is not DeviceStatus status)
        {
            return false;
        }

        ApplyPeers(config, control, status, now);
        return true;
    }
}
