using System.Security.Cryptography;
using Holt.WireGuard.Noise;

namespace Holt.WireGuard.Device;

/// <summary>
/// One session's transport keys (section 5.4.5): a sending key with its counter, a receiving key with its replay
/// window, the two indices, and when and by whom it was made. Keys sit in pinned arrays and are zeroed when the
/// keypair is retired.
/// </summary>
internal sealed class Keypair
{
    private readonly byte[] _sendKey = GC.AllocateArray<byte>(32, pinned: true);
    private readonly byte[] _receiveKey = GC.AllocateArray<byte>(32, pinned: true);
    private long _sendCounter;
    private volatile bool _retired;
    private volatile bool _sendExpired;

    public Keypair(Peer peer, bool isInitiator, long created, uint localIndex, uint remoteIndex)
    {
        Peer = peer;
        IsInitiator = isInitiator;
        Created = created;
        LocalIndex = localIndex;
        RemoteIndex = remoteIndex;
    }

    public Peer Peer { get; }

    public bool IsInitiator { get; }

    /// <summary>TimeProvider timestamp of the handshake that made it.</summary>
    public long Created { get; }

    public uint LocalIndex { get; }

    public uint RemoteIndex { get; }

    public ReplayWindow ReceiveWindow { get; } = new();

    public Span<byte> SendKey => _sendKey;

    public Span<byte> ReceiveKey => _receiveKey;

    public bool IsRetired => _retired;

    /// <summary>Counters handed out so far.</summary>
    public ulong SendCounter => (ulong)Interlocked.Read(ref _sendCounter);

    /// <summary>Reserves the next nonce; false once REJECT-AFTER-MESSAGES is reached.</summary>
    public bool TryNextSendCounter(out ulong counter)
    {
        counter = (ulong)Interlocked.Increment(ref _sendCounter) - 1;
        return counter < Protocol.RejectAfterMessages && !_retired && !_sendExpired;
    }

    /// <summary>No more sending with this keypair; receiving goes on until it ages out.</summary>
    public void ExpireForSending() => _sendExpired = true;

    public bool CanSend => !_sendExpired && !_retired;

    /// <summary>True while packets may still be sent or received with it (REJECT-AFTER-TIME).</summary>
    public bool IsUsable(TimeProvider time, long now) =>
        !_retired && time.GetElapsedTime(Created, now) < Protocol.RejectAfterTime;

    /// <summary>Zeroes the keys. Packets in flight that still reference it fail to decrypt and are dropped.</summary>
    public void Retire()
    {
        _retired = true;
        CryptographicOperations.ZeroMemory(_sendKey);
        CryptographicOperations.ZeroMemory(_receiveKey);
    }
}
