using System.Globalization;
using System.Net;

namespace Holt.Monitor.Checks;

/// <summary>An icmp run's figures: replies out of requests, and the round trips of those answered.</summary>
internal sealed record IcmpFigures(int Sent, int Received, TimeSpan? Min, TimeSpan? Average, TimeSpan? Max, TimeSpan? Jitter)
{
    public double LossPercent => Sent == 0 ? 100 : 100.0 * (Sent - Received) / Sent;

    /// <summary>
    /// The figures of <paramref name="rtts"/>, the answered round trips in the order sent. Jitter is the mean
    /// difference between consecutive round trips (RFC 3550's idea, without its smoothing).
    /// </summary>
    public static IcmpFigures Of(int sent, IReadOnlyList<TimeSpan> rtts)
    {
        if (rtts.Count == 0)
        {
            return new IcmpFigures(sent, 0, null, null, null, null);
        }

        TimeSpan jitter = TimeSpan.Zero;
        for (int i = 1; i < rtts.Count; i++)
        {
            jitter += (rtts[i] - rtts[i - 1]).Duration();
        }

        return new IcmpFigures(
            sent,
            rtts.Count,
            rtts.Min(),
            TimeSpan.FromTicks(rtts.Sum(r => r.Ticks) / rtts.Count),
            rtts.Max(),
            rtts.Count > 1 ? jitter / (rtts.Count - 1) : TimeSpan.Zero);
    }
}

/// <summary>
/// A probe run's figures: how it ended, the handshake's round trip, and the ping's through the session when it was
/// asked for and answered.
/// </summary>
internal sealed record ProbeFigures(ProbeOutcome Outcome, TimeSpan? Handshake, TimeSpan? Ping)
{
    /// <summary>The outcome as status JSON and metrics name it: <c>handshake</c>, <c>no_answer</c>, <c>refused</c>, ...</summary>
    public string OutcomeText => Outcome switch
    {
        ProbeOutcome.Handshake => "handshake",
        ProbeOutcome.NoAnswer => "no_answer",
        ProbeOutcome.Refused => "refused",
        ProbeOutcome.Unreachable => "unreachable",
        ProbeOutcome.CookieReply => "cookie_reply",
        ProbeOutcome.BadResponse => "bad_response",
        _ => "no_ping_reply",
    };
}

/// <summary>
/// One run of a check: whether it passed, why not in one line, how long it took, the figures of its type, and
/// whether the peer its target sits behind was handshaking when it ended; so "the tunnel is fine but the service is
/// down" reads differently from "the service is unreachable because the tunnel is down".
/// </summary>
internal sealed record CheckResult
{
    public required bool Ok { get; init; }

    /// <summary>Why it failed, one line; null when it passed.</summary>
    public string? Error { get; init; }

    /// <summary>The connect time (tcp), the answer's (http, dns), or the average round trip (icmp).</summary>
    public TimeSpan? Latency { get; init; }

    public required DateTimeOffset At { get; init; }

    public IcmpFigures? Icmp { get; init; }

    public int? HttpStatus { get; init; }

    public IReadOnlyList<IPAddress>? Answers { get; init; }

    /// <summary>A probe's outcome and round trips; null for the other types, and for a probe that could not start (a key file unread).</summary>
    public ProbeFigures? Probe { get; init; }

    /// <summary>The [[peer]] the target sits behind, when known.</summary>
    public string? Peer { get; init; }

    /// <summary>Whether <see cref="Peer"/> had a current session when the run ended; null when unknown.</summary>
    public bool? PeerHandshaking { get; init; }

    public static CheckResult Failed(DateTimeOffset at, string error, TimeSpan? latency = null) => new() { Ok = false, Error = error, At = at, Latency = latency };

    /// <summary>What the run found, in one line, with the tunnel's part in a failure.</summary>
    public string Summary()
    {
        if (Ok)
        {
            return Details() ?? "ok";
        }

        string error = Error ?? "failed";
        return (Peer, PeerHandshaking) switch
        {
            (string peer, true) => $"{error} (the tunnel to {peer} is up: the service itself fails)",
            (string peer, false) => $"{error} (peer {peer} is not handshaking: the tunnel is down)",
            _ => error,
        };
    }

    private string? Details()
    {
        if (Icmp is IcmpFigures icmp)
        {
            return $"{icmp.Received}/{icmp.Sent} replies, {Percent(icmp.LossPercent)} loss" +
                (icmp.Min is TimeSpan min ? $", rtt {Milliseconds(min)}/{Milliseconds(icmp.Average!.Value)}/{Milliseconds(icmp.Max!.Value)} ms, jitter {Milliseconds(icmp.Jitter!.Value)} ms" : "");
        }

        if (Probe is { Handshake: TimeSpan handshake } probe)
        {
            return $"handshake in {Milliseconds(handshake)} ms" + (probe.Ping is TimeSpan ping ? $", ping through the session in {Milliseconds(ping)} ms" : "");
        }

        if (HttpStatus is int status)
        {
            return "HTTP " + status.ToString(CultureInfo.InvariantCulture);
        }

        return Answers is { Count: > 0 } answers ? string.Join(", ", answers) : null;
    }

    public static string Milliseconds(TimeSpan span) => span.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Percent(double value) => value.ToString("0.#", CultureInfo.InvariantCulture) + " %";
}
