using Holt.Config;
using Holt.Gateway;
using Holt.Monitor;
using Holt.Monitor.Notify;
using Holt.Storage;
using Microsoft.AspNetCore.Http;

namespace Holt.Dashboard;

/// <summary>The Checks and alerts page's API: the checks' results and recent latencies, the alerts, the notices sent, and a test notice.</summary>
internal sealed partial class DashboardApi
{
    /// <summary>How far back the page lists the notices sent.</summary>
    public static readonly TimeSpan NoticesSpan = TimeSpan.FromDays(7);

    private async Task Checks(HttpContext context)
    {
        MonitorStatus? monitor = sources.Monitor();
        checks.Record(monitor);
        HoltConfig config = sources.Config();
        DateTimeOffset now = sources.Time.GetUtcNow();
        IReadOnlyList<AlertMessage> notices = [];
        if (File.Exists(MonitorStore.DefaultPath))
        {
            try
            {
                notices = await Task.Run(() =>
                {
                    using MonitorStore store = MonitorStore.Open(MonitorStore.DefaultPath);
                    return new InterfaceAlerts(store, config.Gateway.Interface).History(now - NoticesSpan);
                }).ConfigureAwait(false);
            }
            catch (StoreException)
            {
                // The page still shows the checks; the notices are what monitor.db could not give.
            }
        }

        var page = new ChecksPage
        {
            Checks = monitor?.Checks ?? [],
            History = checks.Read(),
            Alerts = monitor?.Alerts ?? [],
            Notices = [.. notices.Reverse().Take(200)],
            Notifiers = [.. config.Monitor.Notifiers.Select(n => n.Name)],
        };
        await Api.Json(context, page, DashboardJson.Default.ChecksPage).ConfigureAwait(false);
    }

    private Task TestNotice(HttpContext context) =>
        Api.Change(context, () =>
        {
            IReadOnlyList<NotifierConfig> notifiers = sources.Config().Monitor.Notifiers;
            if (notifiers.Count == 0)
            {
                throw new CommandException("holt.toml has no [[monitor.notify]] notifier to test");
            }

            return (StatusCodes.Status200OK, NotifyTest.Send(notifiers, Environment.MachineName, sources.Time));
        }, DashboardJson.Default.IReadOnlyListNotifyTestResult);
}
