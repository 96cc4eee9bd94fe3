using Holt.Interop;
using Holt.WireGuard.IO;

namespace Holt.Net;

/// <summary>
/// The kernel's UDP offloads: a run of equal datagrams leaves as one UDP GSO message (UDP_SEGMENT), and a run of
/// one flow's datagrams may arrive as one message (UDP_GRO), split here into the caller's buffers.
/// </summary>
internal sealed unsafe partial class UdpSocket
{
    /// <summary>
    /// Receives on a socket with UDP_GRO, where the kernel may hand over several datagrams of one flow as one
    /// message with their size in a control message. The messages land in the socket's own buffers (at most
    /// <see cref="MaxLandings"/> per call, one for every <see cref="MaxSegments"/> buffers the caller offers, since
    /// a message holds at most that many datagrams: the kernel's UDP_GRO_CNT_MAX), and their datagrams are copied
    /// out into the caller's buffers. What does not fit waits for the next call, which hands it out before reading
    /// again: a caller with few buffers loses nothing. Only the socket's one receiving thread comes here.
    /// </summary>
    private int ReceiveCoalesced(
        ReadOnlySpan<byte[]> buffers, Span<int> sizes, Span<Endpoint> sources, int count,
        Libc.MMsgHdr* messages, Libc.IoVec* vectors, byte* names, byte* controls, out int received)
    {
        received = 0;
        if (_heldNext < _heldCount)
        {
            return HandOutHeld(buffers, sizes, sources, count);
        }

        byte[][] landings = _landings!;
        int reads = Math.Clamp(count / MaxSegments, 1, MaxLandings);
        for (int i = 0; i < reads; i++)
        {
            Prepare(messages + i, vectors + i, Address(landings[i]), landings[i].Length, names + (i * SockAddr.Size), SockAddr.Size);
            messages[i].Header.Control = controls + (i * Libc.CmsgSpaceInt);
            messages[i].Header.ControlLength = Libc.CmsgSpaceInt;
        }

        received = Libc.recvmmsg(_fd.Fd, messages, (uint)reads, 0, null);
        _heldCount = 0;
        _heldNext = 0;
        _heldAt = 0;
        for (int j = 0; j < received; j++)
        {
            Libc.MsgHdr header = messages[j].Header;
            int length = (int)messages[j].Length;
            var name = new ReadOnlySpan<byte>(names + (j * SockAddr.Size), (int)Math.Min(header.NameLength, SockAddr.Size));
            if ((header.Flags & Libc.MSG_TRUNC) != 0 || !SockAddr.TryRead(name, out Endpoint source))
            {
                Interlocked.Increment(ref _droppedReceives);
                continue;
            }

            int segment = CoalescedSize(header);
            if (segment <= 0 || segment > length)
            {
                segment = Math.Max(1, length);
            }
            else if (segment < length)
            {
                Interlocked.Increment(ref _coalescedReceives);
            }

            _held[_heldCount++] = new HeldMessage(j, length, segment, source);
        }

        return _heldCount > 0 ? HandOutHeld(buffers, sizes, sources, count) : 0;
    }

    /// <summary>Copies held datagrams, in order, into up to <paramref name="count"/> of the caller's buffers.</summary>
    private int HandOutHeld(ReadOnlySpan<byte[]> buffers, Span<int> sizes, Span<Endpoint> sources, int count)
    {
        int delivered = 0;
        while (delivered < count && _heldNext < _heldCount)
        {
            HeldMessage message = _held[_heldNext];
            int size = Math.Min(message.Segment, message.Length - _heldAt);
            if (size > buffers[delivered].Length)
            {
                Interlocked.Increment(ref _droppedReceives);
            }
            else
            {
                _landings![message.Landing].AsSpan(_heldAt, size).CopyTo(buffers[delivered]);
                sizes[delivered] = size;
                sources[delivered] = message.Source;
                delivered++;
            }

            _heldAt += message.Segment;
            if (_heldAt >= message.Length)
            {
                _heldNext++;
                _heldAt = 0;
            }
        }

        return delivered;
    }

    /// <summary>The landing buffers, pinned (the kernel gets their addresses) and large enough for any message.</summary>
    private static byte[][] NewLandings()
    {
        byte[][] landings = new byte[MaxLandings][];
        for (int i = 0; i < landings.Length; i++)
        {
            landings[i] = GC.AllocateUninitializedArray<byte>(LandingSize, pinned: true);
        }

        return landings;
    }

