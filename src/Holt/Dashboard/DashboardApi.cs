using Holt.Audit;
using Holt.Config;
using Holt.Gateway;
using Holt.Monitor;
using Holt.Qr;
using Holt.Status;
using Holt.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Holt.Dashboard;

/// <summary>What the dashboard reads and changes, as the daemon has it.</summary>
/// <param name="Store">holt.toml, edited under its lock exactly as the CLI edits it.</param>
/// <param name="Config">The configuration the daemon runs with now.</param>
/// <param name="Status">The status of <c>holt status --json</c>, shared with the metrics (tables at most 10 s old).</param>
/// <param name="Monitor">The monitor's last round (<c>holt monitor status --json</c>), or null before the first.</param>
/// <param name="Edit">Edits the gateway's part of holt.toml as <c>holt peer ...</c> does, applied live.</param>
/// <param name="Client">A peer's client config, and what to warn about it, as <c>holt peer add</c> prints them.</param>
/// <param name="Audit">The last full audit's report as <c>holt audit --json</c> printed it; null: none kept (tests).</param>
/// <param name="Auditor">Runs a fresh full audit and keeps it; null when the daemon is not root and cannot audit.</param>
internal sealed record DashboardSources(
    ConfigStore Store,
    TimeProvider Time,
    Func<HoltConfig> Config,
    Func<HoltStatus> Status,
    Func<MonitorStatus?> Monitor,
    GatewayEdit Edit,
    Func<HoltConfig, PeerConfig, (string Config, IReadOnlyList<string> Warnings)> Client,
    AuditStore? Audit = null,
    AuditRunner? Auditor = null);

/// <summary>
/// The JSON API the page is built on. Each read answers with the model of the CLI command that prints the same
/// thing with <c>--json</c> (<c>holt status</c>, <c>peer list</c>, <c>peer show</c>, <c>monitor status</c>,
/// <c>monitor history</c>), so a script and the page see one model; changes go through the operations the CLI uses,
/// as one transaction each, applied live.
/// </summary>
internal sealed partial class DashboardApi(DashboardSources sources, DashboardAccess access, LoginLinks links, CheckHistory checks)
{
    /// <summary>A chart's width in points: 24 h by the minute, 90 d by the hour.</summary>
    public const int MaxChartPoints = 2200;

    public void Map(IEndpointRouteBuilder routes)
    {
        var live = new LiveFeed(sources, access, Peers);
        _ = routes.MapGet("/", Assets.Index);
        _ = routes.MapGet("/assets/{file}", Assets.Serve);
        _ = routes.MapGet("/login", Login);
        _ = routes.MapPost("/api/logout", Logout);
        _ = routes.MapGet("/api/session", Session);
        _ = routes.MapGet("/api/status", context => Api.Json(context, sources.Status(), StatusJson.Default.HoltStatus));
        _ = routes.MapGet("/api/peers", context => Api.Json(context, Peers(), DashboardJson.Default.IReadOnlyListPeerView));
        _ = routes.MapGet("/api/peers/{name}", ShowPeer);
        _ = routes.MapPost("/api/peers", AddPeer);
        _ = routes.MapMethods("/api/peers/{name}", [HttpMethods.Patch], ChangePeer);
        _ = routes.MapDelete("/api/peers/{name}", RemovePeer);
        _ = routes.MapGet("/api/peers/{name}/history", History);
        _ = routes.MapGet("/api/monitor", Monitor);
        _ = routes.MapGet("/api/traffic", Traffic);
        _ = routes.MapGet("/api/events", live.Stream);
        _ = routes.MapGet("/api/checks", Checks);
        _ = routes.MapPost("/api/alerts/test", TestNotice);
        _ = routes.MapGet("/api/guard", Guard);
        _ = routes.MapGet("/api/guard/auth", Authentications);
        _ = routes.MapPost("/api/guard/bans", Ban);
        _ = routes.MapDelete("/api/guard/bans", Unban);
        _ = routes.MapGet("/api/firewall", Firewall);
        _ = routes.MapPost("/api/firewall/apply", ApplyFirewall);
        _ = routes.MapPost("/api/firewall/confirm", ConfirmFirewall);
        _ = routes.MapGet("/api/audit", Audit);
        _ = routes.MapPost("/api/audit/run", RunAudit);
        _ = routes.MapPost("/api/exposures", Expose);
        _ = routes.MapDelete("/api/exposures", Unexpose);
        _ = routes.MapFallback(context => Api.Error(context, StatusCodes.Status404NotFound, "no such page or API"));
    }

