using System.Text.Json;
using System.Text.Json.Serialization;
using Holt.Uapi;

namespace Holt.Gateway;

/// <summary>
/// One peer as <c>holt peer list</c>, <c>peer show</c> and <c>status</c> present it: its configuration, its
/// persistent totals plus what the running interface counted since the last sample, and when it was last seen.
/// </summary>
internal sealed record PeerView
{
    public required string Name { get; init; }

    public required string PublicKey { get; init; }

    public required string Address { get; init; }

    public string? Address6 { get; init; }

    public required bool Enabled { get; init; }

    public required bool Expired { get; init; }

    public required bool ClientToClient { get; init; }

    /// <summary>An always-on peer, which the monitor expects to be connected.</summary>
    public required bool Expected { get; init; }

    /// <summary>A monitoring peer, which reaches only the gateway's own VPN address.</summary>
    public bool Monitor { get; init; }

    /// <summary>An administrator's device, which gets the dashboard through the tunnel without a password.</summary>
    public bool Admin { get; init; }

    /// <summary>Whether the peer is on the running interface now.</summary>
    public required bool Active { get; init; }

    public DateTimeOffset? LatestHandshake { get; init; }

    public required ulong RxBytes { get; init; }

    public required ulong TxBytes { get; init; }

    public string? Endpoint { get; init; }

    public DateTimeOffset? Expires { get; init; }

    public static IReadOnlyList<PeerView> Build(GatewayConfig config, GatewayState state, DeviceStatus? device, DateTimeOffset now)
    {
        var live = device?.Peers.ToDictionary(p => p.PublicKey, StringComparer.Ordinal) ?? [];
        var views = new List<PeerView>(config.Peers.Count);
        foreach (PeerConfig peer in config.Peers)
        {
            _ = state.Peers.TryGetValue(peer.PublicKey, out PeerTraffic? traffic);
            _ = live.TryGetValue(peer.PublicKey, out PeerStatus? status);
            ulong rx = traffic?.RxTotal ?? 0;
            ulong tx = traffic?.TxTotal ?? 0;
            if (status is not null)
            {
                ulong lastRx = traffic?.DeviceRx ?? 0;
                ulong lastTx = traffic?.DeviceTx ?? 0;
                rx += status.RxBytes >= lastRx ? status.RxBytes - lastRx : status.RxBytes;
                tx += status.TxBytes >= lastTx ? status.TxBytes - lastTx : status.TxBytes;
            }

            DateTimeOffset? handshake = Latest(status?.LatestHandshake, traffic?.LastHandshake);
            views.Add(new PeerView
            {
                Name = peer.Name,
                PublicKey = peer.PublicKey,
                Address = peer.Address.ToString(),
                Address6 = peer.Address6?.ToString(),
                Enabled = peer.Enabled,
                Expired = peer.IsExpired(now),
                ClientToClient = peer.ClientToClient,
                Expected = peer.Expected,
                Monitor = peer.Monitor,
                Admin = peer.Admin,
                Active = status is not null,
                LatestHandshake = handshake,
                RxBytes = rx,
                TxBytes = tx,
                Endpoint = status?.Endpoint ?? traffic?.LastEndpoint,
                Expires = peer.Expires,
            });
        }

        return views;
    }

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a > b ? a : b;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(IReadOnlyList<PeerView>))]
[JsonSerializable(typeof(PeerView))]
internal sealed partial class ViewJson : JsonSerializerContext
{
    /// <summary>Keys and names printed as they are ('+' stays '+'); the output is for scripts, not HTML.</summary>
    public static ViewJson Plain { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
