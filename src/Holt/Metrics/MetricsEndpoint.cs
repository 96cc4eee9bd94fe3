using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Holt.Metrics;

/// <summary>
/// The HTTP side of <c>/metrics</c>: Kestrel, with nothing but a terminal handler (no routing, no reflection), on
/// the given addresses only. <c>GET /metrics</c> answers the exposition; a missing or wrong token is 401, anything
/// else 404. Hostile clients are bounded by limits set here explicitly rather than by Kestrel's defaults: few
/// connections, small request lines and headers, and a deadline for the headers that ends a slowloris.
/// </summary>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    /// <summary>Scrapers are few (a Prometheus or two); more connections than this wait in the kernel's backlog.</summary>
    internal const int MaxConnections = 16;

    internal const int MaxHeaderBytes = 8 * 1024;

    internal const int MaxHeaderCount = 32;

    internal const int MaxRequestLineBytes = 2 * 1024;

    internal static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(5);

    internal static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(60);

    private readonly WebApplication _app;
    private volatile ScrapeAuth _auth;

    private MetricsEndpoint(WebApplication app, ScrapeAuth auth)
    {
        _app = app;
        _auth = auth;
    }

    /// <summary>The addresses it listens on, as bound (a port 0 in the request becomes the one the kernel chose).</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    /// <summary>Starts listening on <paramref name="listen"/>; <paramref name="scrape"/> builds each answer's body.</summary>
    /// <exception cref="CommandException">An address could not be bound (not on this machine yet, or taken).</exception>
    public static MetricsEndpoint Start(IReadOnlyList<IPEndPoint> listen, ScrapeAuth auth, Func<CancellationToken, Task<byte[]>> scrape)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        _ = builder.WebHost.UseKestrelCore();
        _ = builder.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            KestrelServerLimits limits = options.Limits;
            limits.MaxConcurrentConnections = MaxConnections;
            limits.MaxConcurrentUpgradedConnections = 0;
            limits.MaxRequestHeadersTotalSize = MaxHeaderBytes;
            limits.MaxRequestHeaderCount = MaxHeaderCount;
            limits.MaxRequestLineSize = MaxRequestLineBytes;
            limits.MaxRequestBufferSize = 16 * 1024;
            limits.MaxRequestBodySize = 0;
            limits.RequestHeadersTimeout = HeadersTimeout;
            limits.KeepAliveTimeout = KeepAliveTimeout;
            limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
            limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
            foreach (IPEndPoint endpoint in listen)
            {
                options.Listen(endpoint, l => l.Protocols = HttpProtocols.Http1);
            }
        });

        // The daemon owns the process's signals and its log: no console lifetime (it would take SIGTERM), no providers.
        _ = builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        _ = builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        var endpoint = new MetricsEndpoint(app, auth);
        ((IApplicationBuilder)app).Run(context => endpoint.Handle(context, scrape));
        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new CommandException($"metrics: cannot listen on {string.Join(", ", listen)}: {e.Message}", e);
        }

        endpoint.Addresses = app.Urls.ToList();
        return endpoint;
    }

    /// <summary>A new token (or none) for the scrapes that follow.</summary>
    public void Authorize(ScrapeAuth auth) => _auth = auth;

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(deadline.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task Handle(HttpContext context, Func<CancellationToken, Task<byte[]>> scrape)
    {
        HttpRequest request = context.Request;
        HttpResponse response = context.Response;
        if (request.Path.Value != "/metrics" || !HttpMethods.IsGet(request.Method))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!_auth.Allows(request.Headers.Authorization.Count == 1 ? request.Headers.Authorization[0] : null))
        {
            response.StatusCode = StatusCodes.Status401Unauthorized;
            response.Headers.WWWAuthenticate = "Bearer realm=\"holt metrics\"";
            return;
        }

        byte[] body = await scrape(context.RequestAborted).ConfigureAwait(false);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ExpositionWriter.ContentType;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A host lifetime that waits for nothing and listens to no signal.</summary>
    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
