using System.Buffers;
using System.Globalization;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Logging;
using Holt.Monitor.Checks;
using Holt.Monitor.Notify;
using Holt.Uapi;
using Microsoft.Extensions.Logging;

namespace Holt.Monitor;

/// <summary>Where the monitor puts what it saw: <see cref="StatusFile"/>, or a list in tests.</summary>
internal interface IStatusBoard
{
    /// <summary>The latest round's status; an IOException is said and the next round tries again.</summary>
    void Publish(MonitorStatus status);

    /// <summary>The monitor stopped: nothing it saw is current any more.</summary>
    void Withdraw(string interfaceName);
}

/// <summary>The status as the file <c>holt monitor status</c> reads.</summary>
internal sealed class StatusFile : IStatusBoard
{
    private readonly Lock _sync = new();
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public void Publish(MonitorStatus status)
    {
        lock (_sync)
        {
            status.Write(_buffer);
        }
    }

    public void Withdraw(string interfaceName) => MonitorStatus.Delete(interfaceName);
}

/// <summary>
/// What the monitor service watches: an interface and the peers holt.toml gives it, with the monitor's own
/// settings; or, for an interface that is not Holt's (<c>holt monitor run</c>), whatever peers are on it.
/// </summary>
/// <summary>
/// Where the monitor's alerts go beyond its log: the ledger that keeps them across restarts, the outbox the
/// notifiers of holt.toml send from (none without it), the gateway's own figures, the gateway's name in every
/// message, and <see cref="Send"/>, which sees every message too (tests, <c>holt monitor run</c>).
/// </summary>
internal sealed record AlertWiring(
    IAlertLedger? Ledger = null, IOutbox? Outbox = null, Func<GatewaySignals?>? Gateway = null, string GatewayName = "",
    Action<AlertMessage>? Send = null)
{
    /// <summary>This machine's host name, the <c>gateway</c> label of its alerts.</summary>
    public static string ThisHost => Environment.MachineName;
}

internal sealed record MonitorSettings(string Interface, IReadOnlyList<PeerConfig>? Peers, MonitorConfig Monitor)
{
    public static MonitorSettings Of(GatewayConfig gateway, MonitorConfig monitor) => new(gateway.Interface, gateway.Peers, monitor);
}

