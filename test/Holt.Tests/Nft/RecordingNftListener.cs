using System.Diagnostics;
using Holt.Nft;

namespace Holt.Tests.Nft;

/// <summary>Keeps what a monitor or builder reports; safe to read from the test's thread while the monitor adds.</summary>
internal sealed class RecordingNftListener : INftListener
{
    private readonly List<NftTransaction> _transactions = [];
    private readonly Dictionary<NftTransaction, long> _arrivals = [];
    private int _lost;

    public int Lost => Volatile.Read(ref _lost);

    public IReadOnlyList<NftTransaction> Transactions
    {
        get
        {
            lock (_transactions)
            {
                return [.. _transactions];
            }
        }
    }

    /// <summary>When the transaction was reported, as a <see cref="Stopwatch"/> timestamp.</summary>
    public long ArrivalOf(NftTransaction transaction)
    {
        lock (_transactions)
        {
            return _arrivals[transaction];
        }
    }

    public void OnTransaction(NftTransaction transaction)
    {
        long now = Stopwatch.GetTimestamp();
        lock (_transactions)
        {
            _transactions.Add(transaction);
            _arrivals[transaction] = now;
        }
    }

    public void OnLost() => Interlocked.Increment(ref _lost);
}
