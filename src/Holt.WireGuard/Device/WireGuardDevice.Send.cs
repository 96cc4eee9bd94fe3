using System.Buffers.Binary;
using Holt.WireGuard.Crypto;
using Holt.WireGuard.Noise;
using Holt.WireGuard.Routing;

namespace Holt.WireGuard.Device;

/// <summary>
/// The outgoing path. The TUN reader routes each packet to a peer by destination (cryptokey routing) and stages
/// it; a peer with a session reserves counters for its staged packets in order and hands them out as batches,
/// at once to the shared crypto queue (encrypted in parallel) and to the peer's own queue, whose single reader
/// sends each batch only after it and every batch before it are encrypted. A small batch with nothing queued
/// before it is encrypted and sent on the spot instead (<see cref="Limits.InlineBatchLimit"/>). No packet allocates.
/// </summary>
public sealed partial class WireGuardDevice
{
    private void TunReadLoop()
    {
        int batchSize = Math.Max(1, Math.Min(_tun.BatchSize, Limits.BatchSize));
        var slots = new PacketElement[batchSize];
        byte[][] buffers = new byte[batchSize][];
        int[] sizes = new int[batchSize];
        var touched = new List<Peer>(batchSize);
        var window = new ReadWindow(batchSize);
        try
        {
            while (true)
            {
                if (!FillSlots(slots, buffers, window.Size))
                {
                    return;
                }

                int n = _tun.Read(buffers.AsSpan(0, window.Size), sizes, Messages.TransportHeaderSize);
                if (n <= 0)
                {
                    return;
                }

                for (int i = 0; i < n; i++)
                {
                    PacketElement element = slots[i];
                    element.Offset = Messages.TransportHeaderSize;
                    element.Length = sizes[i];
                    Peer? peer = _isUp ? RouteOutgoing(element) : null;
                    if (peer is null)
                    {
                        continue;
                    }

                    peer.Stage(element);
                    if (!touched.Contains(peer))
                    {
                        touched.Add(peer);
                    }

                    // The element now belongs to the peer; its slot is refilled below.
                    slots[i] = null!;
                }

                // A read of a few packets means light load, where handling them here saves two wake-ups each; a
                // bigger read goes to the crypto workers even in small per-peer batches, so that many peers'
                // traffic is encrypted on every core, not serially on this thread.
                bool light = n <= Limits.InlineBatchLimit;
                foreach (Peer peer in touched)
                {
                    SendStaged(peer, light);
                }

                touched.Clear();
                window.Update(n);
                ReleaseSlots(slots, window.Size);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (!_shutdown.IsCancellationRequested)
            {
                Log.Failed("TUN reader", e);
            }
        }
    }

    private Peer? RouteOutgoing(PacketElement element)
    {
        ReadOnlySpan<byte> packet = element.Buffer.AsSpan(element.Offset, element.Length);
        if (!IPPacket.TryGetDestination(packet, out ReadOnlySpan<byte> destination))
        {
            Counters.Drop(DropReason.InvalidPacket);
            return null;
        }

        Peer? peer = Routes.Lookup(destination);
        if (peer is null)
        {
            Counters.Drop(DropReason.NoRoute);
        }

        return peer;
    }

    /// <summary>Fills the first <paramref name="count"/> slots from the pool where empty. False if the device is shutting down.</summary>
    private bool FillSlots(PacketElement[] slots, byte[][] buffers, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (slots[i] is null)
            {
                PacketElement? element = Pool.Rent(_shutdown.Token);
                if (element is null)
                {
                    return false;
                }

                slots[i] = element;
                buffers[i] = element.Buffer;
            }
        }

        return true;
    }

    /// <summary>Returns the elements of the slots from <paramref name="from"/> on to the pool: a window that shrank.</summary>
    private void ReleaseSlots(PacketElement[] slots, int from)
    {
        for (int i = from; i < slots.Length; i++)
        {
            if (slots[i] is PacketElement element)
            {
                Pool.Return(element);
                slots[i] = null!;
            }
        }
    }

