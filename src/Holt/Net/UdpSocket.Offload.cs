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
    /// One recvmmsg on a socket with UDP_GRO: the kernel may hand over several datagrams of one flow as one message
    /// with their size in a control message. At most <c>count / MaxSegments</c> messages are read, into the last
    /// buffers, and their datagrams are spread over the buffers from the first on; a message holds at most
    /// <see cref="MaxSegments"/> datagrams (the kernel's UDP_GRO_CNT_MAX), so the spreading never reaches a message
    /// not yet spread. With fewer buffers than a message's datagrams, the excess is dropped and counted.
    /// </summary>
    private int ReceiveCoalesced(
        ReadOnlySpan<byte[]> buffers, Span<int> sizes, Span<Endpoint> sources, int count,
        Libc.MMsgHdr* messages, Libc.IoVec* vectors, byte* names, byte* controls, out int received)
    {
        int reads = Math.Max(1, count / MaxSegments);
        int first = count - reads;
        for (int i = 0; i < reads; i++)
        {
            byte[] buffer = buffers[first + i];
            Prepare(messages + i, vectors + i, Address(buffer), buffer.Length, names + (i * SockAddr.Size), SockAddr.Size);
            messages[i].Header.Control = controls + (i * Libc.CmsgSpaceInt);
            messages[i].Header.ControlLength = Libc.CmsgSpaceInt;
        }

        // A single buffer may be any array, so it is pinned for the call; a batch's are on the pinned heap.
        fixed (byte* only = buffers[first])
        {
            if (reads == 1)
            {
                vectors[0].Base = only;
            }

            received = Libc.recvmmsg(_fd.Fd, messages, (uint)reads, 0, null);
        }

        int delivered = 0;
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

            int from = first + j;
            if (segment < length)
            {
                Interlocked.Increment(ref _coalescedReceives);
            }

            for (int at = 0; at < length || (length == 0 && at == 0); at += segment)
            {
                int size = Math.Min(segment, length - at);
                if (delivered > from || size > buffers[delivered].Length)
                {
                    Interlocked.Increment(ref _droppedReceives);
                    continue;
                }

                // Earlier datagrams of this message left already, so moving one down within its own buffer is safe.
                if (delivered != from || at != 0)
                {
                    buffers[from].AsSpan(at, size).CopyTo(buffers[delivered]);
                }

                sizes[delivered] = size;
                sources[delivered] = source;
                delivered++;
                if (length == 0)
                {
                    break;
                }
            }
        }

        return delivered;
    }

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
