using System.Buffers;
using System.Collections.Concurrent;
using System.Net;

namespace Holt.WireGuard.IO.Memory;

/// <summary>Decides whether a datagram crossing a <see cref="MemoryNetwork"/> is delivered; false drops it.</summary>
public delegate bool DatagramFilter(Endpoint source, Endpoint destination, ReadOnlySpan<byte> datagram);

/// <summary>Observes a datagram crossing a <see cref="MemoryNetwork"/>; the span is only valid during the call.</summary>
public delegate void DatagramTap(Endpoint source, Endpoint destination, ReadOnlySpan<byte> datagram);

/// <summary>
/// A virtual UDP network joining <see cref="MemoryBind"/>s inside one process, so several WireGuard devices can
/// talk in a test. Binds are reached by (address, port); delivery is immediate into the destination's bounded
/// receive queue. Tests can watch (<see cref="Tap"/>), drop (<see cref="Filter"/>) and forge
/// (<see cref="Inject"/>) datagrams.
/// </summary>
public sealed class MemoryNetwork
{
    /// <summary>Where automatic port allocation starts, like an ephemeral port range.</summary>
    public const ushort FirstEphemeralPort = 40000;

    private readonly object _gate = new();

    // Read lock-free on every send; written under _gate so port choice and registration are one step.
    private readonly ConcurrentDictionary<Endpoint, MemoryBind> _binds = new();
    private ushort _nextPort = FirstEphemeralPort;
    private long _delivered;
    private long _dropped;

    /// <param name="queueCapacity">How many datagrams each bind's receive queue holds before dropping.</param>
    public MemoryNetwork(int queueCapacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queueCapacity);
        QueueCapacity = queueCapacity;

        // One pool for every queue on the network: a datagram is rented by the sender and returned by the receiver.
        Pool = ArrayPool<byte>.Create(ushort.MaxValue + 1, queueCapacity * 2);
    }

    public int QueueCapacity { get; }

    /// <summary>Called for every datagram a bind sends, before <see cref="Filter"/>, so dropped ones are seen too.</summary>
    public DatagramTap? Tap { get; set; }

    /// <summary>Called for every datagram a bind sends; returning false drops it.</summary>
    public DatagramFilter? Filter { get; set; }

    /// <summary>Datagrams placed in a receive queue.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Datagrams lost: filtered, sent to an endpoint with no open bind, or refused by a full queue.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    internal ArrayPool<byte> Pool { get; }

    public MemoryBind CreateBind(IPAddress address, int batchSize = 64) => new(this, address, batchSize);

    /// <summary>
    /// Delivers <paramref name="datagram"/> to whatever bind is open at <paramref name="destination"/>, claiming
    /// to come from <paramref name="source"/>, which need not exist. Bypasses <see cref="Tap"/> and
    /// <see cref="Filter"/>: this is the test itself acting as the network, to replay, tamper or flood.
    /// </summary>
    public void Inject(Endpoint source, Endpoint destination, ReadOnlySpan<byte> datagram) =>
        Deliver(source, destination, datagram);

    internal void Send(Endpoint source, Endpoint destination, ReadOnlySpan<byte> datagram)
    {
        Tap?.Invoke(source, destination, datagram);
        DatagramFilter? filter = Filter;
        if (filter is not null && !filter(source, destination, datagram))
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        Deliver(source, destination, datagram);
    }

    /// <summary>Registers <paramref name="bind"/> at (address, port), choosing a free port for 0.</summary>
    internal Endpoint Register(MemoryBind bind, IPAddress address, ushort port)
    {
        lock (_gate)
        {
            Endpoint key = port == 0 ? FreeEndpoint(address) : KeyOf(address, port);
            if (!_binds.TryAdd(key, bind))
            {
                throw new InvalidOperationException($"address already in use: {key} is bound on this memory network");
            }

            return key;
        }
    }

    internal void Unregister(MemoryBind bind, Endpoint key)
    {
        lock (_gate)
        {
            _binds.TryRemove(new KeyValuePair<Endpoint, MemoryBind>(key, bind));
        }
    }

    /// <summary>Moves a registration to a new address, keeping the port unless it is taken there.</summary>
    internal Endpoint Move(MemoryBind bind, Endpoint oldKey, IPAddress newAddress)
    {
        lock (_gate)
        {
            Endpoint key = KeyOf(newAddress, oldKey.Port);
            if (key == oldKey)
            {
                return key;
            }

            if (_binds.ContainsKey(key))
            {
                key = FreeEndpoint(newAddress);
            }

            _binds[key] = bind;
            _binds.TryRemove(new KeyValuePair<Endpoint, MemoryBind>(oldKey, bind));
            return key;
        }
    }

    internal void CountDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>The registry key: address and port, without an IPv6 scope, which a virtual network has no use for.</summary>
    internal static Endpoint KeyOf(IPAddress address, ushort port)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4 ? Endpoint.FromIPv4(bytes[..4], port) : Endpoint.FromIPv6(bytes[..16], port);
    }

    private static Endpoint KeyOf(Endpoint endpoint)
    {
        if (!endpoint.IsIPv6 || endpoint.ScopeId == 0)
        {
            return endpoint;
        }

        Span<byte> bytes = stackalloc byte[16];
        endpoint.WriteAddress(bytes);
        return Endpoint.FromIPv6(bytes, endpoint.Port);
    }

    private void Deliver(Endpoint source, Endpoint destination, ReadOnlySpan<byte> datagram)
    {
        if (destination.IsSet && _binds.TryGetValue(KeyOf(destination), out MemoryBind? bind) && bind.Receive(datagram, source))
        {
            Interlocked.Increment(ref _delivered);
        }
        else
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private Endpoint FreeEndpoint(IPAddress address)
    {
        // Walk the ephemeral range once from where the last allocation stopped, so ports are not reused at once.
        const int rangeSize = ushort.MaxValue - FirstEphemeralPort + 1;
        for (int i = 0; i < rangeSize; i++)
        {
            ushort port = _nextPort;
            _nextPort = port == ushort.MaxValue ? FirstEphemeralPort : (ushort)(port + 1);
            Endpoint key = KeyOf(address, port);
            if (!_binds.ContainsKey(key))
            {
                return key;
            }
        }

        throw new InvalidOperationException($"no free port left on {address} in this memory network");
    }
}
