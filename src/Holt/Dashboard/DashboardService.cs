using System.Net;
using Holt.Config;
using Holt.Gateway;
using Holt.Hosting;
using Microsoft.Extensions.Logging;

namespace Holt.Dashboard;

/// <summary>What the dashboard runs with: <c>[dashboard]</c>, the gateway (its addresses and peers), and where that puts the listener.</summary>
internal sealed record DashboardSettings(DashboardConfig Dashboard, GatewayConfig Gateway, IReadOnlyList<IPEndPoint> Listen)
{
    public static DashboardSettings Of(HoltConfig config) =>
        new(config.Dashboard, config.Gateway, config.Dashboard.ListenFor(config.Gateway));

    public bool Equals(DashboardSettings? other) =>
        other is not null && Dashboard.Equals(other.Dashboard) && ReferenceEquals(Gateway, other.Gateway) && Listen.SequenceEqual(other.Listen);

    public override int GetHashCode() => Dashboard.GetHashCode();
}

/// <summary>
/// The dashboard as a service of the daemon, added after the gateway, so the VPN address it listens on is there. A
/// reload hands it the peers as they are now (a peer made admin, or no longer, counts from its next request); a new
/// port moves the listener. An address that cannot be bound is a fault, and the host tries again after a pause while
/// the tunnel runs on.
/// </summary>
internal sealed partial class DashboardService(DashboardSources sources, LoginLinks links) : IDaemonService<DashboardSettings>, IDisposable
{
    private readonly DashboardAccess _access = new(new DashboardSessions(sources.Time));
    private readonly CheckHistory _checks = new();
    private ITimer? _recorder;
    private DashboardServer? _server;
    private DashboardSettings? _settings;
    private ServiceContext? _context;

    /// <summary>How often the checks' results are taken from the monitor's latest round (the shortest check interval is 2 s).</summary>
    internal static readonly TimeSpan CheckRecording = TimeSpan.FromSeconds(2);

    public string Name => "dashboard";

    /// <summary>Where the dashboard listens now, as bound; empty while it does not.</summary>
    public IReadOnlyList<string> Addresses => _server?.Addresses ?? [];

    internal DashboardAccess Access => _access;

    public void Start(DashboardSettings settings, ServiceContext context)
    {
        _context = context;
        _settings = settings;
        _access.Update(settings.Gateway);
        links.Prune();
        if (settings.Dashboard.Enabled)
        {
            Listen(settings);
        }
    }

    public void Reload(DashboardSettings settings)
    {
        DashboardSettings before = _settings!;
        _settings = settings;
        _access.Update(settings.Gateway);
        if (!settings.Dashboard.Enabled)
        {
            Close();
            return;
        }

        if (_server is not null && before.Dashboard.Enabled && settings.Listen.SequenceEqual(before.Listen))
        {
            return;
        }

        Close();
        Listen(settings);
    }

    public void Stop() => Close();

    public void Dispose() => Close();

    private void Listen(DashboardSettings settings)
    {
        _server = DashboardServer.Start(settings.Listen, _access, new DashboardApi(sources, _access, links, _checks), _context!.Logger);

        // The checks' latencies are kept from every round, so the chart has a past when the page opens.
        _recorder = sources.Time.CreateTimer(_ => _checks.Record(sources.Monitor()), null, TimeSpan.Zero, CheckRecording);
        string addresses = string.Join(", ", _server.Addresses);
        LogListening(_context.Logger, addresses);
    }

    private void Close()
    {
        _recorder?.Dispose();
        _recorder = null;
        if (_server is null)
        {
            return;
        }

        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server = null;
        LogClosed(_context!.Logger);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "dashboard: serving on {Addresses} (admin peers through the tunnel; holt dashboard link for loopback)")]
    private static partial void LogListening(ILogger logger, string addresses);

    [LoggerMessage(Level = LogLevel.Information, Message = "dashboard: stopped listening")]
    private static partial void LogClosed(ILogger logger);
}
