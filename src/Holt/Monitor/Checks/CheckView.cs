using System.Text.Json.Serialization;

namespace Holt.Monitor.Checks;

/// <summary>
/// One check as <c>holt monitor status</c> and <c>holt monitor check</c> show it, and as their JSON carries it:
/// the check, and its latest result when it has one (<see cref="Ok"/> null before the first run ends). Times in
/// milliseconds.
/// </summary>
internal sealed record CheckView
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    public required string Target { get; init; }

    public string? Peer { get; init; }

    public bool? Ok { get; init; }

    /// <summary>What the run found, in one line, the tunnel's part in a failure included.</summary>
    public string? Summary { get; init; }

    public string? Error { get; init; }

    public DateTimeOffset? At { get; init; }

    public double? LatencyMs { get; init; }

    public bool? PeerHandshaking { get; init; }

    public int? HttpStatus { get; init; }

    public IReadOnlyList<string>? Answers { get; init; }

    public int? Sent { get; init; }

    public int? Received { get; init; }

    public double? LossPercent { get; init; }

    public double? RttMinMs { get; init; }

    public double? RttAvgMs { get; init; }

    public double? RttMaxMs { get; init; }

    public double? JitterMs { get; init; }

    /// <summary>probe: how it ended (<see cref="ProbeFigures.OutcomeText"/>).</summary>
    public string? ProbeOutcome { get; init; }

    /// <summary>probe: the handshake's round trip.</summary>
    public double? HandshakeMs { get; init; }

    /// <summary>probe: the ping's round trip through the probe's session.</summary>
    public double? PingMs { get; init; }

    /// <summary>Whether the check probes a WireGuard endpoint from outside (what the probe_failing rule watches).</summary>
    [JsonIgnore]
    public bool IsProbe => Type == CheckSection.TypeText(CheckType.Probe);

    public static CheckView Of(CheckConfig check, CheckResult? result) => new()
    {
        Name = check.Name,
        Type = CheckSection.TypeText(check.Type),
        Target = check.Target,
        Peer = result?.Peer ?? check.Peer,
        Ok = result?.Ok,
        Summary = result?.Summary(),
        Error = result?.Error,
        At = result?.At,
        LatencyMs = result?.Latency?.TotalMilliseconds,
        PeerHandshaking = result?.PeerHandshaking,
        HttpStatus = result?.HttpStatus,
        Answers = result?.Answers?.Select(a => a.ToString()).ToList(),
        Sent = result?.Icmp?.Sent,
        Received = result?.Icmp?.Received,
        LossPercent = result?.Icmp?.LossPercent,
        RttMinMs = result?.Icmp?.Min?.TotalMilliseconds,
        RttAvgMs = result?.Icmp?.Average?.TotalMilliseconds,
        RttMaxMs = result?.Icmp?.Max?.TotalMilliseconds,
        JitterMs = result?.Icmp?.Jitter?.TotalMilliseconds,
        ProbeOutcome = result?.Probe?.OutcomeText,
        HandshakeMs = result?.Probe?.Handshake?.TotalMilliseconds,
        PingMs = result?.Probe?.Ping?.TotalMilliseconds,
    };

    /// <summary>"handshaking", "not handshaking", or "-" when unknown or no peer.</summary>
    [JsonIgnore]
    public string TunnelText => PeerHandshaking switch
    {
        true => "handshaking",
        false => "not handshaking",
        _ => "-",
    };
}

/// <summary>The JSON of <c>holt monitor check --json</c>: the views, as the status file writes them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<CheckView>))]
internal sealed partial class CheckJson : JsonSerializerContext;