/// <summary>
/// The monitor as a service of the daemon: every interval it samples the interface, gives each configured peer's
/// sample to that peer's <see cref="PeerTracker"/>, logs every change of state with its reason, and writes what it
/// saw to <see cref="MonitorStatus"/>. It only reads; the tunnel never waits for it.
/// </summary>
internal sealed partial class MonitorService(
    Func<DeviceStatus?> sample, IStatusBoard? board = null, HostSignals? host = null, ICheckExecutor? checkExecutor = null, AlertWiring? alerts = null,
    MonitorStore? history = null, Func<IReadOnlyDictionary<string, DateTimeOffset>>? knownHandshakes = null, Func<DaemonView?>? daemon = null)
    : IDaemonService<MonitorSettings>, IDisposable
{
    private readonly IStatusBoard _board = board ?? new StatusFile();
    private readonly MonitorStore? _history = history;
    private TunnelPeers? _tunnel;
    private CheckRunner? _checks;

    private readonly Lock _sync = new();
    private readonly Dictionary<string, PeerTracker> _trackers = new(StringComparer.Ordinal);
    private readonly AlertWiring _wiring = alerts ?? new AlertWiring();
    private Alerting? _alerting;
    private NotifyDispatcher? _notify;
    private MonitorSettings? _settings;
    private ServiceContext? _context;
    private ITimer? _timer;
    private RepeatFilter? _repeats;
    private readonly LinkWatch _link = new();

    public string Name => "monitor";

    public void Start(MonitorSettings settings, ServiceContext context)
    {
        lock (_sync)
        {
            _context = context;
            _settings = settings;
            _repeats ??= new RepeatFilter(context.Time, TimeSpan.FromMinutes(10));
            _tunnel ??= new TunnelPeers(sample, context.Time);
            _checks ??= new CheckRunner(checkExecutor ?? new CheckExecutor(context.Time), _tunnel, context.Time);
            RunChecks(settings);
            IAlertLedger? ledger = _wiring.Ledger is IAlertLedger kept ? new SturdyLedger(kept, SayStoreFailed) : null;
            _alerting ??= new Alerting(settings.Monitor.Alerts, settings.Interface, _wiring.GatewayName, ledger, Notify);
            if (_wiring.Outbox is IOutbox outbox && _notify is null)
            {
                _notify = new NotifyDispatcher(settings.Monitor.Notifiers, new SturdyOutbox(outbox, SayStoreFailed), context.Time, context.Logger);
                _notify.Start();
            }
            Round();
            _timer = context.Time.CreateTimer(_ => Tick(), null, settings.Monitor.Interval, settings.Monitor.Interval);
        }
    }

    public void Reload(MonitorSettings settings)
    {
        lock (_sync)
        {
            TimeSpan before = _settings!.Monitor.Interval;
            _settings = settings;
            if (settings.Monitor.Interval != before)
            {
                _ = _timer?.Change(settings.Monitor.Interval, settings.Monitor.Interval);
            }

            RunChecks(settings);
            _alerting?.Reload(settings.Monitor.Alerts);
            _notify?.Reload(settings.Monitor.Notifiers);
            Round();
        }
    }

    public void Stop()
    {
        lock (_sync)
        {
            _timer?.Dispose();
            _timer = null;
            _checks?.Stop();
            _notify?.Dispose();
            _notify = null;
            FlushHistory();
            if (_settings is not null)
            {
                _board.Withdraw(_settings.Interface);
            }
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            _notify?.Dispose();
            _notify = null;
        }
    }

    private void Tick()
    {
        lock (_sync)
        {
            if (_timer is null)
            {
                return;
            }

            try
            {
                Round();
            }
            catch (Exception e)
            {
                _context!.Fault(e);
            }
        }
    }

    /// <summary>One look at every peer. Called with the lock held.</summary>
    private void Round()
    {
        MonitorSettings settings = _settings!;
        if (!settings.Monitor.Enabled)
        {
            _trackers.Clear();
            _board.Withdraw(settings.Interface);
            return;
        }

        DateTimeOffset now = _context!.Time.GetUtcNow();
        DeviceStatus? device = sample();
        Dictionary<string, PeerStatus> live = device?.Peers.ToDictionary(p => p.PublicKey, StringComparer.Ordinal) ?? [];
        IReadOnlyList<PeerConfig> watched = settings.Peers ?? Foreign(device);
        var peers = new List<MonitoredPeer>(watched.Count);
        var signals = new List<PeerSignal>(watched.Count);
        List<PeerRound>? rounds = _history is null ? null : new(watched.Count);
        IReadOnlyDictionary<string, DateTimeOffset>? known = null;
        foreach (PeerConfig peer in watched)
        {
            _ = live.TryGetValue(peer.PublicKey, out PeerStatus? status);
            if (!_trackers.TryGetValue(peer.PublicKey, out PeerTracker? tracker))
            {
                // A restarted daemon's engine has seen no handshake yet: the one the gateway recorded before is still
                // the latest, or an idle peer without keepalive would read as never seen, and an expected one as down.
                tracker = new PeerTracker();
                known ??= knownHandshakes?.Invoke() ?? new Dictionary<string, DateTimeOffset>();
                if (known.TryGetValue(peer.PublicKey, out DateTimeOffset saved))
                {
                    tracker.Remember(saved);
                }

                _trackers[peer.PublicKey] = tracker;
            }

            PeerState? before = tracker.Health?.State;
            var expectation = new PeerExpectation(peer.IsActive(now), TimeSpan.FromSeconds(peer.Keepalive), peer.Expected);
            PeerHealth health = tracker.Observe(
                new PeerSample(now, status?.LatestHandshake, status?.RxBytes ?? 0, status?.TxBytes ?? 0, status?.Endpoint),
                expectation);
            if (before is PeerState previous && previous != health.State)
            {
                string from = Text(previous);
                string to = Text(health.State);
                if (health.State is PeerState.Stale or PeerState.Down)
                {
                    LogWorse(_context.Logger, peer.Name, from, to, health.Why);
                }
                else
                {
                    LogChanged(_context.Logger, peer.Name, from, to, health.Why);
                }
            }

            signals.Add(new PeerSignal(peer.Name, peer.PublicKey, peer.Expected, peer.Keepalive > 0, health.State, health.Why,
                status?.RxBytes ?? 0, status?.TxBytes ?? 0, status?.Endpoint));
            rounds?.Add(HistoryRound(peer, status, health, tracker));
            peers.Add(new MonitoredPeer
            {
                Name = peer.Name,
                PublicKey = peer.PublicKey,
                Expected = peer.Expected,
                State = Text(health.State),
                Why = health.Why,
                Since = health.Since,
                LatestHandshake = status?.LatestHandshake,
                Endpoint = status?.Endpoint,
                Sessions = tracker.Sessions,
                SessionsStarted = tracker.SessionsStarted,
            });
        }

        // A peer removed from holt.toml (or from a foreign interface) takes its history with it.
        var configured = watched.Select(p => p.PublicKey).ToHashSet(StringComparer.Ordinal);
        foreach (string key in _trackers.Keys.Where(k => !configured.Contains(k)).ToList())
        {
            _ = _trackers.Remove(key);
        }

        RecordHistory(settings.Interface, now, rounds);
        HostView? hostView = host?.Sample();
        LinkView link = _link.Observe(device is not null, host?.InterfaceBytes(settings.Interface), now);
        DaemonView? daemonView = daemon?.Invoke();
        IReadOnlyList<(CheckConfig Check, CheckResult? Result)> checks = _checks?.Latest() ?? [];
        IReadOnlyList<ActiveAlert> active = _alerting!.Evaluate(new AlertInputs
        {
            InterfaceUp = device is not null,
            Peers = signals,
            Checks = [.. checks.Where(c => c.Result is not null && !c.Check.IsProbe)
                .Select(c => new CheckSignal(c.Check.Name, c.Result!.Ok, c.Result.Error ?? c.Result.Summary(), c.Result.Peer, c.Result.PeerHandshaking))],
            Probes = [.. checks.Where(c => c.Result is not null && c.Check.IsProbe)
                .Select(c => new ProbeSignal(c.Check.Name, c.Check.Target, c.Result!.Ok, c.Result.Summary()))],
            Host = hostView,
            Gateway = _wiring.Gateway?.Invoke(),
            Daemon = daemonView,
        }, now);
        _notify?.Refresh(_alerting.Firing);

        // Each peer shows its own down alert's phase.
        var downPhases = active.Where(a => a.Rule == "peer_down").ToDictionary(a => a.Key, a => a.Phase, StringComparer.Ordinal);
        var seen = new MonitorStatus
        {
            Interface = settings.Interface, SampledAt = now, Interval = settings.Monitor.Interval, Host = hostView,
            Peers = [.. peers.Select(p => downPhases.TryGetValue("peer_down:" + p.PublicKey, out string? phase) ? p with { Alert = phase } : p)],
            Checks = [.. checks.Select(c => CheckView.Of(c.Check, c.Result))],
            Alerts = active,
            Link = link,
            Daemon = daemonView,
        };
        try
        {
            _board.Publish(seen);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string problem = $"cannot write {MonitorStatus.PathFor(settings.Interface)}: {e.Message}";
            if (_repeats!.ShouldSay(problem))
            {
                LogWriteFailed(_context.Logger, problem);
            }
        }
    }

    /// <summary>The checks of <paramref name="settings"/>, run while the monitor is on, with the peers they may sit behind.</summary>
    private void RunChecks(MonitorSettings settings)
    {
        _tunnel!.Update(settings.Peers);
        _checks!.Reload(settings.Monitor.Enabled ? settings.Monitor.Checks : []);
    }

    /// <summary>An alert fired or resolved: said in the log, and handed to the notifiers.</summary>
    private void Notify(AlertMessage message)
    {
        if (message.Resolved)
        {
            LogAlertResolved(_context!.Logger, message.Summary, message.Description);
        }
        else
        {
            LogAlertFiring(_context!.Logger, message.Summary, message.Description);
        }

        _notify?.Enqueue(message);
        _wiring.Send?.Invoke(message);
    }

    /// <summary>
    /// The peers of an interface that is not Holt's, as they are on it: named by their key's first characters, and
    /// held to the keepalive this side sends them (the handshakes follow this side's packets).
    /// </summary>
    private static List<PeerConfig> Foreign(DeviceStatus? device) =>
        device?.Peers.Select(p => new PeerConfig
        {
            Name = p.PublicKey[..8],
            PublicKey = p.PublicKey,
            Address = System.Net.IPAddress.None,
            Keepalive = p.PersistentKeepalive,
        }).ToList() ?? [];

    internal static string Text(PeerState state) => state.ToString().ToLower(CultureInfo.InvariantCulture);

    private static string Text(AlertPhase phase) => phase.ToString().ToLower(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Error, Message = "monitor: alert firing: {Summary}: {Why}")]
    private static partial void LogAlertFiring(ILogger logger, string summary, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "monitor: alert resolved: {Summary}; now: {Why}")]
    private static partial void LogAlertResolved(ILogger logger, string summary, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "monitor: peer {Name} went from {Before} to {After}: {Why}")]
    private static partial void LogWorse(ILogger logger, string name, string before, string after, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "monitor: peer {Name} went from {Before} to {After}: {Why}")]
    private static partial void LogChanged(ILogger logger, string name, string before, string after, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "monitor: {Problem}")]
    private static partial void LogWriteFailed(ILogger logger, string problem);
}
