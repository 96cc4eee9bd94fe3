using System.Collections.Concurrent;

namespace Holt.WireGuard.Device;

/// <summary>
/// The queue of batches waiting to be encrypted or decrypted, shared by the crypto threads so that whichever is
/// free takes the next batch. Threads block synchronously: unlike an async channel with several readers, this
/// allocates nothing when a worker goes idle, which at light load happens once per packet.
/// </summary>
internal sealed class CryptoQueue : IDisposable
{
    private readonly ConcurrentQueue<PacketBatch> _batches = new();
    private readonly SemaphoreSlim _ready = new(0);
    private volatile bool _completed;

    public void Enqueue(PacketBatch batch)
    {
        _batches.Enqueue(batch);
        _ready.Release();
    }

    /// <summary>Waits for a batch; false once the queue is completed and empty.</summary>
    public bool TryTake(out PacketBatch batch)
    {
        while (true)
        {
            if (_batches.TryDequeue(out batch!))
            {
                return true;
            }

            if (_completed)
            {
                return false;
            }

            _ready.Wait();
        }
    }

    /// <summary>Wakes every waiting thread; they drain what is left and stop.</summary>
    public void Complete(int waiters)
    {
        _completed = true;
        _ready.Release(Math.Max(1, waiters));
    }

    public void Dispose() => _ready.Dispose();
}
