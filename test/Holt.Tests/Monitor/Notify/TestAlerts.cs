using Holt.Monitor;

namespace Holt.Tests.Monitor.Notify;

/// <summary>Alert messages for the notifier tests.</summary>
internal static class TestAlerts
{
    public static readonly DateTimeOffset Fired = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset Ended = Fired.AddMinutes(7);

    public static AlertMessage Firing(string peer = "home", AlertSeverity severity = AlertSeverity.Critical, string? description = null) => new()
    {
        Key = $"peer_down:{peer}",
        Rule = "peer_down",
        Severity = severity,
        Summary = $"expected peer {peer} is down",
        Description = description ?? "no handshake for 5m",
        Labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["alertname"] = "HoltPeerDown",
            ["severity"] = severity.ToString().ToLowerInvariant(),
            ["interface"] = "wg0",
            ["gateway"] = "gw1",
            ["peer"] = peer,
        },
        StartsAt = Fired,
    };

    public static AlertMessage Resolved(string peer = "home") => Firing(peer) with { EndsAt = Ended };
}
