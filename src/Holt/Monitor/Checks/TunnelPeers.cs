using System.Net;
using Holt.Gateway;
using Holt.Uapi;

namespace Holt.Monitor.Checks;

/// <summary>
/// The tunnel's side of a check's result, from the interface itself: the peer a target sits behind (by the peers'
/// addresses in holt.toml, or the allowed IPs of an interface that is not Holt's), and whether that peer has a
/// session no older than Reject-After-Time, past which WireGuard carries nothing. The interface is read at most
/// once a second, however many checks end together.
/// </summary>
internal sealed class TunnelPeers(Func<DeviceStatus?> sample, TimeProvider time) : ITunnelPeers
{
    private static readonly TimeSpan s_fresh = TimeSpan.FromSeconds(1);

    private readonly Lock _sync = new();
    private IReadOnlyList<PeerConfig>? _peers;
    private DeviceStatus? _device;
    private DateTimeOffset? _sampledAt;

    /// <summary>The configured peers; null for an interface that is not Holt's, whose peers are named by their key's first 8 characters.</summary>
    public void Update(IReadOnlyList<PeerConfig>? peers)
    {
        lock (_sync)
        {
            _peers = peers;
        }
    }

    public string? PeerOf(CheckConfig check)
    {
        if (check.Peer is string named)
        {
            return named;
        }

        if (check.TargetAddress is not IPAddress address)
        {
            return null;
        }

        IReadOnlyList<PeerConfig>? peers;
        lock (_sync)
        {
            peers = _peers;
        }

        if (peers is not null)
        {
            return peers.FirstOrDefault(p => p.Address.Equals(address) || address.Equals(p.Address6))?.Name;
        }

        PeerStatus? behind = Sample()?.Peers.FirstOrDefault(p => p.AllowedIps.Any(a => IPNetwork.TryParse(a, out IPNetwork network) && network.Contains(address)));
        return behind is null ? null : ForeignName(behind.PublicKey);
    }

    public bool? IsHandshaking(string peer)
    {
        IReadOnlyList<PeerConfig>? peers;
        lock (_sync)
        {
            peers = _peers;
        }

        string? key = peers is null ? null : peers.FirstOrDefault(p => p.Name == peer)?.PublicKey;
        if (peers is not null && key is null)
        {
            return null;
        }

        if (Sample() is not DeviceStatus device)
        {
            // No interface: no tunnel.
            return false;
        }

        PeerStatus? status = device.Peers.FirstOrDefault(p => key is null ? ForeignName(p.PublicKey) == peer : p.PublicKey == key);
        return status?.LatestHandshake is DateTimeOffset handshake && time.GetUtcNow() - handshake <= ProtocolTimers.RejectAfterTime;
    }

    /// <summary>How the monitor names the peers of an interface that is not Holt's.</summary>
    public static string ForeignName(string publicKey) => publicKey[..Math.Min(8, publicKey.Length)];

    private DeviceStatus? Sample()
    {
        lock (_sync)
        {
            DateTimeOffset now = time.GetUtcNow();
            if (_sampledAt is DateTimeOffset at && now - at < s_fresh && now >= at)
            {
                return _device;
            }

            _device = sample();
            _sampledAt = now;
            return _device;
        }
    }
}
