using System.Net;
using System.Threading.Channels;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;
using Holt.WireGuard.Noise;

namespace Holt.WireGuard.Device;

/// <summary>
/// A peer of the device: its static key, endpoint, allowed IPs and sessions, and the counters the control socket
/// and the monitor read. Configuration changes go through <see cref="WireGuardDevice.Apply"/>; this type exposes
/// state for reading.
/// </summary>
public sealed partial class Peer
{
    private readonly Lock _keypairSync = new();
    private readonly Lock _stagingSync = new();
    // Grows on first use (to at most MaxStagedPackets): most of a gateway's peers never stage a packet.
    private readonly Queue<PacketElement> _staged = new();
    private EndpointBox _endpoint = EndpointBox.None;
    private Keypair? _previous;
    private Keypair? _current;
    private Keypair? _next;
    private long _rxBytes;
    private long _txBytes;
    private long _lastHandshakeUnixTicks;
    private long _handshakeAttemptsTotal;
    private long _cookieRepliesReceived;
    private bool _hasPresharedKey;

    internal Peer(WireGuardDevice device, PublicKey publicKey, long sequence)
    {
        Device = device;
        PublicKey = publicKey;
        Sequence = sequence;
        Handshake.SetRemoteStatic(publicKey);
        Cookies = new CookieGenerator(publicKey, device.Time);
        var options = new BoundedChannelOptions(Limits.MaxQueuedBatchesPerPeer)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        };
        Outbound = Channel.CreateBounded<PacketBatch>(options);
        Inbound = Channel.CreateBounded<PacketBatch>(options);
        InitializeTimers();
    }

    public PublicKey PublicKey { get; }

    /// <summary>The latest endpoint: configured, or the source of the latest authenticated packet (roaming).</summary>
    public Endpoint Endpoint => Volatile.Read(ref _endpoint).Value;

    /// <summary>Seconds between keepalives sent regardless of traffic; 0 is off.</summary>
    public ushort PersistentKeepaliveInterval { get; internal set; }

    public bool HasPresharedKey => _hasPresharedKey;

    /// <summary>The peer's allowed IPs, IPv4 first, each family in address order.</summary>
    public IReadOnlyList<IPNetwork> AllowedIps => Device.Routes.PrefixesOf(this);

    /// <summary>Bytes of WireGuard datagrams received from the peer that authenticated.</summary>
    public long RxBytes => Interlocked.Read(ref _rxBytes);

    /// <summary>Bytes of WireGuard datagrams sent to the peer.</summary>
    public long TxBytes => Interlocked.Read(ref _txBytes);

    /// <summary>When the latest handshake completed, by the wall clock; null if never.</summary>
    public DateTimeOffset? LastHandshake
    {
        get
        {
            long ticks = Interlocked.Read(ref _lastHandshakeUnixTicks);
            return ticks == 0 ? null : DateTimeOffset.UnixEpoch.AddTicks(ticks);
        }
    }

    /// <summary>Handshake initiations sent to this peer since it was added.</summary>
    public long HandshakeAttempts => Interlocked.Read(ref _handshakeAttemptsTotal);

    /// <summary>
    /// Cookie replies this peer sent us and we accepted (section 5.4.7): it is under load and wants our next
    /// initiation to carry its cookie. The probe reports them; they are not a failure.
    /// </summary>
    public long CookieRepliesReceived => Interlocked.Read(ref _cookieRepliesReceived);

    /// <summary>Packets dropped, by reason.</summary>
    public PacketCounters Counters { get; } = new();

    /// <summary>True while the peer has a session it can send with.</summary>
    public bool HasSession
    {
        get
        {
            Keypair? current = Volatile.Read(ref _current);
            return current is not null && current.CanSend && current.IsUsable(Device.Time, Device.Time.GetTimestamp());
        }
    }

    /// <summary>A copy of the PSK for the control socket, or null; the caller disposes it.</summary>
    public PresharedKey? GetPresharedKey()
    {
        lock (Handshake.Sync)
        {
            return _hasPresharedKey ? PresharedKey.FromBytes(Handshake.PresharedKey) : null;
        }
    }

    public override string ToString() => $"peer {PublicKey.ToBase64()[..8]}…";

    internal WireGuardDevice Device { get; }

    internal Handshake Handshake { get; } = new();

    /// <summary>The order in which the device added its peers; listings follow it.</summary>
    internal long Sequence { get; }

    internal CookieGenerator Cookies { get; }

    internal Channel<PacketBatch> Outbound { get; }

    internal Channel<PacketBatch> Inbound { get; }

    internal Keypair? CurrentKeypair => Volatile.Read(ref _current);

    internal Keypair? NextKeypair => Volatile.Read(ref _next);

    internal Keypair? PreviousKeypair => Volatile.Read(ref _previous);

    internal bool IsRemoved { get; private set; }

    /// <summary>Serializes counter reservation and queueing, so batches enter the peer's queue in counter order.</summary>
    internal Lock SendSync { get; } = new();

    /// <summary>Serializes delivery (replay window, timers, the TUN write) between the ordered receiver and inline delivery.</summary>
    internal Lock ReceiveSync { get; } = new();

    /// <summary>Batches queued for sending and not yet sent; inline sending waits for none to be left.</summary>
    internal int OutboundInFlight;

    /// <summary>Batches queued for delivery and not yet delivered.</summary>
    internal int InboundInFlight;

    /// <summary>Set once the initiator has asked for a new session near Reject-After-Time (section 6.2).</summary>
    internal bool SentLastMinuteHandshake { get; set; }

    internal void SetPresharedKey(PresharedKey? key)
    {
        lock (Handshake.Sync)
        {
            if (key is null)
            {
                Handshake.PresharedKey.Clear();
                _hasPresharedKey = false;
            }
            else
            {
                key.Span.CopyTo(Handshake.PresharedKey);
                _hasPresharedKey = true;
            }
        }
    }

    internal void SetEndpoint(Endpoint endpoint)
    {
        if (!Volatile.Read(ref _endpoint).Value.Equals(endpoint))
        {
            Volatile.Write(ref _endpoint, new EndpointBox(endpoint));
        }
    }

    internal void AddRxBytes(long n) => Interlocked.Add(ref _rxBytes, n);

    internal void AddTxBytes(long n) => Interlocked.Add(ref _txBytes, n);

    internal void CountHandshakeAttempt() => Interlocked.Increment(ref _handshakeAttemptsTotal);

    internal void CountCookieReply() => Interlocked.Increment(ref _cookieRepliesReceived);

    internal void MarkHandshakeComplete() =>
        Interlocked.Exchange(ref _lastHandshakeUnixTicks, Device.Time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks);

    /// <summary>
    /// Installs a new session (section 5.4.5 and 6.1). The initiator may send at once, so its keypair becomes
    /// current. The responder's waits as "next" until the initiator's first packet confirms it.
    /// </summary>
    internal void InstallKeypair(Keypair keypair)
    {
        Keypair? retire1, retire2 = null;
        lock (_keypairSync)
        {
            if (keypair.IsInitiator)
            {
                if (_next is not null)
                {
                    retire1 = _previous;
                    retire2 = _current;
                    _previous = _next;
                    _next = null;
                }
                else
                {
                    retire1 = _previous;
                    _previous = _current;
                }

                Volatile.Write(ref _current, keypair);
            }
            else
            {
                retire1 = _next;
                retire2 = _previous;
                _previous = null;
                Volatile.Write(ref _next, keypair);
            }
        }

        Device.RetireKeypair(retire1);
        Device.RetireKeypair(retire2);
    }

    /// <summary>The first packet on the "next" keypair confirms it: it becomes current (section 5.4.6).</summary>
    internal bool ConfirmNextKeypair(Keypair keypair)
    {
        Keypair? retired;
        lock (_keypairSync)
        {
            if (_next != keypair)
            {
                return false;
            }

            retired = _previous;
            _previous = _current;
            Volatile.Write(ref _current, keypair);
            _next = null;
        }

        Device.RetireKeypair(retired);
        return true;
    }

    /// <summary>Retires every session and the handshake in progress (zeroing of keys, and device down).</summary>
    internal void ClearSessions()
    {
        Keypair? a, b, c;
        lock (_keypairSync)
        {
            (a, b, c) = (_previous, _current, _next);
            _previous = _current = _next = null;
        }

        Device.RetireKeypair(a);
        Device.RetireKeypair(b);
        Device.RetireKeypair(c);
        lock (Handshake.Sync)
        {
            if (Handshake.Stage != HandshakeStage.Zeroed)
            {
                Device.Indices.Remove(Handshake.LocalIndex);
            }

            Handshake.Clear();
        }
    }

    /// <summary>Makes the current session unusable for sending, so the next packet starts a handshake.</summary>
    internal void ExpireCurrentKeypairs()
    {
        lock (Handshake.Sync)
        {
            if (Handshake.Stage != HandshakeStage.Zeroed)
            {
                Device.Indices.Remove(Handshake.LocalIndex);
            }

            Handshake.Clear();
        }

        LastSentInitiation = 0;
        lock (_keypairSync)
        {
            _current?.ExpireForSending();
            _next?.ExpireForSending();
        }
    }

    internal void MarkRemoved()
    {
        IsRemoved = true;
        StopTimers();
        ClearSessions();
        FlushStaged();
        lock (Handshake.Sync)
        {
            Handshake.Destroy();
        }

        Outbound.Writer.TryComplete();
        Inbound.Writer.TryComplete();
    }

    /// <summary>Holds a packet until a session exists, dropping the oldest past the limit.</summary>
    internal void Stage(PacketElement element)
    {
        PacketElement? dropped = null;
        lock (_stagingSync)
        {
            if (_staged.Count >= Limits.MaxStagedPackets)
            {
                dropped = _staged.Dequeue();
            }

            _staged.Enqueue(element);
        }

        if (dropped is not null)
        {
            Counters.Drop(DropReason.StagingOverflow);
            Device.Pool.Return(dropped);
        }
    }

    internal bool HasStaged
    {
        get
        {
            lock (_stagingSync)
            {
                return _staged.Count > 0;
            }
        }
    }

    internal bool TryTakeStaged(out PacketElement element)
    {
        lock (_stagingSync)
        {
            return _staged.TryDequeue(out element!);
        }
    }

    internal void FlushStaged()
    {
        while (TryTakeStaged(out PacketElement element))
        {
            Device.Pool.Return(element);
        }
    }

    /// <summary>Replaced, never mutated, so a reader never sees half an endpoint.</summary>
    private sealed class EndpointBox(Endpoint value)
    {
        public static readonly EndpointBox None = new(default);

        public Endpoint Value { get; } = value;
    }
}
