using Holt.Audit;
using Holt.Metrics;
using Holt.Tests.Audit;

namespace Holt.Tests.Metrics;

/// <summary>The audit's families, from the kept report: exactly these lines, and none without a report.</summary>
public sealed class AuditFamiliesTests
{
    private const string Expected =
        "# HELP holt_audit_score The last full holt audit's score, 0 to 100 (100: nothing found)\n" +
        "# TYPE holt_audit_score gauge\n" +
        "holt_audit_score 64\n" +
        "# HELP holt_audit_findings Findings of the last full holt audit, by severity\n" +
        "# TYPE holt_audit_findings gauge\n" +
        "holt_audit_findings{severity=\"critical\"} 1\n" +
        "holt_audit_findings{severity=\"warning\"} 2\n" +
        "holt_audit_findings{severity=\"info\"} 1\n" +
        "# HELP holt_audit_areas_unchecked Areas the last full holt audit could not check (the report says why)\n" +
        "# TYPE holt_audit_areas_unchecked gauge\n" +
        "holt_audit_areas_unchecked 1\n" +
        "# HELP holt_audit_last_run_timestamp_seconds UNIX time of the last full holt audit\n" +
        "# TYPE holt_audit_last_run_timestamp_seconds gauge\n" +
        "holt_audit_last_run_timestamp_seconds 1773480413.589\n";

    [Fact]
    public void AReport_IsTheseLines()
    {
        var writer = new ExpositionWriter();

        new AuditFamilies(() => AuditReports.Sample()).WriteTo(writer);

        Assert.Equal(Expected, writer.Text);
    }

    [Fact]
    public void ACleanReport_StillHasEverySeverity_AtZero()
    {
        AuditReport clean = AuditReports.Sample() with { Findings = [], Score = 100, Critical = 0, Warnings = 0, Info = 0, Areas = [new AreaResult { Area = "sshd", Checked = true }] };
        var writer = new ExpositionWriter();

        AuditFamilies.Write(writer, clean);

        Assert.Contains("holt_audit_score 100\n", writer.Text, StringComparison.Ordinal);
        Assert.Contains("holt_audit_findings{severity=\"critical\"} 0\nholt_audit_findings{severity=\"warning\"} 0\nholt_audit_findings{severity=\"info\"} 0\n", writer.Text, StringComparison.Ordinal);
        Assert.Contains("holt_audit_areas_unchecked 0\n", writer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void NoReport_WritesNoAuditFamily()
    {
        string text = Exposition.Write(MetricsModel.Snapshot(), [new AuditFamilies(() => null)]);

        Assert.DoesNotContain("holt_audit", text, StringComparison.Ordinal);
        Assert.Contains("holt_expected_peers", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TheKeptReport_IsWhatTheScrapeShows()
    {
        string directory = Directory.CreateTempSubdirectory("holt-audit-metrics.").FullName;
        try
        {
            var store = new AuditStore(Path.Combine(directory, AuditStore.FileName));
            store.Save(AuditReports.Sample());

            string text = Exposition.Write(MetricsModel.Snapshot(), [new AuditFamilies(store.Latest)]);

            Assert.EndsWith(Expected, text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [PromtoolFact]
    public void TheAuditFamilies_PassPromtoolCheckMetrics()
    {
        string text = Exposition.Write(MetricsModel.Snapshot(), [new AuditFamilies(() => AuditReports.Sample())]);

        (int exitCode, string output) = Promtool.CheckMetrics(text);

        Assert.Contains("holt_audit_findings{severity=\"critical\"} 1\n", text, StringComparison.Ordinal);
        Assert.True(exitCode == 0 && output.Length == 0, $"promtool check metrics exited {exitCode}:\n{output}");
    }
}
