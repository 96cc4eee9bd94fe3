using System.Buffers.Binary;
using Holt.WireGuard.Crypto;
using Holt.WireGuard.IO;
using Holt.WireGuard.Noise;
using Holt.WireGuard.Routing;

namespace Holt.WireGuard.Device;

/// <summary>
/// The incoming path. Each socket's reader classifies datagrams by type and exact size: handshake messages go
/// (copied into small buffers) to the handshake queue, transport messages are grouped by keypair, found through
/// the receiver index, and cross the same two queues as outgoing packets: decrypted in parallel, then checked
/// against the replay window, the allowed IPs and the timers in the peer's own order before reaching the TUN. A
/// small batch for a peer with nothing queued is decrypted and delivered by the socket's reader itself.
/// </summary>
public sealed partial class WireGuardDevice
{
    private void ReceiveLoop(DatagramReceiver receiver)
    {
        int batchSize = Math.Max(1, Math.Min(_bind.BatchSize, Limits.BatchSize));
        var slots = new PacketElement[batchSize];
        byte[][] buffers = new byte[batchSize][];
        int[] sizes = new int[batchSize];
        var sources = new Endpoint[batchSize];
        var pending = new List<PacketBatch>(4);
        var window = new ReadWindow(batchSize);
        try
        {
            while (true)
            {
                if (!FillSlots(slots, buffers, window.Size))
                {
                    break;
                }

                int n = receiver(buffers.AsSpan(0, window.Size), sizes, sources);
                if (n <= 0)
                {
                    break;
                }

                for (int i = 0; i < n; i++)
                {
                    if (Classify(slots[i], sizes[i], sources[i], pending))
                    {
                        slots[i] = null!;
                    }
                }

                // As on the way out: inline only under light load, so that a busy socket's many small batches
                // are decrypted on every core.
                bool light = n <= Limits.InlineBatchLimit;
                foreach (PacketBatch batch in pending)
                {
                    Peer peer = batch.Peer!;
                    if (light && batch.Count <= Limits.InlineBatchLimit && Volatile.Read(ref peer.InboundInFlight) == 0)
                    {
                        Decrypt(batch);
                        Deliver(peer, batch);
                        Pool.ReturnBatch(batch);
                        continue;
                    }

                    Interlocked.Increment(ref peer.InboundInFlight);
                    if (peer.Inbound.Writer.TryWrite(batch))
                    {
                        QueueForCrypto(batch);
                    }
                    else
                    {
                        Interlocked.Decrement(ref peer.InboundInFlight);
                        peer.Counters.Drop(DropReason.QueueFull, batch.Count);
                        Pool.ReturnBatch(batch);
                    }
                }

                pending.Clear();
                window.Update(n);
                ReleaseSlots(slots, window.Size);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (!_shutdown.IsCancellationRequested)
            {
                Log.Failed("UDP receiver", e);
            }
        }
        finally
        {
            foreach (PacketElement element in slots)
            {
                if (element is not null)
                {
                    Pool.Return(element);
                }
            }
        }
    }

    /// <summary>Routes one datagram; true if its element was taken (into a batch).</summary>
    private bool Classify(PacketElement element, int length, Endpoint source, List<PacketBatch> pending)
    {
        ReadOnlySpan<byte> datagram = element.Buffer.AsSpan(0, length);
        if (!_isUp || !Messages.TryGetType(datagram, out MessageType type))
        {
            Counters.Drop(DropReason.InvalidMessage);
            return false;
        }

        if (type != MessageType.TransportData)
        {
            EnqueueHandshake(datagram, source);
            return false;
        }

        Keypair? keypair = Indices.GetKeypair(Messages.ReadIndex(datagram, Messages.TransportReceiverOffset));
        if (keypair is null)
        {
            Counters.Drop(DropReason.UnknownIndex);
            return false;
        }

        element.Offset = 0;
        element.Length = length;
        element.Endpoint = source;
        element.Counter = BinaryPrimitives.ReadUInt64LittleEndian(datagram[Messages.TransportCounterOffset..]);

        PacketBatch? batch = null;
        foreach (PacketBatch candidate in pending)
        {
            if (candidate.Keypair == keypair && candidate.Count < candidate.Elements.Length)
            {
                batch = candidate;
                break;
            }
        }

        if (batch is null)
        {
            batch = Pool.RentBatch();
            batch.Keypair = keypair;
            batch.Peer = keypair.Peer;
            batch.IsEncryption = false;
            pending.Add(batch);
        }

        batch.Add(element);
        return true;
    }

    /// <summary>Decrypts a batch in place; the plain text lands behind the transport header's room.</summary>
    internal void Decrypt(PacketBatch batch)
    {
        Keypair keypair = batch.Keypair!;
        bool usable = keypair.IsUsable(Time, Time.GetTimestamp());
        for (int i = 0; i < batch.Count; i++)
        {
            PacketElement element = batch.Elements[i];
            if (!usable || element.Counter >= Protocol.RejectAfterMessages)
            {
                element.Ok = false;
                element.Reason = DropReason.KeypairExpired;
                continue;
            }

            byte[] buffer = element.Buffer;
            int cipherLength = element.Length - Messages.TransportHeaderSize;
            element.Ok = ChaChaPoly.Open(
                keypair.ReceiveKey, element.Counter,
                buffer.AsSpan(Messages.TransportHeaderSize, cipherLength), default,
                buffer.AsSpan(Messages.TransportHeaderSize, cipherLength - ChaChaPoly.TagSize));
            element.Reason = DropReason.DecryptionFailed;
        }
    }

    /// <summary>A peer's ordered receiver: replay window, session confirmation, roaming, timers, allowed IPs, TUN.</summary>
    private async Task PeerReceiveLoopAsync(Peer peer)
    {
        var reader = peer.Inbound.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out PacketBatch? batch))
            {
                await batch.WaitAsync().ConfigureAwait(false);
                Deliver(peer, batch);
                Pool.ReturnBatch(batch);
                Interlocked.Decrement(ref peer.InboundInFlight);
            }
        }
    }

    /// <summary>
    /// Checks a decrypted batch and writes what passes to the TUN, under the peer's receive lock: the ordered
    /// receiver and a socket reader delivering inline may both get here. The packets that pass are gathered, in
    /// order, at the front of the batch's own I/O arrays (<see cref="PacketBatch.Buffers"/> and
    /// <see cref="PacketBatch.Sizes"/>): the k-th packet that passes is at most the k-th element, so nothing is
    /// overwritten before it is read, and no peer needs arrays of its own for this.
    /// </summary>
    private void Deliver(Peer peer, PacketBatch batch)
    {
        lock (peer.ReceiveSync)
        {
            int count = DeliverBatch(peer, batch, batch.Buffers, batch.Sizes);
            if (count > 0 && _isUp)
            {
                _tun.Write(batch.Buffers.AsSpan(0, count), batch.Sizes.AsSpan(0, count), Messages.TransportHeaderSize);
            }
        }
    }

    private int DeliverBatch(Peer peer, PacketBatch batch, byte[][] outBuffers, int[] outSizes)
    {
        Keypair keypair = batch.Keypair!;
        int count = 0;
        bool authenticated = false;
        bool data = false;
        long bytes = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            PacketElement element = batch.Elements[i];
            if (!element.Ok)
            {
                peer.Counters.Drop(element.Reason);
                continue;
            }

            if (!keypair.ReceiveWindow.Validate(element.Counter))
            {
                peer.Counters.Drop(DropReason.Replay);
                continue;
            }

            if (!authenticated && peer.NextKeypair == keypair && peer.ConfirmNextKeypair(keypair))
            {
                // The initiator's first packet on the new session: the responder's handshake is complete.
                peer.OnHandshakeComplete();
                SendStaged(peer);
            }

            authenticated = true;
            peer.SetEndpoint(element.Endpoint);
            bytes += element.Length;
            int plainLength = element.Length - Messages.TransportMinSize;
            if (plainLength == 0)
            {
                continue;
            }

            ReadOnlySpan<byte> packet = element.Buffer.AsSpan(Messages.TransportHeaderSize, plainLength);
            if (!IPPacket.TryGetTotalLength(packet, out int ipLength) ||
                !IPPacket.TryGetSource(packet[..ipLength], out ReadOnlySpan<byte> source))
            {
                peer.Counters.Drop(DropReason.InvalidPacket);
                continue;
            }

            data = true;
            if (Routes.Lookup(source) != peer)
            {
                peer.Counters.Drop(DropReason.SourceNotAllowed);
                continue;
            }

            outBuffers[count] = element.Buffer;
            outSizes[count] = ipLength;
            count++;
        }

        if (authenticated)
        {
            peer.AddRxBytes(bytes);
            peer.OnAnyAuthenticatedPacketReceived();
            peer.OnAnyAuthenticatedPacketTraversal();
            KeepKeyFreshReceiving(peer);
            if (data)
            {
                peer.OnDataReceived();
            }
        }

        return count;
    }

    /// <summary>
    /// Section 6.2: an initiator whose session nears Reject-After-Time (less Keepalive-Timeout and Rekey-Timeout)
    /// starts a handshake once, so the session is renewed even if it only receives.
    /// </summary>
    private void KeepKeyFreshReceiving(Peer peer)
    {
        Keypair? current = peer.CurrentKeypair;
        if (current is null || !current.IsInitiator || peer.SentLastMinuteHandshake)
        {
            return;
        }

        TimeSpan age = Time.GetElapsedTime(current.Created);
        if (age >= Protocol.RejectAfterTime - Protocol.KeepaliveTimeout - Protocol.RekeyTimeout)
        {
            peer.SentLastMinuteHandshake = true;
            SendHandshakeInitiation(peer, isRetry: false);
        }
    }
}
