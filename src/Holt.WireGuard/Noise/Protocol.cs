namespace Holt.WireGuard.Noise;

/// <summary>
/// Constants of the protocol, as named in the WireGuard whitepaper (sections 5.4 and 6.1). Values that the
/// specification fixes live in <see cref="Protocol"/>; values this implementation chooses live in
/// <see cref="Limits"/>.
/// </summary>
public static class Protocol
{
    /// <summary>Construction: the Noise protocol name.</summary>
    public const string Construction = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";

    /// <summary>Identifier: the prologue of every WireGuard handshake.</summary>
    public const string Identifier = "WireGuard v1 zx2c4 Jason@zx2c4.com";

    public const string LabelMac1 = "mac1----";
    public const string LabelCookie = "cookie--";

    // Section 6.1, "Rekey-After-Messages" … "Keepalive-Timeout".
    public const ulong RekeyAfterMessages = 1UL << 60;
    public const ulong RejectAfterMessages = ulong.MaxValue - (1UL << 13);
    public static readonly TimeSpan RekeyAfterTime = TimeSpan.FromSeconds(120);
    public static readonly TimeSpan RejectAfterTime = TimeSpan.FromSeconds(180);
    public static readonly TimeSpan RekeyAttemptTime = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan RekeyTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan KeepaliveTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Section 5.4.7: a cookie, and the responder's cookie secret, live for two minutes.</summary>
    public static readonly TimeSpan CookieRefreshTime = TimeSpan.FromSeconds(120);

    /// <summary>Section 5.1: at most one initiation per peer is consumed per this interval (50 per second).</summary>
    public static readonly TimeSpan HandshakeInitiationRate = TimeSpan.FromMilliseconds(20);
}

/// <summary>Choices of this implementation, not fixed by the specification.</summary>
public static class Limits
{
    /// <summary>Retransmissions of an initiation before giving up: Rekey-Attempt-Time / Rekey-Timeout.</summary>
    public const int MaxTimerHandshakes = 18;

    /// <summary>Random extra delay added to Rekey-Timeout, so that peers that lost packets together do not retry together.</summary>
    public static readonly TimeSpan RekeyTimeoutJitterMax = TimeSpan.FromMilliseconds(334);

    /// <summary>Counters tracked behind the highest one received (the kernel's window, 8192 bits less one word).</summary>
    public const int ReplayWindowSize = 8192 - 64;

    /// <summary>Handshake messages waiting to be processed; past this they are dropped.</summary>
    public const int MaxQueuedHandshakes = 4096;

    /// <summary>The device counts as under load while this many handshakes wait (an eighth of the queue).</summary>
    public const int UnderLoadQueueLength = MaxQueuedHandshakes / 8;

    /// <summary>How long the device stays under load after the queue last crossed the threshold.</summary>
    public static readonly TimeSpan UnderLoadAfterTime = TimeSpan.FromSeconds(1);

    /// <summary>Per-source handshake rate limit while under load: a token bucket of this rate and burst.</summary>
    public const int HandshakesPerSecondPerSource = 20;
    public const int HandshakeBurstPerSource = 5;

    /// <summary>Packets held per peer while it has no session; the oldest are dropped first.</summary>
    public const int MaxStagedPackets = 128;

    /// <summary>Packets moved together through the queues.</summary>
    public const int BatchSize = 128;

    /// <summary>
    /// Batches in flight per peer and direction before new ones are dropped. When traffic is light and a worker lags
    /// (a starved CPU), each batch may hold one packet, so this is the kernel's per-peer packet limit (1024), not a
    /// smaller number of batches: 64 lost bursts of a few packets whenever the consumer fell 64 datagrams behind.
    /// Memory stays bounded by the device's packets in flight (MaxPacketsInFlight) whatever this allows.
    /// </summary>
    public const int MaxQueuedBatchesPerPeer = 1024;

    /// <summary>
    /// When a read brings at most this many packets, a peer's batch of them, with nothing of that peer's in flight
    /// in that direction, is encrypted or decrypted and sent or delivered on the thread that read it: a lone ping
    /// or a TCP acknowledgment crosses no thread at all, where the queues cost two wake-ups each way. Bigger reads,
    /// or batches behind one still in flight, take the queues, whose crypto runs in parallel.
    /// </summary>
    public const int InlineBatchLimit = 4;

    /// <summary>A cookie received is used for mac2 only while younger than this (lifetime less a latency margin).</summary>
    public static readonly TimeSpan CookieUsableTime = TimeSpan.FromSeconds(120 - 5);
}
