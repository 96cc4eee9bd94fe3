using Microsoft.Extensions.Logging;

namespace Holt.Nft;

/// <summary>
/// One round of a keeper: compare the table with what it should be and, when it must be repaired, ask
/// <paramref name="mayRepair"/> first (false: too many repairs lately; the keeper comes back when it is allowed).
/// </summary>
internal delegate void KeeperRound(DateTimeOffset now, Func<bool> mayRepair);

/// <summary>
/// Keeps some of Holt's tables in place for a service: a round runs at once, again 100 ms after nftables announces
/// a change of one of them (a burst of changes makes one round), and every backstop interval (30 s; 1 s where
/// nftables' notifications cannot be had). Repairs are rate-limited (<see cref="RepairBudget"/>): a refused one is
/// retried when the budget allows. An operator's error in a round (nft refused) is logged and the next round tries
/// again; any other exception is a fault of the service, handed to the caller.
/// </summary>
internal sealed partial class TableKeeper : IDisposable
{
    /// <summary>How often the tables are compared although no change was announced.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(30);

    /// <summary>How often they are compared where nftables' notifications cannot be had.</summary>
    public static readonly TimeSpan UnwatchedInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long after an announced change the round runs.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);

    private readonly Lock _sync = new();
    private readonly RepairBudget _budget = new();
    private readonly string _service;
    private readonly KeeperRound _round;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<Exception> _fault;
    private readonly TableWatch? _watch;
    private readonly TimeSpan _interval;
    private ITimer? _timer;

    /// <param name="service">The service's name, for the log ("firewall", "guard").</param>
    /// <param name="tables">The inet tables to follow.</param>
    /// <param name="round">The comparison and repair.</param>
    /// <param name="time">The clock of the rounds.</param>
    /// <param name="logger">The daemon's log.</param>
    /// <param name="fault">Where a defect in a round goes (the host restarts the service).</param>
    /// <param name="ignore">Transactions on the tables that need no round (the service's own routine changes), or null.</param>
    public TableKeeper(
        string service, IReadOnlyList<string> tables, KeeperRound round, TimeProvider time, ILogger logger, Action<Exception> fault, Func<NftTransaction, bool>? ignore = null)
    {
        _service = service;
        _round = round;
        _time = time;
        _logger = logger;
        _fault = fault;

        // Watched before the first round, so no change made meanwhile goes unnoticed.
        _watch = TableWatch.TryStart(tables, RunSoon, logger, ignore);
        _interval = _watch is null ? UnwatchedInterval : CheckInterval;
        _timer = time.CreateTimer(_ => Round(), null, TimeSpan.Zero, _interval);
    }

    public void Dispose()
    {
        _watch?.Dispose();
        lock (_sync)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void RunSoon()
    {
        try
        {
            _ = _timer?.Change(Settle, _interval);
        }
        catch (ObjectDisposedException)
        {
            // The keeper is being disposed.
        }
    }

    private void Round()
    {
        lock (_sync)
        {
            if (_timer is null)
            {
                return;
            }

            DateTimeOffset now = _time.GetUtcNow();
            try
            {
                _round(now, () => MayRepair(now));
            }
            catch (CommandException e)
            {
                LogFailed(_logger, _service, e.Message);
            }
            catch (Exception e)
            {
                _fault(e);
            }
        }
    }

    private bool MayRepair(DateTimeOffset now)
    {
        if (_budget.TryTake(now))
        {
            return true;
        }

        // Too many repairs lately: the next one when the budget allows, not at the next backstop round.
        _ = _timer?.Change(_budget.Wait(now) + Settle, _interval);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Service}: cannot restore the table: {Problem}; trying again")]
    private static partial void LogFailed(ILogger logger, string service, string problem);
}
