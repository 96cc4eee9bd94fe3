using System.Globalization;

namespace Holt.Monitor;

/// <summary>
/// The monitor's alerts: every round it turns what the monitor saw (<see cref="AlertInputs"/>) into conditions of
/// the built-in rules (Alerting.Rules.cs), runs each through its <see cref="AlertState"/> hysteresis, and hands a
/// message to <c>send</c> when an alert fires or resolves.
/// <para>
/// Alerts that share a cause are grouped: while the interface is down, or every expected peer is down at once (the
/// uplink), the per-peer and per-check alerts it causes are held back; while a peer is down, the checks behind it
/// are. A held alert still moves through its phases, but sends nothing: if it is still firing when the cause
/// resolves, it is sent then; if it resolved meanwhile, nobody hears of it, since nobody heard it fire.
/// </para>
/// <para>
/// Where each alert stands is saved to the <see cref="IAlertLedger"/> at every change, and put back at start, so a
/// restart neither sends a firing alert twice nor forgets to send its resolution. Not thread-safe: the monitor
/// calls it under its lock.
/// </para>
/// </summary>
internal sealed partial class Alerting
{
    private readonly Dictionary<string, Tracked> _alerts = new(StringComparer.Ordinal);
    private readonly string _interface;
    private readonly string _gateway;
    private readonly IAlertLedger? _ledger;
    private readonly Action<AlertMessage> _send;
    private AlertRules _rules;

    public Alerting(AlertRules rules, string interfaceName, string gateway, IAlertLedger? ledger, Action<AlertMessage> send)
    {
        _rules = rules;
        _interface = interfaceName;
        _gateway = gateway;
        _ledger = ledger;
        _send = send;
        if (ledger is not null)
        {
            foreach (AlertRecord record in ledger.Load())
            {
                var state = new AlertState(TimeSpan.Zero, TimeSpan.Zero);
                state.Restore(record.Phase, record.Since, record.FiredAt);
                _alerts[record.Key] = new Tracked(record.Rule, state) { Sent = record.Last, Message = record.Last };
            }
        }
    }

    public void Reload(AlertRules rules) => _rules = rules;

    /// <summary>The firing alerts whose notice went out: what an Alertmanager must keep hearing about.</summary>
    public IReadOnlyList<AlertMessage> Firing =>
        [.. _alerts.Values.Where(a => a.State.Phase is AlertPhase.Firing or AlertPhase.Resolving && a.Sent is not null).Select(a => a.Sent!)];

    /// <summary>Takes in one round; returns every alert that is not inactive, worst first.</summary>
    public IReadOnlyList<ActiveAlert> Evaluate(AlertInputs inputs, DateTimeOffset now)
    {
        List<Condition> conditions = Conditions(inputs, now);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (Condition condition in conditions)
        {
            _ = seen.Add(condition.Key);
            if (!_alerts.TryGetValue(condition.Key, out Tracked? tracked))
            {
                if (!condition.Holds)
                {
                    continue;
                }

                tracked = new Tracked(condition.Rule, new AlertState(TimeSpan.Zero, TimeSpan.Zero));
                _alerts[condition.Key] = tracked;
            }

            tracked.Message = Message(condition, tracked);
            Step(condition.Key, tracked, condition.Holds, condition.HeldBy, condition.Tuning, now);
        }

        // A subject that is gone (a peer or check removed from holt.toml, a rule switched off) no longer holds.
        foreach ((string key, Tracked tracked) in _alerts.Where(a => !seen.Contains(a.Key)).ToList())
        {
            AlertRule tuning = RuleNamed(tracked.Rule);
            Step(key, tracked, holds: false, heldBy: null, tuning with { ClearFor = tuning.Enabled ? tuning.ClearFor : TimeSpan.Zero }, now);
        }

        return [.. _alerts
            .Where(a => a.Value.State.Phase != AlertPhase.Inactive && a.Value.Message is not null)
            .Select(a => View(a.Key, a.Value))
            .OrderBy(a => a.Severity)
            .ThenBy(a => a.Since)];
    }

