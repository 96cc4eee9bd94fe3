using System.Buffers;
using System.Collections.Concurrent;

namespace Holt.WireGuard.IO.Memory;

/// <summary>
/// An in-memory TUN device. The engine sees an ordinary <see cref="IPacketDevice"/>; the test plays the operating
/// system through <see cref="Inject"/> (a packet routed into the tunnel) and <see cref="TryTake"/>,
/// <see cref="Take"/> and <see cref="TakeAsync"/> (packets the engine delivered out of it).
/// </summary>
public sealed class MemoryPacketDevice : IPacketDevice
{
    private const int DefaultCapacity = 4096;

    private readonly PacketQueue _inbound;
    private readonly ConcurrentQueue<byte[]> _written = new();

    // One release per queued written packet, so takers can block or await without polling.
    private readonly SemaphoreSlim _writtenAvailable = new(0);
    private int _writtenCount;
    private int _oversizeDrops;
    private int _closed;

    /// <param name="mtu">Reported to the engine; packets are not checked against it.</param>
    /// <param name="batchSize">Reported to the engine as the best batch size.</param>
    /// <param name="capacity">
    /// How many injected packets may wait for the engine before <see cref="Inject"/> blocks.
    /// </param>
    public MemoryPacketDevice(int mtu = 1420, int batchSize = 64, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mtu);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Mtu = mtu;
        BatchSize = batchSize;

        // Benchmarks push millions of packets through here; a private pool that can hold a full queue keeps the
        // steady state free of allocation without competing with the engine for the shared pool.
        ArrayPool<byte> pool = ArrayPool<byte>.Create(ushort.MaxValue + 1, capacity + batchSize);
        _inbound = new PacketQueue(capacity, pool);
    }

    public int Mtu { get; }

    public int BatchSize { get; }

    /// <summary>Packets the engine has written since creation, queued or not.</summary>
    public int WrittenCount => Volatile.Read(ref _writtenCount);

    /// <summary>Injected packets dropped because they did not fit the engine's read buffer.</summary>
    public int OversizeDrops => Volatile.Read(ref _oversizeDrops);

    /// <summary>Injected packets the engine has not read yet.</summary>
    public int PendingInbound => _inbound.Count;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>
    /// Whether written packets are kept for <see cref="TryTake"/>. Turn off when only counting or when
    /// <see cref="OnWrite"/> consumes them, so nothing is copied or retained.
    /// </summary>
    public bool QueueWrites { get; set; } = true;

    /// <summary>
    /// Called for every packet the engine writes, on the engine's thread, before it is queued. The span is only
    /// valid during the call.
    /// </summary>
    public Action<ReadOnlySpan<byte>>? OnWrite { get; set; }

    /// <summary>
    /// Hands <paramref name="packet"/> to the engine, as if the kernel routed it into the tunnel. Blocks while
    /// the inbound queue is full, so a producer runs at the engine's pace instead of losing packets. Does nothing
    /// once the device is closed.
    /// </summary>
    public void Inject(ReadOnlySpan<byte> packet) => _inbound.Enqueue(packet, default, waitForRoom: true);

    /// <summary>Like <see cref="Inject"/>, but returns false instead of waiting when the queue is full or closed.</summary>
    public bool TryInject(ReadOnlySpan<byte> packet) =>
        _inbound.Enqueue(packet, default, waitForRoom: false) == EnqueueResult.Queued;

    /// <summary>Takes the oldest packet the engine wrote, if there is one.</summary>
    public bool TryTake(out byte[] packet)
    {
        if (_writtenAvailable.Wait(0))
        {
            return DequeueWritten(out packet);
        }

        packet = [];
        return false;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a packet the engine wrote; null if none came.</summary>
    public byte[]? Take(TimeSpan timeout) =>
        _writtenAvailable.Wait(timeout) && DequeueWritten(out byte[] packet) ? packet : null;

    /// <summary>Waits for a packet the engine wrote.</summary>
    public async Task<byte[]> TakeAsync(CancellationToken cancellationToken = default)
    {
        await _writtenAvailable.WaitAsync(cancellationToken).ConfigureAwait(false);
        DequeueWritten(out byte[] packet);
        return packet;
    }

    public int Read(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset)
    {
        int count = _inbound.Dequeue(buffers, sizes, [], offset, out int oversized);
        if (oversized > 0)
        {
            Interlocked.Add(ref _oversizeDrops, oversized);
        }

        return count;
    }

    public void Write(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset)
    {
        // A real TUN fails writes after close; the engine ignores that failure, so dropping matches.
        if (IsClosed)
        {
            return;
        }

        Action<ReadOnlySpan<byte>>? onWrite = OnWrite;
        bool queue = QueueWrites;
        for (int i = 0; i < buffers.Length; i++)
        {
            ReadOnlySpan<byte> packet = buffers[i].AsSpan(offset, sizes[i]);
            Interlocked.Increment(ref _writtenCount);
            onWrite?.Invoke(packet);
            if (queue)
            {
                _written.Enqueue(packet.ToArray());
                _writtenAvailable.Release();
            }
        }
    }

    /// <summary>
    /// Closes the engine's side: blocked and later <see cref="Read"/> calls return 0, later writes are dropped.
    /// Packets already written can still be taken.
    /// </summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _inbound.Close();
        }
    }

    // The semaphore is left undisposed on purpose: it never creates a wait handle, and disposing it would turn a
    // test's late Take into an ObjectDisposedException instead of an empty result.
    public void Dispose() => Close();

    private bool DequeueWritten(out byte[] packet)
    {
        // The semaphore count never exceeds the queue length, so a successful wait always finds a packet.
        bool taken = _written.TryDequeue(out byte[]? dequeued);
        packet = dequeued ?? [];
        return taken;
    }
}
