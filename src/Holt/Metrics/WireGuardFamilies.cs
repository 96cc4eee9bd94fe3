using Holt.Gateway;
using Holt.Status;

namespace Holt.Metrics;

/// <summary>
/// The three families of MindFlavor's prometheus_wireguard_exporter, with its names, types and labels unchanged
/// (<c>interface</c>, <c>public_key</c>, <c>allowed_ips</c> as <c>wg show dump</c> writes them, comma-joined, then
/// <c>friendly_name</c>, here the peer's name in holt.toml), so Grafana dashboards and alert rules written for that
/// exporter work as they are. One deliberate difference: a peer that never handshaked has no
/// <c>wireguard_latest_handshake_seconds</c> sample at all, where the exporter wrote 0 (1970), which turns
/// <c>time() - wireguard_latest_handshake_seconds</c> into 55 years for a peer that was simply never used.
/// </summary>
/// <remarks>
/// The byte counters of the gateway's named peers are Holt's persistent totals (they go on across daemon restarts,
/// as <c>holt peer list</c> shows them); those of other interfaces are the interface's own.
/// </remarks>
internal static class WireGuardFamilies
{
    public static void Write(ExpositionWriter writer, HoltStatus status)
    {
        var peers = new List<(Label[] Labels, ulong Sent, ulong Received, DateTimeOffset? Handshake)>();
        foreach (InterfaceView view in status.Interfaces)
        {
            // As the exporter, which reads `wg show all dump`: the peers on the interface now.
            foreach (PeerView peer in view.Peers.Where(p => p.Active))
            {
                string allowed = peer.Address6 is string six ? $"{peer.Address}/32,{six}/128" : $"{peer.Address}/32";
                peers.Add(([new("interface", view.Name), new("public_key", peer.PublicKey), new("allowed_ips", allowed), new("friendly_name", peer.Name)],
                    peer.TxBytes, peer.RxBytes, peer.LatestHandshake));
            }

            foreach (TunnelPeerView peer in view.TunnelPeers)
            {
                peers.Add(([new("interface", view.Name), new("public_key", peer.PublicKey), new("allowed_ips", string.Join(',', peer.AllowedIps))],
                    peer.TxBytes, peer.RxBytes, peer.LatestHandshake));
            }
        }

        writer.Family("wireguard_sent_bytes_total", MetricType.Counter, "Bytes sent to the peer");
        foreach ((Label[] labels, ulong sent, _, _) in peers)
        {
            writer.Sample(sent, labels);
        }

        writer.Family("wireguard_received_bytes_total", MetricType.Counter, "Bytes received from the peer");
        foreach ((Label[] labels, _, ulong received, _) in peers)
        {
            writer.Sample(received, labels);
        }

        writer.Family("wireguard_latest_handshake_seconds", MetricType.Gauge, "UNIX timestamp seconds of the last handshake");
        foreach ((Label[] labels, _, _, DateTimeOffset? handshake) in peers)
        {
            if (handshake is DateTimeOffset at)
            {
                writer.Sample(at.ToUnixTimeSeconds(), labels);
            }
        }
    }
}
