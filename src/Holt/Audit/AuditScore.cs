namespace Holt.Audit;

/// <summary>
/// The score: 100 with nothing found, less 25 for each critical finding, 5 for each warning and 1 for each note,
/// never below 0. A single open door (a database on the internet, password logins) costs a quarter, so a server
/// with any critical finding stays under 80 however tidy the rest is; notes barely move it.
/// </summary>
internal static class AuditScore
{
    public const int CriticalCost = 25;
    public const int WarningCost = 5;
    public const int InfoCost = 1;

    public static int Of(IEnumerable<Finding> findings) =>
        Math.Max(0, 100 - findings.Sum(f => f.Severity switch
        {
            Severity.Critical => CriticalCost,
            Severity.Warning => WarningCost,
            _ => InfoCost,
        }));

    /// <summary>The report's last line.</summary>
    public static string Summary(int score, int critical, int warnings, int info, int notChecked)
    {
        string counts = $"{critical} critical, {warnings} {(warnings == 1 ? "warning" : "warnings")}, {info} info";
        string skipped = notChecked > 0 ? $"; {notChecked} {(notChecked == 1 ? "area" : "areas")} not checked" : "";
        string next = critical > 0
            ? "fix the critical findings first (holt audit fix --safe makes the safe ones)"
            : warnings > 0 ? "nothing is open; the warnings harden it further" : "nothing to fix";
        return $"score {score}/100: {counts}{skipped}; {next}";
    }
}