    /// <summary>Moves one alert on by a round, sends what is due, and saves it when it changed.</summary>
    private void Step(string key, Tracked tracked, bool holds, string? heldBy, AlertRule tuning, DateTimeOffset now)
    {
        AlertPhase before = tracked.State.Phase;
        AlertMessage? sentBefore = tracked.Sent;
        tracked.State.Tune(tuning.For, tuning.ClearFor);
        AlertNotice? notice = tracked.State.Evaluate(holds, now);
        tracked.HeldBy = heldBy;
        AlertMessage message = tracked.Message!;

        if (notice == AlertNotice.Resolved)
        {
            if (tracked.Sent is AlertMessage fired)
            {
                Deliver(fired with { Description = message.Description, EndsAt = now });
            }

            tracked.Sent = null;
        }
        else if (tracked.State.Phase == AlertPhase.Firing && tracked.Sent is null && heldBy is null)
        {
            // Fired just now, or fired while held and the cause has gone: its notice goes out now.
            AlertMessage firing = message with { StartsAt = tracked.State.FiredAt ?? now, EndsAt = null };
            tracked.Sent = firing;
            tracked.LastSentAt = now;
            Deliver(firing);
        }
        else if (tracked.Sent is AlertMessage reminder && tracked.State.Phase == AlertPhase.Firing && tuning.Repeat is TimeSpan repeat
                 && now - (tracked.LastSentAt ?? reminder.StartsAt) >= repeat)
        {
            tracked.LastSentAt = now;
            Deliver(reminder with { Description = message.Description });
        }

        if (tracked.State.Phase == AlertPhase.Inactive)
        {
            _ = _alerts.Remove(key);
        }

        if (tracked.State.Phase != before || !ReferenceEquals(tracked.Sent, sentBefore))
        {
            _ledger?.Save(new AlertRecord(key, tracked.Rule, tracked.State.Phase, tracked.State.Since, tracked.State.FiredAt, tracked.Sent));
        }
    }

    private void Deliver(AlertMessage message)
    {
        _ledger?.Append(message);
        _send(message);
    }

    private AlertMessage Message(Condition condition, Tracked tracked)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["alertname"] = AlertName(condition.Rule),
            ["severity"] = SeverityText(condition.Severity),
            ["interface"] = _interface,
            ["gateway"] = _gateway,
        };
        foreach ((string name, string value) in condition.Labels)
        {
            labels[name] = value;
        }

        return new AlertMessage
        {
            Key = condition.Key,
            Rule = condition.Rule,
            Severity = condition.Severity,
            Summary = condition.Summary,
            Description = condition.Description,
            Labels = labels,
            StartsAt = tracked.State.FiredAt ?? tracked.State.Since ?? DateTimeOffset.UnixEpoch,
        };
    }

    private static ActiveAlert View(string key, Tracked tracked) => new()
    {
        Key = key,
        Rule = tracked.Rule,
        Severity = tracked.Message!.Severity,
        Summary = tracked.Message.Summary,
        Description = tracked.Message.Description,
        Phase = tracked.State.Phase.ToString().ToLower(CultureInfo.InvariantCulture),
        Since = tracked.State.Since ?? tracked.Message.StartsAt,
        FiredAt = tracked.State.FiredAt,
        HeldBy = tracked.HeldBy,
    };

    /// <summary>"peer_down" becomes "HoltPeerDown", the Prometheus style of alert names.</summary>
    internal static string AlertName(string rule) =>
        "Holt" + string.Concat(rule.Split('_').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..]));

    internal static string SeverityText(AlertSeverity severity) => severity.ToString().ToLower(CultureInfo.InvariantCulture);

    /// <summary>One alert being followed: its rule, hysteresis, latest message, and the firing notice that went out.</summary>
    private sealed class Tracked(string rule, AlertState state)
    {
        public string Rule { get; } = rule;

        public AlertState State { get; } = state;

        public AlertMessage? Message { get; set; }

        /// <summary>The firing notice that went out; null while none did (not fired, or held back).</summary>
        public AlertMessage? Sent { get; set; }

        public DateTimeOffset? LastSentAt { get; set; }

        public string? HeldBy { get; set; }
    }
}
