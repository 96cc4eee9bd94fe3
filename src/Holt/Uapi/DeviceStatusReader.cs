using System.Net;
using System.Text;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;

namespace Holt.Uapi;

/// <summary>
/// Reads an in-process engine's state straight into a <see cref="DeviceStatus"/>, exactly what parsing its
/// <c>get=1</c> answer gives, without writing and parsing that text. The gateway daemon's monitor samples its own
/// engine every few seconds; with 1,000 peers the text round trip made megabytes of garbage each time.
/// </summary>
internal static class DeviceStatusReader
{
    public static DeviceStatus Read(WireGuardDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        IReadOnlyCollection<Peer> all = device.Peers;
        var peers = new List<PeerStatus>(all.Count);
        foreach (Peer peer in all)
        {
            peers.Add(ReadPeer(peer));
        }

        return new DeviceStatus(device.ListenPort, device.FirewallMark, device.PublicKey?.ToBase64(), peers);
    }

    private static PeerStatus ReadPeer(Peer peer)
    {
        string? presharedKey;
        using (PresharedKey? psk = peer.GetPresharedKey())
        {
            presharedKey = psk is null ? null : Convert.ToBase64String(psk.Span);
        }

        string? endpoint = null;
        if (peer.Endpoint is { IsSet: true } known)
        {
            Span<byte> text = stackalloc byte[GetResponseWriter.MaxEndpointLength];
            endpoint = Encoding.ASCII.GetString(text[..GetResponseWriter.FormatEndpoint(known, text)]);
        }

        IReadOnlyList<IPNetwork> prefixes = peer.AllowedIps;
        var allowedIps = new List<string>(prefixes.Count);
        foreach (IPNetwork prefix in prefixes)
        {
            allowedIps.Add(prefix.ToString());
        }

        return new PeerStatus(
            peer.PublicKey.ToBase64(), presharedKey, endpoint, peer.LastHandshake, (ulong)peer.RxBytes, (ulong)peer.TxBytes,
            peer.PersistentKeepaliveInterval, allowedIps);
    }
}
