namespace Holt.Monitor;

/// <summary>Where one alert (a rule about one subject, such as "peer home is down") stands.</summary>
internal enum AlertPhase
{
    /// <summary>Its condition does not hold.</summary>
    Inactive,

    /// <summary>Its condition holds, but not yet for the rule's <c>for</c>: nothing is sent.</summary>
    Pending,

    /// <summary>It fired: the firing notice went out.</summary>
    Firing,

    /// <summary>It fired and its condition has cleared, but not yet for the rule's <c>clear_for</c>.</summary>
    Resolving,
}

/// <summary>A notice an alert sends: it fired, or it resolved.</summary>
internal enum AlertNotice
{
    Firing,
    Resolved,
}

/// <summary>
/// One alert's hysteresis. A condition must hold for <c>for</c> before the alert fires, and must stay cleared for
/// <c>clearFor</c> before it resolves; a condition that comes back meanwhile keeps the alert firing without a new
/// notice. So a peer whose path flaps every few seconds never fires (no down spell lasts <c>for</c>), or fires once
/// and resolves once when the flapping stops, never a storm.
/// </summary>
internal sealed class AlertState(TimeSpan @for, TimeSpan clearFor)
{
    private TimeSpan _for = @for;
    private TimeSpan _clearFor = clearFor;

    public AlertPhase Phase { get; private set; } = AlertPhase.Inactive;

    /// <summary>When the current phase began.</summary>
    public DateTimeOffset? Since { get; private set; }

    /// <summary>When the alert last fired (kept while it fires and resolves).</summary>
    public DateTimeOffset? FiredAt { get; private set; }

    /// <summary>Takes in whether the condition holds at <paramref name="now"/>; returns the notice to send, if any.</summary>
    public AlertNotice? Evaluate(bool holds, DateTimeOffset now)
    {
        switch (Phase)
        {
            case AlertPhase.Inactive when holds:
                Enter(AlertPhase.Pending, now);
                return Evaluate(holds, now);

            case AlertPhase.Pending when !holds:
                Enter(AlertPhase.Inactive, now);
                return null;

            case AlertPhase.Pending when now - Since!.Value >= _for:
                Enter(AlertPhase.Firing, now);
                FiredAt = now;
                return AlertNotice.Firing;

            case AlertPhase.Firing when !holds:
                Enter(AlertPhase.Resolving, now);
                return Evaluate(holds, now);

            case AlertPhase.Resolving when holds:
                Enter(AlertPhase.Firing, now);
                return null;

            case AlertPhase.Resolving when now - Since!.Value >= _clearFor:
                Enter(AlertPhase.Inactive, now);
                return AlertNotice.Resolved;

            default:
                return null;
        }
    }

    /// <summary>Takes new durations (holt.toml changed); the phase and its start stay.</summary>
    public void Tune(TimeSpan @for, TimeSpan clearFor)
    {
        _for = @for;
        _clearFor = clearFor;
    }

    /// <summary>Puts back a state kept across a restart of the daemon, so a firing alert is not sent again.</summary>
    public void Restore(AlertPhase phase, DateTimeOffset? since, DateTimeOffset? firedAt)
    {
        Phase = phase;
        Since = since;
        FiredAt = firedAt;
    }

    private void Enter(AlertPhase phase, DateTimeOffset now)
    {
        Phase = phase;
        Since = now;
    }
}
