using Holt.Audit;

namespace Holt.Metrics;

/// <summary>
/// The last full audit's score and counts, from the report <c>holt audit --json</c> printed and the daemon kept
/// (<see cref="AuditStore"/>): the same model the dashboard's Audit page shows. Without a report (no audit yet, or
/// the daemon is not root) the families are left out, never shown as a perfect 0 findings.
/// </summary>
/// <remarks>
/// The findings are one series per severity, every severity always present, so <c>holt_audit_findings{severity="critical"} &gt; 0</c>
/// is a plain alert rule that does not vanish when the count drops to 0.
/// </remarks>
/// <param name="latest">The kept report; read at every scrape, so it must be cheap (<see cref="AuditStore.Latest"/>).</param>
internal sealed class AuditFamilies(Func<AuditReport?> latest) : IMetricSource
{
    public void WriteTo(ExpositionWriter writer)
    {
        if (latest() is AuditReport report)
        {
            Write(writer, report);
        }
    }

    public static void Write(ExpositionWriter writer, AuditReport report)
    {
        writer.Family("holt_audit_score", MetricType.Gauge, "The last full holt audit's score, 0 to 100 (100: nothing found)");
        writer.Sample(report.Score);
        writer.Family("holt_audit_findings", MetricType.Gauge, "Findings of the last full holt audit, by severity");
        writer.Sample(report.Critical, new Label("severity", "critical"));
        writer.Sample(report.Warnings, new Label("severity", "warning"));
        writer.Sample(report.Info, new Label("severity", "info"));
        writer.Family("holt_audit_areas_unchecked", MetricType.Gauge, "Areas the last full holt audit could not check (the report says why)");
        writer.Sample(report.Areas.Count(a => !a.Checked));
        writer.Family("holt_audit_last_run_timestamp_seconds", MetricType.Gauge, "UNIX time of the last full holt audit");
        writer.Sample(report.Time.ToUnixTimeMilliseconds() / 1000.0);
    }
}
