using System.Collections.Concurrent;

namespace Holt.WireGuard.Device;

/// <summary>
/// Pools of packet elements and batches, so the steady-state packet path allocates nothing. The element pool is
/// bounded: when every element is in flight, readers wait for one to come back, which pushes back on the TUN and
/// UDP readers instead of growing memory without limit.
/// </summary>
internal sealed class PacketPool : IDisposable
{
    private readonly ConcurrentQueue<PacketElement> _elements = new();
    private readonly ConcurrentQueue<PacketBatch> _batches = new();
    private readonly SemaphoreSlim _available;
    private readonly int _batchCapacity;

    public PacketPool(int maxElements, int batchCapacity)
    {
        _available = new SemaphoreSlim(maxElements, maxElements);
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

        return _elements.TryDequeue(out PacketElement? element) ? element : new PacketElement();
    }

    /// <summary>Takes an element only if one is free at once (for timers, which must not block).</summary>
    public PacketElement? TryRent()
    {
        if (!_available.Wait(0))
        {
            return null;
        }

        return _elements.TryDequeue(out PacketElement? element) ? element : new PacketElement();
    }

    public void Return(PacketElement element)
    {
        element.Ok = false;
        _elements.Enqueue(element);
        _available.Release();
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
