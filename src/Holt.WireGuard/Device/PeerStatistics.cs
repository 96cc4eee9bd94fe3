namespace Holt.WireGuard.Device;

/// <summary>Why a packet was dropped. The monitor reports these per peer and per device.</summary>
public enum DropReason
{
    /// <summary>Outgoing: no peer's allowed IPs cover the destination.</summary>
    NoRoute,

    /// <summary>Outgoing: waited for a session longer than the staging queue holds.</summary>
    StagingOverflow,

    /// <summary>A per-peer queue was full.</summary>
    QueueFull,

    /// <summary>Outgoing: the peer has no endpoint, or the bind refused the datagram.</summary>
    SendFailed,

    /// <summary>Incoming: the datagram is not a WireGuard message of a known type and size.</summary>
    InvalidMessage,

    /// <summary>Incoming: no session or handshake has this receiver index.</summary>
    UnknownIndex,

    /// <summary>Incoming: the keypair is past REJECT-AFTER-TIME or REJECT-AFTER-MESSAGES.</summary>
    KeypairExpired,

    /// <summary>Incoming: the transport packet failed authentication.</summary>
    DecryptionFailed,

    /// <summary>Incoming: the counter was seen before or is behind the window.</summary>
    Replay,

    /// <summary>Incoming: the decrypted packet is not a well-formed IPv4 or IPv6 packet.</summary>
    InvalidPacket,

    /// <summary>Incoming: the decrypted packet's source is outside the peer's allowed IPs.</summary>
    SourceNotAllowed,

    /// <summary>Incoming handshake: mac1 did not verify.</summary>
    InvalidMac,

    /// <summary>Incoming handshake: did not authenticate, unknown peer, replayed timestamp or too frequent.</summary>
    HandshakeRejected,

    /// <summary>Incoming handshake while under load: over the per-source rate.</summary>
    RateLimited,

    /// <summary>Incoming handshake: the handshake queue was full.</summary>
    HandshakeQueueFull,
}

/// <summary>Counters kept per peer (and per device for drops that have no peer), updated without locks.</summary>
public sealed class PacketCounters
{
    private static readonly int s_reasons = Enum.GetValues<DropReason>().Length;
    private readonly long[] _drops = new long[s_reasons];

    public long Dropped(DropReason reason) => Interlocked.Read(ref _drops[(int)reason]);

    public long TotalDropped
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _drops.Length; i++)
            {
                total += Interlocked.Read(ref _drops[i]);
            }

            return total;
        }
    }

    /// <summary>Every reason with a non-zero count.</summary>
    public IReadOnlyDictionary<DropReason, long> DropsByReason()
    {
        var result = new Dictionary<DropReason, long>();
        for (int i = 0; i < _drops.Length; i++)
        {
            long n = Interlocked.Read(ref _drops[i]);
            if (n != 0)
            {
                result[(DropReason)i] = n;
            }
        }

        return result;
    }

    internal void Drop(DropReason reason, long count = 1) => Interlocked.Add(ref _drops[(int)reason], count);
}
