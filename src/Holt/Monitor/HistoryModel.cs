using System.Text.Json.Serialization;

namespace Holt.Monitor;

/// <summary>
/// One peer as one round of the monitor saw it, what the history takes in: the interface's counters (which start
/// again from zero when the engine or the peer is recreated; null when the peer is not on the interface, so a
/// moment's absence is not taken for a reset), the state the monitor judged, and the peer's latest session (open,
/// or closed in this very round).
/// </summary>
internal readonly record struct PeerRound(
    string PublicKey,
    string Name,
    ulong? RxBytes,
    ulong? TxBytes,
    PeerState State,
    DateTimeOffset? LatestHandshake,
    string? Endpoint,
    PeerSession? Session = null);

/// <summary>Seconds a peer spent in each state during a stretch of history; the monitor's gaps count in none.</summary>
internal sealed record StateTime
{
    public long Up { get; init; }

    public long Idle { get; init; }

    public long Stale { get; init; }

    public long Down { get; init; }

    public long Never { get; init; }

    public long Disabled { get; init; }

    /// <summary>How long the monitor watched the peer in this stretch.</summary>
    public long Observed => Up + Idle + Stale + Down + Never + Disabled;

    /// <summary>The share of the watched time the peer was up, from 0 to 1; null when it was not watched at all.</summary>
    public double? UpFraction => Observed == 0 ? null : (double)Up / Observed;

    /// <summary>The state it spent the most time in ("up", "down"…), or null when not watched.</summary>
    public string? Mostly()
    {
        (long Seconds, PeerState State)[] all =
            [(Up, PeerState.Up), (Idle, PeerState.Idle), (Stale, PeerState.Stale), (Down, PeerState.Down), (Never, PeerState.Never), (Disabled, PeerState.Disabled)];
        (long seconds, PeerState state) = all.MaxBy(t => t.Seconds);
        return seconds == 0 ? null : MonitorService.Text(state);
    }

    public static StateTime operator +(StateTime a, StateTime b) => new()
    {
        Up = a.Up + b.Up,
        Idle = a.Idle + b.Idle,
        Stale = a.Stale + b.Stale,
        Down = a.Down + b.Down,
        Never = a.Never + b.Never,
        Disabled = a.Disabled + b.Disabled,
    };
}

/// <summary>
/// One stretch of a peer's history: what it moved (deltas of the interface's counters), its fastest sampling
/// interval in each direction (bytes per second), how long it spent in each state, its latest handshake, the
/// endpoint it was last seen at and how often that changed.
/// </summary>
internal sealed record HistoryPoint
{
    public required DateTimeOffset Start { get; init; }

    /// <summary>The stretch's length in seconds: a minute or an hour as stored, or the step a reader asked for.</summary>
    public required long Seconds { get; init; }

    public required ulong RxBytes { get; init; }

    public required ulong TxBytes { get; init; }

    public required long PeakRxRate { get; init; }

    public required long PeakTxRate { get; init; }

    public required StateTime States { get; init; }

    public DateTimeOffset? LatestHandshake { get; init; }

    public string? Endpoint { get; init; }

    public int EndpointChanges { get; init; }

    /// <summary>The average received rate over the time the peer was watched, bytes per second.</summary>
    public long AverageRxRate => States.Observed == 0 ? 0 : (long)(RxBytes / (ulong)States.Observed);

    public long AverageTxRate => States.Observed == 0 ? 0 : (long)(TxBytes / (ulong)States.Observed);
}

/// <summary>What all the peers of an interface moved in one hour (bytes received and sent by the gateway).</summary>
internal sealed record TrafficTotal(DateTimeOffset Start, ulong RxBytes, ulong TxBytes);

/// <summary>Which stored resolution a reading came from.</summary>
internal enum HistoryTier
{
    /// <summary>One row per peer and minute, for the last <see cref="HistoryLimits.MinuteRetention"/>.</summary>
    Minutes,

    /// <summary>One row per peer and hour, for <see cref="HistoryLimits.HourRetention"/>.</summary>
    Hours,
}

/// <summary>How much the monitor's store keeps: each tier's age, the sessions' and alerts' age, the outbox's length, and a ceiling for the whole file.</summary>
internal sealed record HistoryLimits
{
    public static HistoryLimits Default { get; } = new();

    public TimeSpan MinuteRetention { get; init; } = TimeSpan.FromHours(48);

    public TimeSpan HourRetention { get; init; } = TimeSpan.FromDays(90);

    public TimeSpan SessionRetention { get; init; } = TimeSpan.FromDays(90);

    public TimeSpan AlertRetention { get; init; } = TimeSpan.FromDays(90);

    /// <summary>Messages waiting for notifiers; past this the oldest are dropped, so a dead notifier cannot fill the disk.</summary>
    public int OutboxCapacity { get; init; } = 10_000;

    /// <summary>The most the file's live pages may take; past it the oldest history goes first, then the oldest minutes.</summary>
    public long MaxBytes { get; init; } = 512L * 1024 * 1024;
}

/// <summary>What <c>holt monitor history</c> prints, and <c>--json</c> writes: one peer's stretches and sessions in a span.</summary>
internal sealed record HistoryReport
{
    public required string Interface { get; init; }

    public required string Peer { get; init; }

    public required string PublicKey { get; init; }

    public required DateTimeOffset Since { get; init; }

    public required DateTimeOffset Until { get; init; }

    /// <summary>The stored resolution the points were read from, "minutes" or "hours".</summary>
    public required string Tier { get; init; }

    /// <summary>Each point's length in seconds.</summary>
    public required long Step { get; init; }

    /// <summary>Stretches with data, oldest first; a stretch the monitor did not watch is missing.</summary>
    public required IReadOnlyList<HistoryPoint> Points { get; init; }

    /// <summary>Sessions that overlap the span, oldest first; one without an end is still open.</summary>
    public required IReadOnlyList<PeerSession> Sessions { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(HistoryReport))]
internal sealed partial class HistoryJson : JsonSerializerContext;
