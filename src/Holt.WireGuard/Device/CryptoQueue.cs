using System.Collections.Concurrent;

namespace Holt.WireGuard.Device;

/// <summary>
/// The queue of batches waiting to be encrypted or decrypted, shared by the crypto threads so that whichever is
/// free takes the next batch. Threads block synchronously: unlike an async channel with several readers, this
/// allocates nothing when a worker goes idle, which at light load happens once per packet.
/// </summary>
/// <remarks>
/// An idle worker sleeps at once, without spinning first as SemaphoreSlim does. Spinning buys a little latency
/// when the CPU is free, but a daemon in a session or cgroup of its own gets only its share of the CPU, and every
/// spin is taken from the packets themselves. A producer wakes a sleeper only if there is one, so a busy queue
/// costs no system call.
/// </remarks>
internal sealed class CryptoQueue
{
    private readonly ConcurrentQueue<PacketBatch> _batches = new();
    // A plain object, not a Lock: Monitor.Wait and Pulse need the monitor.
    private readonly object _sync = new();
    private int _sleepers;
    private volatile bool _completed;

    public void Enqueue(PacketBatch batch)
    {
        // Enqueue is a full fence, so either a sleeper counted itself before this read, or it will see the batch
        // when it checks the queue under the lock before sleeping.
        _batches.Enqueue(batch);
        if (Volatile.Read(ref _sleepers) > 0)
        {
            lock (_sync)
            {
                Monitor.Pulse(_sync);
            }
        }
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

            lock (_sync)
            {
                Interlocked.Increment(ref _sleepers);
                try
                {
                    if (_batches.IsEmpty && !_completed)
                    {
                        Monitor.Wait(_sync);
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref _sleepers);
                }
            }
        }
    }

    /// <summary>Wakes every waiting thread; they drain what is left and stop.</summary>
    public void Complete()
    {
        _completed = true;
        lock (_sync)
        {
            Monitor.PulseAll(_sync);
        }
    }
}
