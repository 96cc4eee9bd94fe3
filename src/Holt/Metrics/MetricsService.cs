using System.Net;
using System.Text;
using Holt.Config;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Monitor;
using Microsoft.Extensions.Logging;

namespace Holt.Metrics;

/// <summary>What the metrics service runs with: <c>[monitor.metrics]</c>, and the addresses that come to for this gateway.</summary>
internal sealed record MetricsSettings(MetricsConfig Metrics, IReadOnlyList<IPEndPoint> Listen)
{
    public static MetricsSettings Of(HoltConfig config) =>
        new(config.Monitor.Metrics, config.Monitor.Metrics.ListenFor(config.Gateway));

    public bool Equals(MetricsSettings? other) => other is not null && Metrics.Equals(other.Metrics) && Listen.SequenceEqual(other.Listen);

    public override int GetHashCode() => Metrics.GetHashCode();
}

/// <summary>
/// The Prometheus endpoint as a service of the daemon, added after the gateway, so it starts once the interface
/// has its address (its default address is the gateway's own VPN address). A reload with new addresses moves the
/// listener; a new token applies to the next scrape; neither needs the daemon to restart. An address that cannot
/// be bound (taken, or not on the machine) is a fault, and the host tries again after a pause while the tunnel
/// runs on.
/// </summary>
/// <param name="snapshot">Reads the models a scrape shows; called at most once a <see cref="MinRebuild"/>, on the thread pool.</param>
/// <param name="sources">Further families (checks, probes), written after Holt's own.</param>
internal sealed partial class MetricsService(Func<MetricsSnapshot> snapshot, IReadOnlyList<IMetricSource>? sources = null) : IDaemonService<MetricsSettings>, IDisposable
{
    /// <summary>
    /// Scrapes closer together than this get the same text: a flood of requests costs one build per interval, not
    /// one per request, and a scrape interval is seconds anyway.
    /// </summary>
    internal static readonly TimeSpan MinRebuild = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyList<IMetricSource> _sources = sources ?? [];
    private readonly SemaphoreSlim _building = new(1, 1);
    private MetricsEndpoint? _endpoint;
    private MetricsSettings? _settings;
    private ServiceContext? _context;
    private (DateTimeOffset At, byte[] Body)? _last;

    public string Name => "metrics";

    /// <summary>Where the endpoint listens now, as bound; empty while it does not.</summary>
    public IReadOnlyList<string> Addresses => _endpoint?.Addresses ?? [];

    public void Start(MetricsSettings settings, ServiceContext context)
    {
        _context = context;
        _settings = settings;
        if (settings.Metrics.Enabled)
        {
            Listen(settings);
        }
    }

    public void Reload(MetricsSettings settings)
    {
        MetricsSettings before = _settings!;
        if (settings.Equals(before) && settings.Metrics.TokenFile is null)
        {
            return;
        }

        _settings = settings;
        if (!settings.Metrics.Enabled)
        {
            Close();
            return;
        }

        if (_endpoint is not null && before.Metrics.Enabled && settings.Listen.SequenceEqual(before.Listen))
        {
            // A token file is read again at every reload: changing the file and touching holt.toml rotates it.
            _endpoint.Authorize(ScrapeAuth.Of(settings.Metrics));
            return;
        }

        Close();
        Listen(settings);
    }

    public void Stop() => Close();

    public void Dispose()
    {
        Close();
        _building.Dispose();
    }

    private void Listen(MetricsSettings settings)
    {
        ScrapeAuth auth = ScrapeAuth.Of(settings.Metrics);
        _endpoint = MetricsEndpoint.Start(settings.Listen, auth, Scrape);
        string addresses = string.Join(", ", _endpoint.Addresses);
        LogListening(_context!.Logger, addresses, auth.Required ? "a bearer token" : "no token");
    }

    private void Close()
    {
        if (_endpoint is null)
        {
            return;
        }

        _endpoint.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _endpoint = null;
        LogClosed(_context!.Logger);
    }

    /// <summary>The exposition as of now, built once per <see cref="MinRebuild"/> at most, and one build at a time.</summary>
    internal async Task<byte[]> Scrape(CancellationToken cancel)
    {
        await _building.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            DateTimeOffset now = _context!.Time.GetUtcNow();
            if (_last is (DateTimeOffset at, byte[] body) && now - at < MinRebuild && now >= at)
            {
                return body;
            }

            // Reading the models blocks (the control socket, nft): on the thread pool, not Kestrel's I/O threads.
            byte[] text = await Task.Run(() => Encoding.UTF8.GetBytes(Exposition.Write(snapshot(), _sources)), cancel).ConfigureAwait(false);
            _last = (now, text);
            return text;
        }
        finally
        {
            _ = _building.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "metrics: serving /metrics on {Addresses} with {Auth}")]
    private static partial void LogListening(ILogger logger, string addresses, string auth);

    [LoggerMessage(Level = LogLevel.Information, Message = "metrics: stopped listening")]
    private static partial void LogClosed(ILogger logger);
}
