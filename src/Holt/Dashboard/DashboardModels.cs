using System.Text.Json.Serialization;
using Holt.Gateway;
using Holt.Monitor;
using Holt.Monitor.Notify;

namespace Holt.Dashboard;

/// <summary>The page's session: who is signed in, and the token its changes carry.</summary>
internal sealed record SessionView
{
    public required string Who { get; init; }

    /// <summary>"admin-peer" or "local-session".</summary>
    public required string Kind { get; init; }

    public required string Csrf { get; init; }

    public required string Interface { get; init; }

    public required string Version { get; init; }
}

/// <summary>A peer added in the page: its view, and its client config and QR code, shown once.</summary>
internal sealed record AddedPeer
{
    public required PeerView Peer { get; init; }

    public required string Config { get; init; }

    public required string QrSvg { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>The body of POST /api/peers: what <c>holt peer add</c> takes that the page offers.</summary>
internal sealed record PeerAddBody
{
    public string? Name { get; init; }

    public bool FullTunnel { get; init; }

    public string? Expires { get; init; }

    public bool ClientToClient { get; init; }

    public bool Expected { get; init; }

    public bool Admin { get; init; }
}

/// <summary>The body of PATCH /api/peers/NAME: what to change; what is left out stays.</summary>
internal sealed record PeerChangeBody
{
    public bool? Enabled { get; init; }

    public string? Name { get; init; }

    /// <summary>A duration (30d), a date (2026-12-31), or "never".</summary>
    public string? Expires { get; init; }

    public bool? ClientToClient { get; init; }

    public bool? Expected { get; init; }

    public bool? Admin { get; init; }
}

/// <summary>The body of POST /api/guard/bans: what <c>holt guard ban</c> takes.</summary>
internal sealed record BanBody
{
    public string? Address { get; init; }

    /// <summary>How long: 90m, 12h, 7d (default 1h).</summary>
    public string? Time { get; init; }

    public string? Jail { get; init; }

    /// <summary>Ban even a way in (a peer's endpoint, an SSH session).</summary>
    public bool Force { get; init; }
}

/// <summary>The firewall as the page shows it: its state, a pending change, its rules in words, and the exposures.</summary>
internal sealed record FirewallPage
{
    public required bool Enabled { get; init; }

    public bool? Loaded { get; init; }

    public bool? Intact { get; init; }

    /// <summary>When a change awaiting confirmation rolls back; null when none waits.</summary>
    public DateTimeOffset? PendingUntil { get; init; }

    public long? PendingSeconds { get; init; }

    public required IReadOnlyList<string> Rules { get; init; }

    public required IReadOnlyList<ExposureView> Exposures { get; init; }

    /// <summary>The peers an exposure may go to.</summary>
    public required IReadOnlyList<string> Peers { get; init; }
}

/// <summary>One exposure, and whether its peer can answer (enabled and not expired).</summary>
internal sealed record ExposureView(int PublicPort, string Protocol, string Peer, int ToPort, IReadOnlyList<string> Sources, bool Snat, bool PeerActive);

internal sealed record ApplyBody
{
    public int? ConfirmTimeout { get; init; }
}

/// <summary>The body of POST /api/exposures: what <c>holt expose add</c> takes, and the confirmation's timeout.</summary>
internal sealed record ExposeBody
{
    public int PublicPort { get; init; }

    public string? Peer { get; init; }

    public int? ToPort { get; init; }

    public string? Protocol { get; init; }

    public IReadOnlyList<string>? Sources { get; init; }

    public bool Snat { get; init; }

    public int? ConfirmTimeout { get; init; }
}

internal sealed record ConfirmBody
{
    public bool Force { get; init; }
}

/// <summary>A change loaded and waiting for its confirmation until <paramref name="Deadline"/>.</summary>
internal sealed record PendingChange(DateTimeOffset Deadline, long Seconds, string Message);

internal sealed record Done(string Message);

internal sealed record ErrorView(string Error);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(IReadOnlyList<PeerView>))]
[JsonSerializable(typeof(PeerView))]
[JsonSerializable(typeof(SessionView))]
[JsonSerializable(typeof(AddedPeer))]
[JsonSerializable(typeof(PeerAddBody))]
[JsonSerializable(typeof(PeerChangeBody))]
[JsonSerializable(typeof(Done))]
[JsonSerializable(typeof(BanBody))]
[JsonSerializable(typeof(FirewallPage))]
[JsonSerializable(typeof(ApplyBody))]
[JsonSerializable(typeof(ExposeBody))]
[JsonSerializable(typeof(ConfirmBody))]
[JsonSerializable(typeof(PendingChange))]
[JsonSerializable(typeof(ChecksPage))]
[JsonSerializable(typeof(IReadOnlyList<TrafficTotal>))]
[JsonSerializable(typeof(IReadOnlyList<NotifyTestResult>))]
[JsonSerializable(typeof(ErrorView))]
[JsonSerializable(typeof(LiveUpdate))]
[JsonSerializable(typeof(MonitorStatus))]
internal sealed partial class DashboardJson : JsonSerializerContext;
