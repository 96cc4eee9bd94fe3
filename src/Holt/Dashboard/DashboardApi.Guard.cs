using System.Net;
using Holt.Config;
using Holt.Guard;
using Microsoft.AspNetCore.Http;

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

    /// <summary>How long an authentication report is reused: reading a week of auth.log under attack takes a while.</summary>
    internal static readonly TimeSpan AuthReportFor = TimeSpan.FromSeconds(60);

    private readonly Lock _authSync = new();
    private (DateTimeOffset At, AuthReportView View)? _auth;

    /// <summary>The last 24 hours of sshd's authentications (holt report auth --since 24h), at most a minute old.</summary>
    private async Task Authentications(HttpContext context)
    {
        DateTimeOffset now = sources.Time.GetUtcNow();
        AuthReportView? reused = null;
        lock (_authSync)
        {
            if (_auth is (DateTimeOffset at, AuthReportView cached) && now - at < AuthReportFor && now >= at)
            {
                reused = cached;
            }
        }

        if (reused is not null)
        {
            await Api.Json(context, reused, ReportJson.Default.AuthReportView).ConfigureAwait(false);
            return;
        }

        AuthReportView view;
        try
        {
            view = await Task.Run(() => AuthReports.Recent(now, TimeSpan.FromHours(24), top: 10)).ConfigureAwait(false);
        }
        catch (CommandException e)
        {
            await Api.Error(context, StatusCodes.Status503ServiceUnavailable, "cannot read sshd's log: " + e.Message).ConfigureAwait(false);
            return;
        }

        lock (_authSync)
        {
            _auth = (now, view);
        }

        await Api.Json(context, view, ReportJson.Default.AuthReportView).ConfigureAwait(false);
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
