using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Guard;
using Holt.Monitor;
using Holt.Qr;
using Holt.Status;
using Holt.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Holt.Dashboard;

/// <summary>The Guard page's API: the guard's report, and bans made and lifted as <c>holt guard ban</c> and <c>unban</c> make them.</summary>
internal sealed partial class DashboardApi
{
    private async Task Guard(HttpContext context)
    {
        DateTimeOffset now = sources.Time.GetUtcNow();
        GuardReport report;
        try
        {
            // nft and the ban store: off Kestrel's threads.
            report = await Task.Run(() => GuardOperations.Report(now, now - GuardOperations.HistorySpan)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CommandException or Storage.StoreException)
        {
            await Api.Error(context, StatusCodes.Status503ServiceUnavailable, "cannot read the guard: " + e.Message).ConfigureAwait(false);
            return;
        }

        await Api.Json(context, report, GuardJson.Default.GuardReport).ConfigureAwait(false);
    }

    private async Task Ban(HttpContext context)
    {
        if (await Api.Body(context, DashboardJson.Default.BanBody).ConfigureAwait(false) is not BanBody body)
        {
            return;
        }

        await Api.Change(context, () =>
        {
            IPNetwork network = GuardOperations.ParseTarget(body.Address ?? "");
            TimeSpan duration = GuardOperations.ParseDuration(body.Time ?? "1h", "time");
            string? cuts = GuardOperations.Ban(network, body.Jail ?? GuardOperations.ManualJail, duration, body.Force, sources.Config(), sources.Time);
            string banned = $"banned {GuardOperations.Describe(network)} for {DurationText.Format(duration)}";
            return (StatusCodes.Status201Created, new Done(cuts is null ? banned : $"{banned}; it cuts {cuts}"));
        }, DashboardJson.Default.Done).ConfigureAwait(false);
    }

    private Task Unban(HttpContext context)
    {
        string address = context.Request.Query["address"].Count == 1 ? context.Request.Query["address"][0]! : "";
        return Api.Change(context, () =>
        {
            IPNetwork network = GuardOperations.ParseTarget(address);
            GuardOperations.Unban(network, sources.Time);
            return (StatusCodes.Status200OK, new Done($"unbanned {GuardOperations.Describe(network)}"));
        }, DashboardJson.Default.Done);
    }
}
