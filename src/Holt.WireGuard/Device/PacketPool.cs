using System.Collections.Concurrent;

namespace Holt.WireGuard.Device;

/// <summary>
/// Pools of packet elements and batches, so the steady-state packet path allocates nothing. The element pool is
/// bounded: when every element is in flight, readers wait for one to come back, which pushes back on the TUN and
/// UDP readers instead of growing memory without limit. Elements are made on demand and, through
/// <see cref="Trim"/>, let go again when a burst is over, so an idle device holds only what its readers hold.
/// </summary>
internal sealed class PacketPool : IDisposable
{
    private readonly ConcurrentQueue<PacketElement> _elements = new();
    private readonly ConcurrentQueue<PacketBatch> _batches = new();
    private readonly SemaphoreSlim _available;
    private readonly int _batchCapacity;
    private readonly int _maxElements;
    private int _live;
    private int _fewestFree;

    public PacketPool(int maxElements, int batchCapacity)
    {
        _available = new SemaphoreSlim(maxElements, maxElements);
        _maxElements = maxElements;
        _batchCapacity = batchCapacity;
    }

    /// <summary>Takes an element, waiting while all are in flight. Null if <paramref name="cancellation"/> fires.</summary>
    public PacketElement? Rent(CancellationToken cancellation)
    {
        try
        {
            _available.Wait(cancellation);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        return Take();
    }

    /// <summary>Takes an element only if one is free at once (for timers, which must not block).</summary>
    public PacketElement? TryRent()
    {
        if (!_available.Wait(0))
        {
            return null;
        }

        return Take();
    }

    public void Return(PacketElement element)
    {
        element.Ok = false;
        _elements.Enqueue(element);
        _available.Release();
    }

    /// <summary>Elements that exist: in flight, held by readers, or free in the pool.</summary>
    public int Live => Volatile.Read(ref _live);

    /// <summary>
    /// Free elements in the pool: those that exist less those in flight (the permits taken). Derived rather than
    /// counted, so the packet path pays no extra atomic operation; while an element is between its permit and the
    /// queue it reads as in flight, which only makes a trim keep a little more.
    /// </summary>
    public int Free => Math.Max(0, Volatile.Read(ref _live) - (_maxElements - _available.CurrentCount));

    /// <summary>
    /// Lets go of the free elements that no one needed since the last call: as many as the fewest that were free
    /// at any moment in between. Called every few seconds, it keeps what the traffic uses and returns a burst's
    /// surplus to the garbage collector. Returns how many elements were let go.
    /// </summary>
    public int Trim()
    {
        int surplus = Math.Min(Volatile.Read(ref _fewestFree), Free);
        int released = 0;
        while (released < surplus && _elements.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _live);
            released++;
        }

        Volatile.Write(ref _fewestFree, Free);
        return released;
    }

    private PacketElement Take()
    {
        if (!_elements.TryDequeue(out PacketElement? element))
        {
            Interlocked.Increment(ref _live);
            return new PacketElement();
        }

        // The low-water mark may miss a concurrent update; an element trimmed too early is only made again.
        int free = Free;
        if (free < Volatile.Read(ref _fewestFree))
        {
            Volatile.Write(ref _fewestFree, free);
        }

        return element;
    }

    public PacketBatch RentBatch() => _batches.TryDequeue(out PacketBatch? batch) ? batch : new PacketBatch(_batchCapacity);

    /// <summary>Returns the batch and every element still in it.</summary>
    public void ReturnBatch(PacketBatch batch)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            Return(batch.Elements[i]);
        }

        batch.Reset();
        _batches.Enqueue(batch);
    }

    public void Dispose() => _available.Dispose();
}
