using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;

namespace Holt.Cli;

/// <summary>
/// How a command's change of holt.toml reaches a running gateway: the edit as one transaction, the exposures
/// following the peers, and the whole configuration applied live (the peers, then the gateway's nftables table).
/// </summary>
internal static class Editing
{
    /// <summary>Edits of the gateway's part (<c>holt peer ...</c>).</summary>
    public static GatewayEdit Gateway(ConfigStore store, TimeProvider time) => change =>
    {
        DateTimeOffset now = time.GetUtcNow();
        (HoltConfig config, bool applied) = store.Edit(
            before =>
            {
                // Refused before anything is written: the running gateway takes the edit at once, which needs the
                // privilege, and the file would otherwise be written, refused, and written back.
                Privileges.RequireWhileRunning(before.Gateway, "it takes the change at once");
                return ExposeOperations.FollowPeers(before, before.WithGateway(change(before.Gateway, now)));
            },
            config => Apply(config, now));
        return new EditResult(config, applied);
    };

    /// <summary>
    /// Applies the whole configuration to the running gateway: the peers (only what differs) and the gateway's
    /// table. False, having changed nothing, when the gateway is not running.
    /// </summary>
    public static bool Apply(HoltConfig config, DateTimeOffset now, bool force = false)
    {
        // On Holt's engine the gateway runs only with its daemon: an interface of that name without one is another
        // WireGuard's (wg-quick's wireguard-go before a migration), and an edit must not reach into it.
        if (config.Gateway.Backend == Backend.Engine && PidFile.ReadLive(config.Gateway.Interface) is null)
        {
            return false;
        }

        if (!GatewayApplier.ApplyPeersLive(config.Gateway, now))
        {
            return false;
        }

        _ = FirewallTable.Apply(config, now, force);
        return true;
    }

    /// <summary>A peer's client config; a peer the gateway forwards public ports to (without --snat) gets the return path it needs.</summary>
    public static string ClientConfigOf(HoltConfig config, PeerConfig peer) =>
        ClientConfig.Render(config.Gateway, peer, config.Exposures.Any(e => e.Peer == peer.Name && !e.Snat));
}
