using System.Collections.Concurrent;
using System.Threading.Channels;
using Holt.WireGuard.IO;
using Holt.WireGuard.Noise;

namespace Holt.WireGuard.Device;

/// <summary>
/// Handshake processing (sections 5.3 and 5.4.7). mac1 is checked before any Diffie-Hellman work. While many
/// handshakes wait, the device is under load: a message without a valid mac2 gets a cookie reply instead of
/// being processed, and each source is held to a rate.
/// </summary>
public sealed partial class WireGuardDevice
{
    private readonly Channel<HandshakeWork> _handshakeQueue;
    private readonly ConcurrentQueue<HandshakeWork> _handshakeWorkPool = new();
    private long _lastUnderLoad;

    /// <summary>Cookie replies sent, for tests and the monitor.</summary>
    public long CookieRepliesSent => Interlocked.Read(ref _cookieRepliesSent);

    private long _cookieRepliesSent;

    private void EnqueueHandshake(ReadOnlySpan<byte> message, Endpoint source)
    {
        if (!_handshakeWorkPool.TryDequeue(out HandshakeWork? work))
        {
            work = new HandshakeWork();
        }

        message.CopyTo(work.Buffer);
        work.Length = message.Length;
        work.Source = source;
        if (!_handshakeQueue.Writer.TryWrite(work))
        {
            Counters.Drop(DropReason.HandshakeQueueFull);
            _handshakeWorkPool.Enqueue(work);
        }
    }

    private async Task HandshakeWorkerAsync()
    {
        var reader = _handshakeQueue.Reader;
        try
        {
            // No cancellation token: a cancellable wait allocates a new waiter each time. Dispose completes the
            // queue, which ends the loop.
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out HandshakeWork? work))
                {
                    try
                    {
                        ProcessHandshake(work.Buffer.AsSpan(0, work.Length), work.Source);
                    }
                    finally
                    {
                        _handshakeWorkPool.Enqueue(work);
                    }
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.Failed("handshake worker", e);
        }
    }

    /// <summary>True while the handshake queue is long, and for a second after (section 5.3).</summary>
    private bool IsUnderLoad()
    {
        long now = Time.GetTimestamp();
        if (_handshakeQueue.Reader.Count >= _options.UnderLoadQueueLength)
        {
            Interlocked.Exchange(ref _lastUnderLoad, now);
            return true;
        }

        long last = Interlocked.Read(ref _lastUnderLoad);
        return last != 0 && Time.GetElapsedTime(last, now) < Limits.UnderLoadAfterTime;
    }

    internal void ProcessHandshake(ReadOnlySpan<byte> message, Endpoint source)
    {
        if (!_isUp)
        {
            return;
        }

        var type = (MessageType)message[0];
        if (type == MessageType.CookieReply)
        {
            ConsumeCookieReply(message);
            return;
        }

        if (!CookieChecker.CheckMac1(message))
        {
            Counters.Drop(DropReason.InvalidMac);
            return;
        }

        if (IsUnderLoad())
        {
            if (!CookieChecker.CheckMac2(message, source))
            {
                SendCookieReply(message, source);
                Interlocked.Increment(ref _cookieRepliesSent);
                return;
            }

            if (!RateLimiter.Allow(source))
            {
                Counters.Drop(DropReason.RateLimited);
                return;
            }
        }

        if (type == MessageType.HandshakeInitiation)
        {
            Peer? peer = ConsumeInitiation(message);
            if (peer is null)
            {
                Counters.Drop(DropReason.HandshakeRejected);
                Log.InvalidHandshake(MessageKind.Initiation, source);
                return;
            }

            Log.InitiationReceived(peer);
            OnAuthenticatedHandshake(peer, source, message.Length);
            SendHandshakeResponse(peer);
        }
        else
        {
            Peer? peer = ConsumeResponse(message);
            if (peer is null)
            {
                Counters.Drop(DropReason.HandshakeRejected);
                Log.InvalidHandshake(MessageKind.Response, source);
                return;
            }

            Log.ResponseReceived(peer);
            OnAuthenticatedHandshake(peer, source, message.Length);
            peer.OnHandshakeComplete();
            if (BeginSession(peer) is Keypair keypair)
            {
                peer.SentLastMinuteHandshake = false;
                ConfirmSession(peer, keypair);
            }
        }
    }

    /// <summary>An authenticated handshake message: the peer roams to its source, and its timers hear of it.</summary>
    private static void OnAuthenticatedHandshake(Peer peer, Endpoint source, int length)
    {
        peer.SetEndpoint(source);
        peer.AddRxBytes(length);
        peer.OnAnyAuthenticatedPacketTraversal();
        peer.OnAnyAuthenticatedPacketReceived();
    }

    private void ConsumeCookieReply(ReadOnlySpan<byte> message)
    {
        uint receiver = Messages.ReadIndex(message, Messages.CookieReceiverOffset);
        Peer? peer = Indices.TryGetHandshake(receiver, out Peer handshakePeer) ? handshakePeer : Indices.GetKeypair(receiver)?.Peer;
        if (peer is null || !peer.Cookies.ConsumeReply(message))
        {
            Counters.Drop(DropReason.HandshakeRejected);
            return;
        }

        peer.CountCookieReply();
    }

    /// <summary>Hands a batch to the crypto threads; order is restored by each peer's own stage.</summary>
    private void QueueForCrypto(PacketBatch batch) => _cryptoQueue.Enqueue(batch);

    private void CryptoWorker()
    {
        try
        {
            while (_cryptoQueue.TryTake(out PacketBatch batch))
            {
                try
                {
                    if (batch.IsEncryption)
                    {
                        Encrypt(batch);
                    }
                    else
                    {
                        Decrypt(batch);
                    }
                }
                finally
                {
                    batch.Complete();
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.Failed("crypto worker", e);
        }
    }

    private sealed class HandshakeWork
    {
        public byte[] Buffer { get; } = new byte[Messages.InitiationSize];

        public int Length { get; set; }

        public Endpoint Source { get; set; }
    }
}
