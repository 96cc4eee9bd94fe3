using Holt.Audit;
using Holt.Text;
using Microsoft.AspNetCore.Http;

namespace Holt.Dashboard;

/// <summary>
/// The Audit page's API: the last full audit, exactly as <c>holt audit --json</c> printed it (sent without the
/// indentation), and a fresh run. The run is a change like any other (the gate wants the page's CSRF token and
/// origin): it runs <c>sshd -T</c> and replaces the kept report the metrics show.
/// </summary>
internal sealed partial class DashboardApi
{
    private Task Audit(HttpContext context) =>
        sources.Audit?.Latest() is AuditReport report
            ? Api.Json(context, report, AuditJson.Plain.AuditReport)
            : Api.Error(context, StatusCodes.Status404NotFound, "no audit has run yet: run it here, or holt audit on the gateway");

    private async Task RunAudit(HttpContext context)
    {
        if (sources.Auditor is not AuditRunner auditor)
        {
            await Api.Error(
                context,
                StatusCodes.Status503ServiceUnavailable,
                "the daemon does not run as root, so it cannot audit the machine; run holt audit as root on the gateway").ConfigureAwait(false);
            return;
        }

        AuditReport report;
        try
        {
            // Off Kestrel's threads, and joined with a run already under way rather than run twice.
            report = await auditor.RunAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Said in the page as one line, as the daemon's periodic run logs it; the kept report is unchanged.
            string problem = e is CommandException ? e.Message : $"the audit failed: {e.GetType().Name}: {e.Message}";
            await Api.Error(context, StatusCodes.Status500InternalServerError, Printable.Of(problem.ReplaceLineEndings(" "))).ConfigureAwait(false);
            return;
        }

        await Api.Json(context, report, AuditJson.Plain.AuditReport).ConfigureAwait(false);
    }
}
