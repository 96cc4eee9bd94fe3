using System.Text.Json.Serialization;

namespace Holt.Monitor;

/// <summary>How bad an alert is; Alertmanager's <c>severity</c> label, in lower case.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertSeverity>))]
internal enum AlertSeverity
{
    Critical,
    Warning,
    Info,
}

/// <summary>
/// One message about one alert, what every notifier sends: it fired, or it resolved. The same alert's firing and
/// resolved messages share <see cref="Key"/> and <see cref="StartsAt"/>, so a receiver (Alertmanager above all)
/// pairs them.
/// </summary>
internal sealed record AlertMessage
{
    /// <summary>
    /// The alert's identity, stable across restarts: its rule and its subject, such as <c>peer_down:PUBLICKEY</c> or
    /// <c>check_failing:web</c>.
    /// </summary>
    public required string Key { get; init; }

    /// <summary>The rule that raised it, in snake case: <c>peer_down</c>, <c>peer_stale</c>, <c>check_failing</c>…</summary>
    public required string Rule { get; init; }

    public required AlertSeverity Severity { get; init; }

    /// <summary>One line a person reads first: "expected peer home is down".</summary>
    public required string Summary { get; init; }

    /// <summary>Why, in one line: the state's reason, the check's error.</summary>
    public required string Description { get; init; }

    /// <summary>
    /// Alertmanager-style labels: at least <c>alertname</c> (Holt's rule in Prometheus style, <c>HoltPeerDown</c>),
    /// <c>severity</c>, <c>interface</c> and <c>gateway</c> (the host name), and the subject's (<c>peer</c>,
    /// <c>public_key</c>, <c>check</c>). Never a secret.
    /// </summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>When the alert fired (not when its condition began).</summary>
    public required DateTimeOffset StartsAt { get; init; }

    /// <summary>When it resolved; null while it fires.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    public bool Resolved => EndsAt is not null;

    /// <summary>A message of <c>holt monitor notify-test</c>: says so in its text, and is never a real alert.</summary>
    public bool Test { get; init; }
}

/// <summary>One message waiting in the outbox for one notifier.</summary>
/// <param name="Id">The outbox's own identity of this delivery.</param>
/// <param name="Notifier">The notifier's name in holt.toml.</param>
/// <param name="Attempts">How many times sending it failed so far.</param>
/// <param name="NextAttempt">When to try again.</param>
internal sealed record OutboxItem(long Id, string Notifier, AlertMessage Message, int Attempts, DateTimeOffset NextAttempt);

/// <summary>
/// Where messages wait until their notifier took them: kept in SQLite beside the guard's store, so a message the
/// daemon decided to send before a restart is sent after it, once.
/// </summary>
internal interface IOutbox
{
    /// <summary>Queues <paramref name="message"/> for <paramref name="notifier"/>, due at once.</summary>
    void Add(string notifier, AlertMessage message, DateTimeOffset now);

    /// <summary>The messages due at <paramref name="now"/>, oldest first, at most <paramref name="max"/>.</summary>
    IReadOnlyList<OutboxItem> Due(DateTimeOffset now, int max);

    /// <summary>The notifier took it: it leaves the outbox.</summary>
    void Delivered(long id);

    /// <summary>Sending failed; try again at <paramref name="next"/>.</summary>
    void Retry(long id, int attempts, DateTimeOffset next, string error);

    /// <summary>Given up on (too old, or the notifier is gone from holt.toml): it leaves the outbox.</summary>
    void Abandon(long id, string reason);
}

/// <summary>Where one alert stood when last saved: what a restarted daemon puts back into its <see cref="AlertState"/>.</summary>
internal sealed record AlertRecord(string Key, string Rule, AlertPhase Phase, DateTimeOffset? Since, DateTimeOffset? FiredAt, AlertMessage? Last);

/// <summary>
/// The alerts' memory across restarts: every alert that is not inactive, and the history of what fired and resolved
/// (<c>holt monitor alerts</c>, the dashboard).
/// </summary>
internal interface IAlertLedger
{
    /// <summary>Every alert saved as pending, firing or resolving.</summary>
    IReadOnlyList<AlertRecord> Load();

    /// <summary>Saves where an alert stands; an inactive one is removed.</summary>
    void Save(AlertRecord record);

    /// <summary>Appends a firing or resolved message to the history.</summary>
    void Append(AlertMessage message);

    /// <summary>The history since <paramref name="since"/>, oldest first.</summary>
    IReadOnlyList<AlertMessage> History(DateTimeOffset since);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AlertMessage))]
[JsonSerializable(typeof(IReadOnlyList<AlertMessage>))]
internal sealed partial class AlertJson : JsonSerializerContext;
