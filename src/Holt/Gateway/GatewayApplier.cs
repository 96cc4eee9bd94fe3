using System.Net;
using Holt.Firewall;
using System.Security.Cryptography;
using System.Text;
using Holt.Uapi;

namespace Holt.Gateway;

/// <summary>
/// Brings a running gateway in line with its configuration: the WireGuard peers (only what differs, so other
/// peers keep their sessions), the nftables table, and the traffic totals, which take the interface's counters
/// before any peer is removed or recreated so not a byte is lost.
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
    /// Applies <paramref name="config"/> to the running interface and updates the state file. Returns false, having
    /// changed nothing, when the gateway is not running. The caller holds the configuration lock.
    /// </summary>
    /// <param name="config">The configuration to apply.</param>
    /// <param name="now">The time expiry is judged by.</param>
    /// <param name="force">Apply the nftables table even when it is unchanged since the last apply.</param>
    /// <param name="configDigest">The digest of the file <paramref name="config"/> came from, recorded once applied.</param>
    public static bool ApplyLive(GatewayConfig config, DateTimeOffset now, string? configDigest, bool force = false)
    {
        WireGuardControl control = WireGuardControl.For(config);
        DeviceStatus? status = control.TryGet();
        if (status is null)
        {
            return false;
        }

        Apply(config, control, status, now, configDigest, force);
        return true;
    }

    /// <summary>Applies to an interface known to be running, whose state is <paramref name="status"/>.</summary>
    public static void Apply(GatewayConfig config, WireGuardControl control, DeviceStatus status, DateTimeOffset now, string? configDigest, bool force = false)
    {
        GatewayState state = StateStore.Load(config.Interface);
        if (force)
        {
            state.RulesetDigest = null;
        }

        _ = state.Sample(status);
        SyncResult result = control.Sync(Desired(config, now), status);
        foreach (string key in result.Created.Concat(result.Removed))
        {
            state.Recreated(key);
        }

        string ruleset = Ruleset.Build(config, FirewallRuntime.Context(config, state, now));
        string digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ruleset)));
        if (digest != state.RulesetDigest)
        {
            Nft.Apply(ruleset);
            state.RulesetDigest = digest;
        }

        state.AppliedConfigDigest = configDigest;
        state.Prune(config.Peers.Select(p => p.PublicKey));
        StateStore.Save(config.Interface, state);
    }
}
