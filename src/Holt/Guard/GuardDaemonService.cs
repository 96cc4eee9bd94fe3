using Holt.Config;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Nft;
using Microsoft.Extensions.Logging;

namespace Holt.Guard;

/// <summary>What the guard runs with: its section of holt.toml, and the gateway it protects (null without one).</summary>
internal sealed record GuardSettings(GuardConfig Guard, GatewayConfig? Gateway)
{
    public static GuardSettings Of(HoltConfig? config) => new(config?.Guard ?? GuardConfig.Default, config?.Find<GatewayConfig>());

    /// <summary>What a restart of the guard depends on: its section's text and the subnets it never bans.</summary>
    public string Key => GuardSection.Text(Guard) + string.Join(",", Gateway?.VpnSubnets ?? []) + Gateway?.Interface;
}

/// <summary>
/// The guard as a service of the daemon (<c>holt up</c>) or alone (<c>holt guard run</c>): started when [guard]
/// enables it, restarted when the section changes (its read positions and bans are kept in the store), and keeping
/// its table in place. When <c>inet holt_guard</c> is removed or tampered with, the service recreates it and puts
/// every active ban back with the time it has left; repairs are logged, counted and rate-limited.
/// </summary>
/// <param name="standBy">
/// Whether to stand by when another guard of this state directory runs (a second gateway daemon), rather than fail
/// (<c>holt guard run</c>, where a second guard is a mistake to report).
/// </param>
internal sealed partial class GuardDaemonService(bool standBy = true) : IDaemonService<GuardSettings>, IDisposable
{
    private static readonly TimeSpan s_standbyInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _sync = new();
    private RunningGuard? _guard;
    private ServiceContext? _context;
    private GuardSettings? _settings;
    private TableKeeper? _keeper;
    private ITimer? _standby;
    private bool _started;

    public string Name => "guard";

    /// <summary>The ban table's repairs since this guard's daemon started, beside the ban store (one guard per state directory).</summary>
    public static string RepairsPath => Path.Combine(StateStore.StateDirectory(), "guard.repairs");

    public void Start(GuardSettings settings, ServiceContext context)
    {
        lock (_sync)
        {
            _context = context;
            _settings = settings;
            if (!settings.Guard.Enabled)
            {
                LogOff(context.Logger);
                return;
            }

            if (TryRun())
            {
                return;
            }

            if (!standBy)
            {
                throw new CommandException($"the guard already runs (in a gateway daemon, or another holt guard run) for {StateStore.StateDirectory()}");
            }

            // One guard per state directory: another daemon's (a second gateway sharing /var/lib/holt) guards this
            // machine. This one stands by, and takes over when that one stops.
            LogStandby(context.Logger);
            _standby = context.Time.CreateTimer(_ => TakeOver(), null, s_standbyInterval, s_standbyInterval);
        }
    }

    public void Reload(GuardSettings settings)
    {
        if (settings.Key == _settings?.Key)
        {
            return;
        }

        // The guard starts over with the new section; its read positions and bans are in the store.
        Stop();
        Start(settings, _context!);
        LogRestarted(_context!.Logger);
    }

    /// <summary>Stopping is all there is to release (the host stops a service before it goes).</summary>
    public void Dispose() => Stop();

    public void Stop()
    {
        TableKeeper? keeper;
        lock (_sync)
        {
            keeper = _keeper;
            _keeper = null;
            _standby?.Dispose();
            _standby = null;
        }

        keeper?.Dispose();
        lock (_sync)
        {
            _guard?.Dispose();
            _guard = null;
        }
    }

    /// <summary>Starts the guard when its lock is free; false when another guard of this state directory runs.</summary>
    private bool TryRun()
    {
        var ignore = IgnorePolicy.For(_settings!.Gateway, _settings.Guard.IgnoreIp, _context!.Time);
        _guard = GuardRunner.TryStart(_settings.Guard, ignore, _context.Logger, _context.Time, _context.Fault);
        if (_guard is null)
        {
            return false;
        }

        if (!_started)
        {
            // The count is this daemon's: a restart of the service after a fault keeps it.
            RepairLog.Clear(RepairsPath);
            _started = true;
        }

        // The guard's own bans change the table all the time in a flood; they need no round.
        _keeper = new TableKeeper(Name, [BanTable.Table], Round, _context.Time, _context.Logger, _context.Fault, BanTable.IsOwnBans);
        return true;
    }

    private void TakeOver()
    {
        lock (_sync)
        {
            if (_standby is null || _guard is not null)
            {
                return;
            }

            try
            {
                if (TryRun())
                {
                    _standby.Dispose();
                    _standby = null;
                    LogTookOver(_context!.Logger);
                }
            }
            catch (Exception e)
            {
                _context!.Fault(e);
            }
        }
    }

    /// <summary>Recreates the ban table when someone removed or changed it, and has the store's bans put back.</summary>
    private void Round(DateTimeOffset now, Func<bool> mayRepair)
    {
        RunningGuard? guard;
        lock (_sync)
        {
            guard = _guard;
        }

        if (guard is null)
        {
            return;
        }

        if (!BanTable.IsIntact())
        {
            if (!mayRepair())
            {
                return;
            }

            BanTable.Recreate();
            RepairLog.Record(RepairsPath, now, $"table inet {BanTable.Table} was removed or changed");
            LogRepaired(_context!.Logger, BanTable.Table);
        }

        // Whoever recreated the table (this guard, or another sharing it), the store's bans go back in.
        guard.Service.RequestBanRestore();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "guard: off ([guard] enabled = false)")]
    private static partial void LogOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "guard: another daemon runs the guard of this state directory; this one stands by and takes over when it stops")]
    private static partial void LogStandby(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "guard: took over from the daemon that ran it")]
    private static partial void LogTookOver(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "guard: restarted with the new [guard]")]
    private static partial void LogRestarted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "guard: table inet {Table} was removed or changed; recreated it and put the bans back")]
    private static partial void LogRepaired(ILogger logger, string table);
}
