using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Holt.Dashboard;

/// <summary>
/// The dashboard's HTTP side: Kestrel with minimal-API endpoints (plain request delegates, nothing found by
/// reflection, so NativeAOT keeps it whole), on the given addresses only. Every request passes the same gate first:
/// its Host must name the address it came to, its visitor is identified (<see cref="DashboardAccess"/>), every
/// answer carries a strict Content-Security-Policy, and a change needs the visitor's CSRF token and a same-origin
/// Origin. Hostile clients are bounded by explicit limits: few connections, small headers and bodies, deadlines.
/// </summary>
internal sealed partial class DashboardServer : IAsyncDisposable
{
    internal const int MaxConnections = 64;

    /// <summary>A body is a small JSON object (a peer's settings, a ban); nothing larger is read.</summary>
    internal const int MaxBodyBytes = 16 * 1024;

    internal const string SessionCookie = "holt_session";

    internal const string CsrfHeader = "X-Holt-Csrf";

    internal const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private readonly WebApplication _app;

    private DashboardServer(WebApplication app) => _app = app;

    /// <summary>The addresses it listens on, as bound.</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    /// <exception cref="CommandException">An address could not be bound.</exception>
    public static DashboardServer Start(IReadOnlyList<IPEndPoint> listen, DashboardAccess access, DashboardApi api, ILogger logger)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        _ = builder.WebHost.UseKestrelCore();
        _ = builder.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            KestrelServerLimits limits = options.Limits;
            limits.MaxConcurrentConnections = MaxConnections;
            limits.MaxConcurrentUpgradedConnections = 0;
            limits.MaxRequestHeadersTotalSize = 16 * 1024;
            limits.MaxRequestHeaderCount = 48;
            limits.MaxRequestLineSize = 4 * 1024;
            limits.MaxRequestBufferSize = 64 * 1024;
            limits.MaxRequestBodySize = MaxBodyBytes;
            limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            limits.KeepAliveTimeout = TimeSpan.FromSeconds(120);
            limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
            limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
            foreach (IPEndPoint endpoint in listen)
            {
                options.Listen(endpoint, l => l.Protocols = HttpProtocols.Http1);
            }
        });

        _ = builder.Services.AddRoutingCore();
        _ = builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        _ = builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        _ = app.Use((context, next) => Gate(context, next, access, logger));
        _ = app.UseRouting();
        api.Map(app);
        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new CommandException($"dashboard: cannot listen on {string.Join(", ", listen)}: {e.Message}", e);
        }

        return new DashboardServer(app) { Addresses = app.Urls.ToList() };
    }

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(deadline.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The visitor a request was identified as, for the handlers.</summary>
    public static Visitor VisitorOf(HttpContext context) => (Visitor)context.Items[typeof(Visitor)]!;

    /// <summary>The checks every request passes before any handler sees it.</summary>
    private static Task Gate(HttpContext context, RequestDelegate next, DashboardAccess access, ILogger logger)
    {
        HttpResponse response = context.Response;
        IHeaderDictionary headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
        headers.CacheControl = "no-store";

        HttpRequest request = context.Request;
        ConnectionInfo connection = context.Connection;
        if (!DashboardAccess.IsOwnHost(request.Headers.Host.Count == 1 ? request.Headers.Host[0] : null, connection.LocalIpAddress))
        {
            return Pages.Refuse(context, StatusCodes.Status421MisdirectedRequest, "Wrong address", "Open the dashboard by its address (the gateway's VPN address, or 127.0.0.1 over an SSH forward), not by another name.");
        }

        Visitor visitor = access.Identify(connection.RemoteIpAddress, connection.LocalIpAddress, request.Cookies[SessionCookie]);
        context.Items[typeof(Visitor)] = visitor;
        bool login = request.Path.Equals("/login", StringComparison.Ordinal) && HttpMethods.IsGet(request.Method);
        bool asset = request.Path.StartsWithSegments("/assets", StringComparison.Ordinal) && HttpMethods.IsGet(request.Method);
        switch (visitor.Kind)
        {
            case VisitorKind.Peer or VisitorKind.Local when asset:
                // The refusal pages' own style; the files hold nothing a peer could not read in the source.
                return next(context);
            case VisitorKind.Peer:
                LogRefusedPeer(logger, visitor.PeerName!, request.Method, Printable(request.Path.Value));
                return Pages.Refuse(context, StatusCodes.Status403Forbidden, "Not an admin device", $"This device is the peer \u201c{visitor.PeerName}\u201d, which is not an admin. On the gateway: holt peer set {visitor.PeerName} --admin on");
            case VisitorKind.Stranger:
                return Pages.Refuse(context, StatusCodes.Status403Forbidden, "Not allowed", "The dashboard answers the gateway's admin peers through the tunnel, and this machine's own sessions.");
            case VisitorKind.Local when !login:
                return Pages.Refuse(context, StatusCodes.Status401Unauthorized, "Log in with a link", "On the gateway, run: holt dashboard link. It prints a one-time link that opens a session here.");
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && ChangeRefusal(context, access, visitor) is string why)
        {
            LogRefusedChange(logger, visitor.Who, request.Method, Printable(request.Path.Value), why);
            return Api.Error(context, StatusCodes.Status403Forbidden, why);
        }

        return next(context);
    }

    /// <summary>Why a change may not go ahead (a missing or wrong CSRF token, a foreign origin), or null when it may.</summary>
    private static string? ChangeRefusal(HttpContext context, DashboardAccess access, Visitor visitor)
    {
        HttpRequest request = context.Request;
        string? origin = request.Headers.Origin.Count == 1 ? request.Headers.Origin[0] : null;
        string? host = request.Headers.Host.Count == 1 ? request.Headers.Host[0] : null;
        if (origin is null || !string.Equals(origin, "http://" + host, StringComparison.OrdinalIgnoreCase))
        {
            return "a change must come from the dashboard's own page (the Origin header is missing or foreign)";
        }

        string? site = request.Headers["Sec-Fetch-Site"].Count == 1 ? request.Headers["Sec-Fetch-Site"][0] : null;
        if (site is not null && site != "same-origin")
        {
            return "a change must come from the dashboard's own page (Sec-Fetch-Site is " + site + ")";
        }

        string? token = request.Headers[CsrfHeader].Count == 1 ? request.Headers[CsrfHeader][0] : null;
        return access.IsCsrfToken(visitor, token) ? null : "a change needs the page's CSRF token (reload the page)";
    }

    private static string Printable(string? text) => Holt.Text.Printable.Of(text is { Length: > 200 } ? text[..200] : text ?? "");

    [LoggerMessage(Level = LogLevel.Warning, Message = "dashboard: refused peer {Peer} (not an admin): {Method} {Path}")]
    private static partial void LogRefusedPeer(ILogger logger, string peer, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dashboard: refused a change by {Who}: {Method} {Path}: {Why}")]
    private static partial void LogRefusedChange(ILogger logger, string who, string method, string path, string why);

    /// <summary>A host lifetime that waits for nothing and listens to no signal.</summary>
    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
