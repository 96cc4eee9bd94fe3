using System.Net;

namespace Holt.WireGuard.IO.Memory;

/// <summary>
/// A host's UDP socket on a <see cref="MemoryNetwork"/>. It lives at one address, IPv4 or IPv6, and can send to
/// either family. <see cref="MoveTo"/> changes that address while open, to simulate a roaming host.
/// </summary>
public sealed class MemoryBind : IDatagramBind
{
    private readonly MemoryNetwork _network;

    // Open, Close and MoveTo are serialized here; the packet path only reads the immutable _bound snapshot.
    private readonly object _stateGate = new();
    private volatile Bound? _bound;
    private IPAddress _address;
    private uint _mark;
    private int _queueDrops;
    private int _oversizeDrops;

    internal MemoryBind(MemoryNetwork network, IPAddress address, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _network = network;
        _address = Normalize(address);
        BatchSize = batchSize;
    }

    public int BatchSize { get; }

    public MemoryNetwork Network => _network;

    /// <summary>The host address; changed by <see cref="MoveTo"/>.</summary>
    public IPAddress Address
    {
        get
        {
            lock (_stateGate)
            {
                return _address;
            }
        }
    }

    public bool IsOpen => _bound is not null;

    /// <summary>The bound port, 0 while closed.</summary>
    public ushort Port => _bound?.Local.Port ?? 0;

    /// <summary>Where datagrams from this bind come from and where it receives; unset while closed.</summary>
    public Endpoint LocalEndpoint => _bound?.Local ?? default;

    /// <summary>The last mark set through <see cref="SetMark"/>; it has no effect on delivery.</summary>
    public uint Mark => Volatile.Read(ref _mark);

    /// <summary>Datagrams dropped because the receive queue was full.</summary>
    public int QueueDrops => Volatile.Read(ref _queueDrops);

    /// <summary>Datagrams dropped because they did not fit the receiver's buffer.</summary>
    public int OversizeDrops => Volatile.Read(ref _oversizeDrops);

    /// <summary>Datagrams waiting in the receive queue.</summary>
    public int PendingCount => _bound?.Queue.Count ?? 0;

    public IReadOnlyList<DatagramReceiver> Open(ushort port, out ushort actualPort)
    {
        lock (_stateGate)
        {
            if (_bound is not null)
            {
                throw new InvalidOperationException($"memory bind {_bound.Local} is already open");
            }

            Endpoint key = _network.Register(this, _address, port);
            var queue = new PacketQueue(_network.QueueCapacity, _network.Pool);
            var bound = new Bound(queue, key, LocalOf(_address, key.Port));
            _bound = bound;
            actualPort = key.Port;

            // Each Open gets its own queue, so a receiver left over from an earlier Open keeps returning 0.
            return [(buffers, sizes, sources) => ReceiveBatch(queue, buffers, sizes, sources)];
        }
    }

    public void Close()
    {
        lock (_stateGate)
        {
            Bound? bound = _bound;
            if (bound is null)
            {
                return;
            }

            _bound = null;
            _network.Unregister(this, bound.Key);
            bound.Queue.Close();
        }
    }

    public void SetMark(uint mark) => Volatile.Write(ref _mark, mark);

    public bool Send(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset, Endpoint destination)
    {
        Bound? bound = _bound;
        if (bound is null)
        {
            return false;
        }

        for (int i = 0; i < buffers.Length; i++)
        {
            _network.Send(bound.Local, destination, buffers[i].AsSpan(offset, sizes[i]));
        }

        return true;
    }

    /// <summary>
    /// Simulates the host's address changing to <paramref name="newAddress"/>. An open bind keeps its port if it
    /// is free at the new address (otherwise it gets a fresh one) and keeps what it has already received; later
    /// sends come from the new endpoint and datagrams to the old one are lost.
    /// </summary>
    public void MoveTo(IPAddress newAddress)
    {
        ArgumentNullException.ThrowIfNull(newAddress);
        newAddress = Normalize(newAddress);
        lock (_stateGate)
        {
            Bound? bound = _bound;
            if (bound is not null)
            {
                Endpoint key = _network.Move(this, bound.Key, newAddress);
                _bound = bound with { Key = key, Local = LocalOf(newAddress, key.Port) };
            }

            _address = newAddress;
        }
    }

    public void Dispose() => Close();

    public override string ToString() => _bound is { } bound ? bound.Local.ToString() : $"{Address} (closed)";

    /// <summary>Called by the network to queue an arriving datagram; false if it could not be queued.</summary>
    internal bool Receive(ReadOnlySpan<byte> datagram, Endpoint source)
    {
        Bound? bound = _bound;
        if (bound is null)
        {
            return false;
        }

        EnqueueResult result = bound.Queue.Enqueue(datagram, source, waitForRoom: false);
        if (result == EnqueueResult.Full)
        {
            Interlocked.Increment(ref _queueDrops);
        }

        return result == EnqueueResult.Queued;
    }

    private int ReceiveBatch(PacketQueue queue, ReadOnlySpan<byte[]> buffers, Span<int> sizes, Span<Endpoint> sources)
    {
        int count = queue.Dequeue(buffers, sizes, sources, 0, out int oversized);
        if (oversized > 0)
        {
            Interlocked.Add(ref _oversizeDrops, oversized);
        }

        return count;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static Endpoint LocalOf(IPAddress address, ushort port) => Endpoint.FromIPEndPoint(new IPEndPoint(address, port));

    // Replaced whole rather than mutated, so a sender never sees a queue paired with a stale endpoint.
    private sealed record Bound(PacketQueue Queue, Endpoint Key, Endpoint Local);
}