    /// <summary>
    /// Sends what the peer has staged if it has a usable session; otherwise starts a handshake and leaves the
    /// packets staged. Also rekeys when the session is old or has sent too much (section 6.2).
    /// </summary>
    /// <param name="peer">The peer whose staged packets go out.</param>
    /// <param name="mayInline">Whether a small batch may be encrypted and sent on this thread (see <see cref="Limits.InlineBatchLimit"/>).</param>
    internal void SendStaged(Peer peer, bool mayInline = true)
    {
        if (!_isUp || peer.IsRemoved)
        {
            return;
        }

        Keypair? keypair = peer.CurrentKeypair;
        long now = Time.GetTimestamp();
        if (keypair is null || !keypair.CanSend || !keypair.IsUsable(Time, now) || keypair.SendCounter >= Protocol.RejectAfterMessages)
        {
            SendHandshakeInitiation(peer, isRetry: false);
            return;
        }

        lock (peer.SendSync)
        {
            while (peer.HasStaged)
            {
                PacketBatch batch = Pool.RentBatch();
                batch.Peer = peer;
                batch.Keypair = keypair;
                batch.IsEncryption = true;
                bool exhausted = false;
                while (batch.Count < batch.Elements.Length && peer.TryTakeStaged(out PacketElement element))
                {
                    if (!keypair.TryNextSendCounter(out ulong counter))
                    {
                        peer.Stage(element);
                        exhausted = true;
                        break;
                    }

                    element.Counter = counter;
                    batch.Add(element);
                }

                if (batch.Count > 0)
                {
                    if (mayInline && batch.Count <= Limits.InlineBatchLimit && Volatile.Read(ref peer.OutboundInFlight) == 0)
                    {
                        // Nothing of this peer's is queued (increments happen under this lock), so sending now
                        // keeps the order.
                        Encrypt(batch);
                        SendBatch(peer, batch);
                        Pool.ReturnBatch(batch);
                    }
                    else
                    {
                        Interlocked.Increment(ref peer.OutboundInFlight);
                        if (peer.Outbound.Writer.TryWrite(batch))
                        {
                            QueueForCrypto(batch);
                        }
                        else
                        {
                            Interlocked.Decrement(ref peer.OutboundInFlight);
                            peer.Counters.Drop(DropReason.QueueFull, batch.Count);
                            Pool.ReturnBatch(batch);
                        }
                    }
                }
                else
                {
                    Pool.ReturnBatch(batch);
                }

                if (exhausted)
                {
                    break;
                }
            }
        }

        bool old = keypair.IsInitiator && Time.GetElapsedTime(keypair.Created, now) >= Protocol.RekeyAfterTime;
        if (old || keypair.SendCounter >= Protocol.RekeyAfterMessages)
        {
            SendHandshakeInitiation(peer, isRetry: false);
        }
    }

    /// <summary>Sends an empty transport packet (section 6.5), or whatever is staged, which serves as well.</summary>
    /// <summary>
    /// Confirms a new initiator session to the responder at once (section 6.1): with the data that waited for
    /// it, or, if none went out, with a keepalive. The TUN thread may be draining the stage into this session at
    /// the same moment, so "did data go out" is read from the session's send counter under the peer's send lock,
    /// where draining assigns counters, not from the stage, which a concurrent drain has already emptied.
    /// </summary>
    private void ConfirmSession(Peer peer, Keypair keypair)
    {
        SendStaged(peer);
        lock (peer.SendSync)
        {
            if (keypair.SendCounter > 0)
            {
                return;
            }
        }

        SendKeepalive(peer);
    }

    internal void SendKeepalive(Peer peer)
    {
        if (!_isUp || peer.IsRemoved)
        {
            return;
        }

        if (!peer.HasStaged)
        {
            PacketElement? element = Pool.TryRent();
            if (element is null)
            {
                return;
            }

            element.Offset = Messages.TransportHeaderSize;
            element.Length = 0;
            peer.Stage(element);
            Log.Keepalive(peer);
        }

        SendStaged(peer);
    }

    /// <summary>Encrypts a batch in place: pad, write the transport header, seal (section 5.4.6).</summary>
    internal void Encrypt(PacketBatch batch)
    {
        Keypair keypair = batch.Keypair!;
        int mtu = _tun.Mtu;
        for (int i = 0; i < batch.Count; i++)
        {
            PacketElement element = batch.Elements[i];
            byte[] buffer = element.Buffer;
            int start = element.Offset;
            int length = element.Length;
            int padded = Messages.PaddedLength(length, mtu);
            buffer.AsSpan(start + length, padded - length).Clear();

            Span<byte> header = buffer.AsSpan(start - Messages.TransportHeaderSize, Messages.TransportHeaderSize);
            Messages.WriteHeader(header, MessageType.TransportData);
            Messages.WriteIndex(header, Messages.TransportReceiverOffset, keypair.RemoteIndex);
            BinaryPrimitives.WriteUInt64LittleEndian(header[Messages.TransportCounterOffset..], element.Counter);
            ChaChaPoly.Seal(keypair.SendKey, element.Counter, buffer.AsSpan(start, padded), default, buffer.AsSpan(start, padded + ChaChaPoly.TagSize));

            element.Ok = length > 0;
            element.Offset = start - Messages.TransportHeaderSize;
            element.Length = Messages.TransportHeaderSize + padded + ChaChaPoly.TagSize;
            batch.Sizes[i] = element.Length;
        }
    }

    /// <summary>A peer's ordered sender: waits for each batch's encryption, then sends the batch as one call.</summary>
    private async Task PeerSendLoopAsync(Peer peer)
    {
        var reader = peer.Outbound.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out PacketBatch? batch))
            {
                await batch.WaitAsync().ConfigureAwait(false);
                SendBatch(peer, batch);
                Pool.ReturnBatch(batch);
                Interlocked.Decrement(ref peer.OutboundInFlight);
            }
        }
    }

    private void SendBatch(Peer peer, PacketBatch batch)
    {
        var endpoint = peer.Endpoint;
        int count = batch.Count;
        if (!_isUp || peer.IsRemoved || !endpoint.IsSet || !_bind.Send(batch.Buffers.AsSpan(0, count), batch.Sizes.AsSpan(0, count), 0, endpoint))
        {
            peer.Counters.Drop(DropReason.SendFailed, count);
            return;
        }

        long bytes = 0;
        bool data = false;
        for (int i = 0; i < count; i++)
        {
            bytes += batch.Sizes[i];
            data |= batch.Elements[i].Ok;
        }

        peer.AddTxBytes(bytes);
        peer.OnAnyAuthenticatedPacketTraversal();
        peer.OnAnyAuthenticatedPacketSent();
        if (data)
        {
            peer.OnDataSent();
        }
    }
}
