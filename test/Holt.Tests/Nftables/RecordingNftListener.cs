using Holt.Nftables;

namespace Holt.Tests.Nftables;

/// <summary>Keeps what a monitor or builder reports; safe to read from the test's thread while the monitor adds.</summary>
internal sealed class RecordingNftListener : INftListener
{
    private readonly List<NftTransaction> _transactions = [];
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

    public void OnTransaction(NftTransaction transaction)
    {
        lock (_transactions)
        {
            _transactions.Add(transaction);
        }
    }

    public void OnLost() => Interlocked.Increment(ref _lost);
}
