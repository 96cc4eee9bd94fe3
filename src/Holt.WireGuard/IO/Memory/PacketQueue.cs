using System.Buffers;
using System.Runtime.InteropServices;

namespace Holt.WireGuard.IO.Memory;

/// <summary>What happened to a packet offered to a <see cref="PacketQueue"/>.</summary>
internal enum EnqueueResult
{
    Queued,
    Full,
    Closed,
}

/// <summary>
/// A bounded queue of packet copies with blocking batch reads: the receive side of the in-memory TUN and of each
/// in-memory socket. Copies live in buffers rented from a pool shared by the owner, so a queue that is drained as
/// fast as it is filled allocates nothing. Copying happens outside the lock, which only guards the queue itself.
/// </summary>
internal sealed class PacketQueue
{
    private readonly object _gate = new();
    private readonly Queue<Entry> _entries;
    private readonly ArrayPool<byte> _pool;
    private readonly int _capacity;

    // Counted so producers and consumers only pulse the monitor when someone is actually waiting on it.
    private int _waitingReaders;
    private int _waitingWriters;
    private bool _closed;

    public PacketQueue(int capacity, ArrayPool<byte> pool)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
        _pool = pool;
        _entries = new Queue<Entry>(Math.Min(capacity, 1024));
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public bool IsClosed => Volatile.Read(ref _closed);

    /// <summary>
    /// Queues a copy of <paramref name="packet"/>. When the queue is full it either waits for room
    /// (<paramref name="waitForRoom"/>, back-pressure for a producer that must not lose packets) or gives up.
    /// </summary>
    public EnqueueResult Enqueue(ReadOnlySpan<byte> packet, Endpoint source, bool waitForRoom)
    {
        if (IsClosed)
        {
            return EnqueueResult.Closed;
        }

        byte[] copy = _pool.Rent(packet.Length);
        packet.CopyTo(copy);

        lock (_gate)
        {
            while (!_closed && _entries.Count >= _capacity && waitForRoom)
            {
                _waitingWriters++;
                Monitor.Wait(_gate);
                _waitingWriters--;
            }

            EnqueueResult result = _closed ? EnqueueResult.Closed
                : _entries.Count >= _capacity ? EnqueueResult.Full
                : EnqueueResult.Queued;
            if (result == EnqueueResult.Queued)
            {
                _entries.Enqueue(new Entry(copy, packet.Length, source));
                if (_waitingReaders > 0)
                {
                    Monitor.PulseAll(_gate);
                }

                return result;
            }

            _pool.Return(copy);
            return result;
        }
    }

    /// <summary>
    /// Blocks until at least one packet is queued, then copies up to <c>buffers.Length</c> of them into
    /// <c>buffers[i][offset..]</c>. Packets that do not fit their buffer are dropped and reported in
    /// <paramref name="oversized"/>. Returns 0 only once the queue is closed.
    /// </summary>
    public int Dequeue(ReadOnlySpan<byte[]> buffers, Span<int> sizes, Span<Endpoint> sources, int offset, out int oversized)
    {
        oversized = 0;
        if (buffers.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            int count = 0;
            while (count < buffers.Length)
            {
                Entry entry;
                lock (_gate)
                {
                    // Wait only for the first packet of a batch; after that, take what is there and go.
                    while (count == 0 && !_closed && _entries.Count == 0)
                    {
                        _waitingReaders++;
                        Monitor.Wait(_gate);
                        _waitingReaders--;
                    }

                    if (_closed)
                    {
                        return 0;
                    }

                    if (!_entries.TryDequeue(out entry))
                    {
                        break;
                    }

                    if (_waitingWriters > 0)
                    {
                        Monitor.PulseAll(_gate);
                    }
                }

                byte[] destination = buffers[count];
                if (entry.Length > destination.Length - offset)
                {
                    oversized++;
                }
                else
                {
                    entry.Buffer.AsSpan(0, entry.Length).CopyTo(destination.AsSpan(offset));
                    sizes[count] = entry.Length;
                    if (!sources.IsEmpty)
                    {
                        sources[count] = entry.Source;
                    }

                    count++;
                }

                _pool.Return(entry.Buffer);
            }

            // Zero would mean "closed" to the caller, so a batch made only of oversize drops waits for more.
            if (count > 0)
            {
                return count;
            }
        }
    }

    /// <summary>Wakes every blocked reader and writer, discards what is queued, and refuses anything further.</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            Volatile.Write(ref _closed, true);
            while (_entries.TryDequeue(out Entry entry))
            {
                _pool.Return(entry.Buffer);
            }

            Monitor.PulseAll(_gate);
        }
    }

    [StructLayout(LayoutKind.Auto)]
    private readonly record struct Entry(byte[] Buffer, int Length, Endpoint Source);
}
