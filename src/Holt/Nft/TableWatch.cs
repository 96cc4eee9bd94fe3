using Microsoft.Extensions.Logging;

namespace Holt.Nft;

/// <summary>
/// Calls back as soon as anyone changes one of Holt's tables (a rule, a set, the table itself, all of it at once
/// with <c>nft flush ruleset</c>), or when notifications were lost and anything may have changed. The callback runs
/// on the monitor's thread: it should only schedule the comparison that decides whether to repair.
/// </summary>
internal sealed class TableWatch : INftListener, IDisposable
{
    private readonly NftMonitor _monitor;
    private readonly HashSet<string> _tables;
    private readonly Action _changed;
    private readonly Func<NftTransaction, bool>? _ignore;

    private TableWatch(NftMonitor monitor, IEnumerable<string> tables, Action changed, Func<NftTransaction, bool>? ignore)
    {
        _monitor = monitor;
        _tables = new HashSet<string>(tables, StringComparer.Ordinal);
        _changed = changed;
        _ignore = ignore;
    }

    /// <summary>
    /// Follows the inet tables <paramref name="tables"/> in this thread's network namespace; null, having said why,
    /// when nftables' notifications cannot be had (the caller then checks on a timer alone).
    /// </summary>
    /// <param name="tables">The inet tables to follow.</param>
    /// <param name="changed">Called when one of them changed.</param>
    /// <param name="logger">Where a failure to follow them is said.</param>
    /// <param name="ignore">Transactions that need no callback (the service's own routine changes), or null.</param>
    public static TableWatch? TryStart(IEnumerable<string> tables, Action changed, ILogger logger, Func<NftTransaction, bool>? ignore = null)
    {
        NftMonitor monitor;
        try
        {
            monitor = NftMonitor.Open(logger);
        }
        catch (Exception e) when (e is CommandException or Interop.ErrnoException or IOException)
        {
            logger.NotificationsStopped(e.Message);
            return null;
        }

        var watch = new TableWatch(monitor, tables, changed, ignore);
        monitor.Start(watch);
        return watch;
    }

    public void OnTransaction(NftTransaction transaction)
    {
        if (transaction.Tables.Any(t => t.Family is NftFamily.Inet && _tables.Contains(t.Table)) && _ignore?.Invoke(transaction) != true)
        {
            _changed();
        }
    }

    public void OnLost() => _changed();

    public void Dispose() => _monitor.Dispose();
}