    /// <summary>A received message not yet wholly handed out: which landing buffer, its length, its datagrams' size.</summary>
    private readonly record struct HeldMessage(int Landing, int Length, int Segment, Endpoint Source);

    /// <summary>The datagram size of a coalesced message (its UDP_GRO control message), or 0 if it carries one datagram.</summary>
    private static int CoalescedSize(in Libc.MsgHdr header)
    {
        if (header.Control is null || header.ControlLength < Libc.CmsgHeaderSize + sizeof(int))
        {
            return 0;
        }

        byte* control = header.Control;
        nuint length = *(nuint*)control;
        int level = *(int*)(control + 8);
        int type = *(int*)(control + 12);
        return level == Libc.SOL_UDP && type == Libc.UDP_GRO && length >= Libc.CmsgHeaderSize + sizeof(int)
            ? *(int*)(control + Libc.CmsgHeaderSize)
            : 0;
    }

    /// <summary>
    /// Sends the batch as UDP GSO messages: each run of datagrams of one size (the last may be shorter), up to
    /// <see cref="MaxSegments"/> and <see cref="MaxSegmentedBytes"/>, goes as one message of several iovecs with a
    /// UDP_SEGMENT control message, which the kernel cuts into datagrams as late as it can (in the NIC, if the NIC
    /// can). Returns the index of the first datagram not sent: the batch's length when all went out. If the kernel
    /// refuses segmentation (EIO from a device without checksum offload, EMSGSIZE or EINVAL when a segment exceeds
    /// the path MTU), the socket stops asking for it and the caller sends the rest one datagram per message.
    /// </summary>
    private int SendSegmented(
        ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset, byte* name, int nameLength,
        Libc.MMsgHdr* messages, Libc.IoVec* vectors, byte* controls, int* firsts, out bool failed)
    {
        failed = false;
        int sent = 0;
        while (sent < buffers.Length)
        {
            // Group at most MaxBatch datagrams (the iovecs' room) into messages; each message's first datagram is
            // kept in firsts.
            int count = 0;
            int next = sent;
            int end = Math.Min(buffers.Length, sent + MaxBatch);
            while (next < end)
            {
                int first = next;
                int size = sizes[first];
                int total = size;
                vectors[next - sent] = new Libc.IoVec { Base = Address(buffers[next]) + offset, Length = (nuint)size };
                next++;
                while (next < end && next - first < MaxSegments && sizes[next] <= size && sizes[next] > 0 &&
                       total + sizes[next] <= MaxSegmentedBytes)
                {
                    vectors[next - sent] = new Libc.IoVec { Base = Address(buffers[next]) + offset, Length = (nuint)sizes[next] };
                    total += sizes[next];
                    next++;
                    if (sizes[next - 1] < size)
                    {
                        break;
                    }
                }

                byte* control = controls + (count * Libc.CmsgSpaceInt);
                messages[count] = new Libc.MMsgHdr
                {
                    Header = new Libc.MsgHdr
                    {
                        Name = name,
                        NameLength = (uint)nameLength,
                        Iov = vectors + (first - sent),
                        IovLength = (nuint)(next - first),
                    },
                };
                if (next - first > 1)
                {
                    *(nuint*)control = Libc.CmsgHeaderSize + sizeof(ushort);
                    *(int*)(control + 8) = Libc.SOL_UDP;
                    *(int*)(control + 12) = Libc.UDP_SEGMENT;
                    *(ushort*)(control + Libc.CmsgHeaderSize) = (ushort)size;
                    messages[count].Header.Control = control;
                    messages[count].Header.ControlLength = Libc.CmsgSpaceInt;
                }

                firsts[count] = first;
                count++;
            }

            firsts[count] = next;
            int done = SendAll(messages, count, out int errno);
            if (done == count)
            {
                sent = next;
                continue;
            }

            sent = firsts[done];
            if (errno is Errno.EIO or Errno.EINVAL or Errno.EMSGSIZE)
            {
                _segmentOffload = false;
                _logger.SegmentationRefused(Family == Libc.AF_INET ? "IPv4" : "IPv6", Errno.Describe(errno));
                return sent;
            }

            failed = true;
            return sent;
        }

        return sent;
    }
}
