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
internal sealed partial class GuardDaemonService(bool standBy = true) : IDaemonService<GuardSettings>
{
    /// <summary>How often the ban table is checked although no change was announced (changes are announced).</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(30);

    /// <summary>How often it is checked where nftables' notifications cannot be had.</summary>
    public static readonly TimeSpan UnwatchedInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long after an announced change the table is compared (a flood of bans makes one comparison).</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);

    private readonly Lock _sync = new();
    private readonly RepairBudget _budget = new();
    private RunningGuard? _guard;
    private ServiceContext? _context;
    private GuardSettings? _settings;
    private ITimer? _timer;
    private TableWatch? _watch;
    private TimeSpan _interval = UnwatchedInterval;
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

            _timer = context.Time.CreateTimer(_ => Check(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (!TryRun())
            {
                if (!standBy)
                {
                    _timer.Dispose();
                    _timer = null;
                    throw new CommandException($"the guard already runs (in a gateway daemon, or another holt guard run) for {StateStore.StateDirectory()}");
                }

                // One guard per state directory: another daemon's (a second gateway sharing /var/lib/holt) guards
                // this machine. This one stands by, and takes over when that one stops.
                LogStandby(context.Logger);
                _ = _timer.Change(s_standbyInterval, s_standbyInterval);
            }
        }
    }

    private static readonly TimeSpan s_standbyInterval = TimeSpan.FromSeconds(10);

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

        _watch = TableWatch.TryStart([BanTable.Table], CheckSoon, _context.Logger);
        _interval = _watch is null ? UnwatchedInterval : CheckInterval;
        _ = _timer!.Change(TimeSpan.Zero, _interval);
        return true;
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

    public void Stop()
    {
        _watch?.Dispose();
        lock (_sync)
        {
            _watch = null;
            _timer?.Dispose();
            _timer = null;
            _guard?.Dispose();
            _guard = null;
        }
    }

    /// <summary>nftables announced a change of the ban table (a ban, or the table gone): compare shortly.</summary>
    private void CheckSoon()
    {
        try
        {
            _ = _timer?.Change(Settle, _interval);
        }
        catch (ObjectDisposedException)
        {
            // The service is stopping.
        }
    }

    /// <summary>Recreates the ban table and puts the bans back when someone removed or changed it.</summary>
    internal void Check()
    {
        lock (_sync)
        {
            if (_context is null || _settings is null || _timer is null)
            {
                return;
            }

            try
            {
                if (_guard is null)
                {
                    if (TryRun())
                    {
                        LogTookOver(_context.Logger);
                    }

                    return;
                }

                if (!BanTable.IsIntact())
                {
                    DateTimeOffset now = _context.Time.GetUtcNow();
                    if (!_budget.TryTake(now))
                    {
                        // Too many repairs lately: the next one when the budget allows, not at the next backstop round.
                        _ = _timer?.Change(_budget.Wait(now) + Settle, _interval);
                        return;
                    }

                    BanTable.Recreate();
                    RepairLog.Record(RepairsPath, now, $"table inet {BanTable.Table} was removed or changed");
                    LogRepaired(_context.Logger, BanTable.Table);
                }

                // Whoever recreated the table (this guard, or another sharing it), the store's bans go back in.
                _guard.Service.RequestBanRestore();
            }
            catch (CommandException e)
            {
                LogRepairFailed(_context.Logger, e.Message);
            }
            catch (Exception e)
            {
                _context.Fault(e);
            }
        }
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

    [LoggerMessage(Level = LogLevel.Error, Message = "guard: cannot restore the ban table: {Problem}; trying again")]
    private static partial void LogRepairFailed(ILogger logger, string problem);
}