    private IReadOnlyList<PeerView> Peers()
    {
        HoltStatus status = sources.Status();
        string name = sources.Config().Gateway.Interface;
        return status.Interfaces.FirstOrDefault(i => i.Name == name && i.Role == "gateway")?.Peers ?? [];
    }

    private Task Login(HttpContext context)
    {
        Visitor visitor = DashboardServer.VisitorOf(context);
        if (visitor.Kind == VisitorKind.Admin)
        {
            return Redirect(context);
        }

        if (visitor.Kind is not (VisitorKind.Local or VisitorKind.Session) || !links.TryRedeem(context.Request.Query["token"].Count == 1 ? context.Request.Query["token"][0] : null))
        {
            return Pages.Refuse(context, StatusCodes.Status401Unauthorized, "This link does not work", "A login link works once, for ten minutes. On the gateway, run holt dashboard link for a new one.");
        }

        access.Sessions.Close(context.Request.Cookies[DashboardServer.SessionCookie]);
        string cookie = access.Sessions.Open();
        context.Response.Cookies.Append(DashboardServer.SessionCookie, cookie, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            MaxAge = DashboardSessions.Lifetime,
        });
        return Redirect(context);
    }

    private static Task Redirect(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = "/";
        return Task.CompletedTask;
    }

    private Task Logout(HttpContext context)
    {
        access.Sessions.Close(context.Request.Cookies[DashboardServer.SessionCookie]);
        context.Response.Cookies.Delete(DashboardServer.SessionCookie, new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Strict });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private Task Session(HttpContext context)
    {
        Visitor visitor = DashboardServer.VisitorOf(context);
        HoltConfig config = sources.Config();
        var view = new SessionView
        {
            Who = visitor.Who,
            Kind = visitor.Kind == VisitorKind.Admin ? "admin-peer" : "local-session",
            Csrf = access.CsrfToken(visitor)!,
            Interface = config.Gateway.Interface,
            Version = Api.Version,
        };
        return Api.Json(context, view, DashboardJson.Default.SessionView);
    }

    private Task ShowPeer(HttpContext context)
    {
        string name = Api.Route(context, "name");
        return Peers().FirstOrDefault(p => p.Name == name) is PeerView view
            ? Api.Json(context, view, DashboardJson.Default.PeerView)
            : Api.Error(context, StatusCodes.Status404NotFound, $"no peer named '{Printable.Of(name)}'");
    }

    private async Task AddPeer(HttpContext context)
    {
        if (await Api.Body(context, DashboardJson.Default.PeerAddBody).ConfigureAwait(false) is not PeerAddBody body)
        {
            return;
        }

        AddPeerRequest request = new()
        {
            Name = body.Name ?? "",
            FullTunnel = body.FullTunnel,
            Expires = body.Expires,
            ClientToClient = body.ClientToClient,
            Expected = body.Expected,
            Admin = body.Admin,
        };
        await Api.Change(context, () =>
        {
            EditResult edit = PeerOperations.Add(sources.Edit, request);
            PeerConfig added = edit.Config.Gateway.FindPeer(request.Name)!;
            (string client, IReadOnlyList<string> warnings) = sources.Client(edit.Config, added);
            PeerView view = PeerView.Build(edit.Config.Gateway, new GatewayState(), null, sources.Time.GetUtcNow()).First(p => p.Name == added.Name);
            return (StatusCodes.Status201Created, new AddedPeer
            {
                Peer = view,
                Config = client,
                QrSvg = QrCode.ToSvg(client),
                Warnings = warnings,
            });
        }, DashboardJson.Default.AddedPeer).ConfigureAwait(false);
    }

    private async Task ChangePeer(HttpContext context)
    {
        string name = Api.Route(context, "name");
        if (await Api.Body(context, DashboardJson.Default.PeerChangeBody).ConfigureAwait(false) is not PeerChangeBody body)
        {
            return;
        }

        await Api.Change(context, () =>
        {
            // Every part of the change goes into one edit of holt.toml: all of it applies, or none.
            var parts = new List<Func<GatewayConfig, DateTimeOffset, GatewayConfig>>();
            GatewayEdit collect = change =>
            {
                parts.Add(change);
                return null!;
            };
            if (body.Enabled is bool enabled)
            {
                _ = PeerOperations.SetEnabled(collect, name, enabled);
            }

            if (body.ClientToClient is not null || body.Expires is not null || body.Expected is not null || body.Admin is not null)
            {
                _ = PeerOperations.Set(collect, name, body.ClientToClient, body.Expires, body.Expected, admin: body.Admin);
            }

            if (body.Name is string newName && newName != name)
            {
                _ = PeerOperations.Rename(collect, name, newName);
            }

            if (parts.Count == 0)
            {
                throw new CommandException("the change names nothing to change (enabled, name, expires, client_to_client, expected, admin)");
            }

            EditResult edit = sources.Edit((config, now) => parts.Aggregate(config, (c, part) => part(c, now)));
            string shown = body.Name ?? name;
            return (StatusCodes.Status200OK, PeerView.Build(edit.Config.Gateway, StateOrEmpty(edit.Config.Gateway), null, sources.Time.GetUtcNow()).First(p => p.Name == shown));
        }, DashboardJson.Default.PeerView).ConfigureAwait(false);
    }

    private Task RemovePeer(HttpContext context)
    {
        string name = Api.Route(context, "name");
        return Api.Change(context, () =>
        {
            _ = PeerOperations.Remove(sources.Edit, name);
            return (StatusCodes.Status200OK, new Done($"removed peer '{name}'"));
        }, DashboardJson.Default.Done);
    }

    private Task History(HttpContext context)
    {
        string name = Api.Route(context, "name");
        string since = context.Request.Query["since"].Count == 1 ? context.Request.Query["since"][0]! : "24h";
        if (!DurationText.TryParse(since, "mhdw", out TimeSpan span) || span > TimeSpan.FromDays(90))
        {
            return Api.Error(context, StatusCodes.Status400BadRequest, $"since must be a duration up to 90d, such as 24h, 7d or 90d, not '{Printable.Of(since)}'");
        }

        GatewayConfig gateway = sources.Config().Gateway;
        if (gateway.FindPeer(name) is not PeerConfig peer)
        {
            return Api.Error(context, StatusCodes.Status404NotFound, $"no peer named '{Printable.Of(name)}'");
        }

        string path = MonitorStore.DefaultPath;
        if (!File.Exists(path))
        {
            return Api.Error(context, StatusCodes.Status404NotFound, "no history yet: the monitor has not written monitor.db");
        }

        HistoryReport report;
        try
        {
            using MonitorStore store = MonitorStore.Open(path);
            report = HistoryReports.Build(store, gateway.Interface, peer.PublicKey, peer.Name, span, sources.Time.GetUtcNow(), MaxChartPoints);
        }
        catch (Exception e) when (e is Storage.StoreException or CommandException)
        {
            return Api.Error(context, StatusCodes.Status503ServiceUnavailable, $"cannot read the history: {e.Message}");
        }

        return Api.Json(context, report, HistoryJson.Default.HistoryReport);
    }

    /// <summary>Every peer's traffic together, hour by hour over the last 24 hours, for the overview's chart.</summary>
    private async Task Traffic(HttpContext context)
    {
        string interfaceName = sources.Config().Gateway.Interface;
        DateTimeOffset since = sources.Time.GetUtcNow() - TimeSpan.FromHours(24);
        IReadOnlyList<TrafficTotal> totals = [];
        if (File.Exists(MonitorStore.DefaultPath))
        {
            try
            {
                totals = await Task.Run(() =>
                {
                    using MonitorStore store = MonitorStore.Open(MonitorStore.DefaultPath);
                    return store.Totals(interfaceName, since);
                }).ConfigureAwait(false);
            }
            catch (Storage.StoreException e)
            {
                await Api.Error(context, StatusCodes.Status503ServiceUnavailable, $"cannot read the history: {e.Message}").ConfigureAwait(false);
                return;
            }
        }

        await Api.Json(context, totals, DashboardJson.Default.IReadOnlyListTrafficTotal).ConfigureAwait(false);
    }

    private Task Monitor(HttpContext context) =>
        sources.Monitor() is MonitorStatus status
            ? Api.Json(context, status, MonitorJson.Default.MonitorStatus)
            : Api.Error(context, StatusCodes.Status503ServiceUnavailable, "the monitor has not finished its first round yet (or [monitor] enabled = false)");

    private static GatewayState StateOrEmpty(GatewayConfig gateway)
    {
        try
        {
            return StateStore.Load(gateway.Interface);
        }
        catch (CommandException)
        {
            return new GatewayState();
        }
    }
}
