using System.Collections.Concurrent;
using System.Threading.Channels;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;
using Holt.WireGuard.Noise;
using Holt.WireGuard.Routing;

namespace Holt.WireGuard.Device;

/// <summary>
/// A WireGuard interface: a static identity, its peers, and the packet path between an <see cref="IPacketDevice"/>
/// (plain IP packets) and an <see cref="IDatagramBind"/> (WireGuard messages). The device owns both and disposes
/// them. Configuration changes go through <see cref="Apply"/>, atomically.
/// </summary>
public sealed partial class WireGuardDevice : IDisposable
{
    private readonly IPacketDevice _tun;
    private readonly IDatagramBind _bind;
    private readonly DeviceOptions _options;
    private readonly Lock _configSync = new();
    private readonly ConcurrentDictionary<PublicKey, Peer> _peers = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly CryptoQueue _cryptoQueue = new();
    private readonly List<Thread> _cryptoThreads = [];
    private readonly List<Thread> _receiveThreads = [];
    private readonly List<Task> _workers = [];
    private PrivateKey? _privateKey;
    private ushort _listenPort;
    private ushort _configuredPort;
    private uint _fwmark;
    private long _peersAdded;
    private volatile bool _isUp;
    private bool _disposed;
    private Thread? _tunThread;
    private readonly ITimer _trimTimer;

    /// <summary>How often the packet pool lets go of elements that went unused (<see cref="PacketPool.Trim"/>).</summary>
    internal static readonly TimeSpan PoolTrimInterval = TimeSpan.FromSeconds(10);

    public WireGuardDevice(IPacketDevice tun, IDatagramBind bind, DeviceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tun);
        ArgumentNullException.ThrowIfNull(bind);
        _tun = tun;
        _bind = bind;
        _options = options ?? new DeviceOptions();
        Time = _options.TimeProvider;
        Log = new DeviceLog(_options.Logger);
        Pool = new PacketPool(_options.MaxPacketsInFlight, Limits.BatchSize);
        CookieChecker = new CookieChecker(Time);
        RateLimiter = new HandshakeRateLimiter(Time);
        _handshakeQueue = Channel.CreateBounded<HandshakeWork>(new BoundedChannelOptions(Limits.MaxQueuedHandshakes)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
        });
        StartWorkers();
        _trimTimer = Time.CreateTimer(static state => ((WireGuardDevice)state!).Pool.Trim(), this, PoolTrimInterval, PoolTrimInterval);
    }

    /// <summary>The public key of the device's private key; null while none is set.</summary>
    public PublicKey? PublicKey => Volatile.Read(ref _privateKey)?.PublicKey;

    /// <summary>The UDP port: the bound one while up, else the configured one (0 = any).</summary>
    public ushort ListenPort => _isUp ? _listenPort : _configuredPort;

    public uint FirewallMark => _fwmark;

    public bool IsUp => _isUp;

    public int Mtu => _tun.Mtu;

    /// <summary>Drops that belong to no peer (unknown index, no route, malformed datagrams).</summary>
    public PacketCounters Counters { get; } = new();

    /// <summary>The peers in the order they were added, as the kernel lists them, so <c>wg</c> output is stable.</summary>
    public IReadOnlyCollection<Peer> Peers
    {
        get
        {
            Peer[] peers = [.. _peers.Values];
            Array.Sort(peers, static (a, b) => a.Sequence.CompareTo(b.Sequence));
            return peers;
        }
    }

    public bool TryGetPeer(PublicKey publicKey, out Peer peer) => _peers.TryGetValue(publicKey, out peer!);

    internal TimeProvider Time { get; }

    internal DeviceLog Log { get; }

    internal PacketPool Pool { get; }

    internal IndexTable Indices { get; } = new();

    internal AllowedIps<Peer> Routes { get; } = new();

    internal CookieChecker CookieChecker { get; }

    internal HandshakeRateLimiter RateLimiter { get; }

    /// <summary>Opens the bind and starts moving packets and running timers.</summary>
    /// <exception cref="DeviceConfigurationException">The configured port could not be bound; the device stays down.</exception>
    public void Up()
    {
        lock (_configSync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_isUp)
            {
                return;
            }

            try
            {
                OpenBind(_configuredPort);
            }
            catch (Exception e) when (e is InvalidOperationException or System.Net.Sockets.SocketException or IOException)
            {
                throw new DeviceConfigurationException($"cannot listen on port {_configuredPort}: {e.Message}", e);
            }

            _isUp = true;
            foreach (Peer peer in _peers.Values)
            {
                peer.StartTimers();
                if (peer.PersistentKeepaliveInterval > 0)
                {
                    SendKeepalive(peer);
                }
            }
        }
    }

    /// <summary>Closes the bind, stops the timers and forgets every session; configuration stays.</summary>
    public void Down()
    {
        lock (_configSync)
        {
            if (!_isUp)
            {
                return;
            }

            _isUp = false;
            CloseBind();
            foreach (Peer peer in _peers.Values)
            {
                peer.StopTimers();
                peer.ClearSessions();
                peer.FlushStaged();
            }
        }
    }

    public void Dispose()
    {
        lock (_configSync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        Down();
        _trimTimer.Dispose();
        _shutdown.Cancel();
        _tun.Dispose();
        _bind.Dispose();
        _cryptoQueue.Complete();

        _handshakeQueue.Writer.TryComplete();
        foreach (Peer peer in _peers.Values)
        {
            peer.MarkRemoved();
        }

        _tunThread?.Join(TimeSpan.FromSeconds(5));
        foreach (Thread thread in _cryptoThreads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }

        try
        {
            Task.WaitAll([.. _workers], TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Workers end by cancellation; their errors were logged where they happened.
        }

        Volatile.Read(ref _privateKey)?.Dispose();
        _shutdown.Dispose();
    }

    /// <summary>Zeroes a keypair's keys and frees its index.</summary>
    internal void RetireKeypair(Keypair? keypair)
    {
        if (keypair is null)
        {
            return;
        }

        Indices.Remove(keypair.LocalIndex);
        keypair.Retire();
    }

    private void StartWorkers()
    {
        for (int i = 0; i < Math.Max(1, _options.CryptoWorkers); i++)
        {
            var thread = new Thread(CryptoWorker) { IsBackground = true, Name = "holt-crypto" };
            _cryptoThreads.Add(thread);
            thread.Start();
        }

        for (int i = 0; i < Math.Max(1, _options.HandshakeWorkers); i++)
        {
            _workers.Add(Task.Run(HandshakeWorkerAsync));
        }

        _tunThread = new Thread(TunReadLoop) { IsBackground = true, Name = "holt-tun-read" };
        _tunThread.Start();
    }

    private void OpenBind(ushort port)
    {
        IReadOnlyList<DatagramReceiver> receivers = _bind.Open(port, out ushort actual);
        _bind.SetMark(_fwmark);
        _listenPort = actual;
        Log.PortBound(actual);
        foreach (DatagramReceiver receiver in receivers)
        {
            var thread = new Thread(() => ReceiveLoop(receiver)) { IsBackground = true, Name = "holt-udp-receive" };
            _receiveThreads.Add(thread);
            thread.Start();
        }
    }

    private void CloseBind()
    {
        _bind.Close();
        foreach (Thread thread in _receiveThreads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }

        _receiveThreads.Clear();
        _listenPort = 0;
    }

    private Peer? FindPeer(ReadOnlySpan<byte> publicKey) => _peers.TryGetValue(new PublicKey(publicKey), out Peer? peer) ? peer : null;
}
