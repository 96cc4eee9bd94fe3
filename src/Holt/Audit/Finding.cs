using System.Text.Json.Serialization;

namespace Holt.Audit;

/// <summary>How much a finding matters: critical leaves the server open now, a warning weakens it, info is worth knowing.</summary>
internal enum Severity
{
    Info,
    Warning,
    Critical,
}

/// <summary>
/// One thing the audit found. <see cref="Id"/> is stable across runs, so a script can follow it and <c>holt audit
/// fix ID</c> can name it: <c>AREA.CHECK</c>, and for a finding about one object <c>AREA.CHECK:SUBJECT</c>
/// (<c>listeners.reachable:tcp/8080</c>, <c>wireguard.stale-peer:laptop</c>).
/// </summary>
internal sealed record Finding
{
    public required string Id { get; init; }

    public required Severity Severity { get; init; }

    /// <summary>The area that found it (<see cref="AuditAreas"/>).</summary>
    public required string Area { get; init; }

    /// <summary>One line: what is wrong.</summary>
    public required string Title { get; init; }

    /// <summary>Where it shows: a file and line, a socket and its process, a setting as <c>sshd -T</c> prints it.</summary>
    public required string Evidence { get; init; }

    /// <summary>Why it matters.</summary>
    public required string Why { get; init; }

    /// <summary>The exact fix: a command, a line for a file, or the steps.</summary>
    public required string Fix { get; init; }

    /// <summary>Whether <c>holt audit fix</c> can make the fix itself (otherwise it prints <see cref="Fix"/>).</summary>
    public bool Fixable { get; init; }

    /// <summary>Whether <c>holt audit fix --safe</c> includes it (it can never cut the operator off, and rolls back unless confirmed).</summary>
    public bool Safe { get; init; }

    /// <summary>A finding whose fix is printed, not made: <c>AREA.CHECK</c> with the rest as given.</summary>
    public static Finding Create(string area, string check, Severity severity, string title, string evidence, string why, string fix) => new()
    {
        Id = $"{area}.{check}",
        Severity = severity,
        Area = area,
        Title = title,
        Evidence = evidence,
        Why = why,
        Fix = fix,
    };

    /// <summary>For sshd's fixes: the line <c>holt audit fix</c> writes into the drop-in ("PasswordAuthentication no").</summary>
    [JsonIgnore]
    public string? SshdLine { get; init; }
}

/// <summary>How one area went: checked (with what it found), or not, and why not.</summary>
internal sealed record AreaResult
{
    public required string Area { get; init; }

    /// <summary>Whether the area could be checked; when not, <see cref="Note"/> says why in one line.</summary>
    public required bool Checked { get; init; }

    /// <summary>Why the area was not checked ("sshd is not installed"), or null.</summary>
    public string? Note { get; init; }
}

/// <summary>What <c>holt audit</c> prints (and <c>--json</c> as it is).</summary>
internal sealed record AuditReport
{
    public required DateTimeOffset Time { get; init; }

    public required string Host { get; init; }

    public required IReadOnlyList<AreaResult> Areas { get; init; }

    public required IReadOnlyList<Finding> Findings { get; init; }

    /// <summary>0 to 100, see <see cref="AuditScore"/>.</summary>
    public required int Score { get; init; }

    public required int Critical { get; init; }

    public required int Warnings { get; init; }

    public required int Info { get; init; }

    /// <summary>One line: the score and what to do first.</summary>
    public required string Summary { get; init; }
}
