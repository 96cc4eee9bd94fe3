using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Holt.Interop;
using Holt.WireGuard.IO;

namespace Holt.Net;

/// <summary>
/// The packet path: recvmmsg(2) and sendmmsg(2) with their message headers on the stack, so nothing is allocated
/// per datagram or per batch and concurrent senders share nothing. Buffers of a batch must be pinned (see
/// <see cref="IDatagramBind"/>); a single buffer is pinned here for its call.
/// </summary>
internal sealed unsafe partial class UdpSocket
{
    // How long a send waits for room when the kernel says EAGAIN or ENOBUFS, before the batch is dropped.
    private const int SendWaitMilliseconds = 10;

    /// <summary>The <see cref="DatagramReceiver"/>: blocks for at least one datagram; 0 once closed.</summary>
    [SkipLocalsInit]
    public int Receive(ReadOnlySpan<byte[]> buffers, Span<int> sizes, Span<Endpoint> sources)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizes.Length, buffers.Length, nameof(sizes));
        ArgumentOutOfRangeException.ThrowIfLessThan(sources.Length, buffers.Length, nameof(sources));
        int count = Math.Min(buffers.Length, MaxBatch);
        if (count == 0 || !_gate.TryEnter())
        {
            return 0;
        }

        try
        {
            Libc.MMsgHdr* messages = stackalloc Libc.MMsgHdr[count];
            Libc.IoVec* vectors = stackalloc Libc.IoVec[count];
            byte* names = stackalloc byte[count * SockAddr.Size];
            byte* controls = stackalloc byte[Math.Max(1, count / MaxSegments) * Libc.CmsgSpaceInt];
            while (!_gate.IsClosed)
            {
                int received;
                if (_receiveOffload)
                {
                    int delivered = ReceiveCoalesced(buffers, sizes, sources, count, messages, vectors, names, controls, out received);
                    if (delivered > 0)
                    {
                        return delivered;
                    }

                    if (received > 0)
                    {
                        continue;
                    }
                }
                else if (count == 1)
                {
                    fixed (byte* data = buffers[0])
                    {
                        Prepare(messages, vectors, data, buffers[0].Length, names, SockAddr.Size);
                        received = Libc.recvmmsg(_fd.Fd, messages, 1, 0, null);
                    }
                }
                else
                {
                    for (int i = 0; i < count; i++)
                    {
                        Prepare(messages + i, vectors + i, Address(buffers[i]), buffers[i].Length, names + (i * SockAddr.Size), SockAddr.Size);
                    }

                    received = Libc.recvmmsg(_fd.Fd, messages, (uint)count, 0, null);
                }

                if (received > 0)
                {
                    int delivered = Deliver(messages, names, received, buffers, sizes, sources);
                    if (delivered > 0)
                    {
                        return delivered;
                    }

                    continue;
                }

                int errno = Libc.LastErrno;
                if (errno == Errno.EAGAIN)
                {
                    if (Poller.Wait(_fd.Fd, Libc.POLLIN, _wake.Fd, -1, out _) == PollResult.Woken)
                    {
                        return 0;
                    }
                }
                else if (errno != Errno.EINTR)
                {
                    // ENOMEM and the like pass; pause so that a persistent error does not spin.
                    _logger.ReceiveFailed(errno);
                    Thread.Sleep(1);
                }
            }

            return 0;
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>Sends datagram i, <c>buffers[i][offset..offset + sizes[i]]</c>, to one destination; false if dropped.</summary>
    [SkipLocalsInit]
    public bool Send(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset, Endpoint destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizes.Length, buffers.Length, nameof(sizes));
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        for (int i = 0; i < buffers.Length; i++)
        {
            // The kernel is handed raw addresses: a range outside a buffer would read other memory.
            ArgumentOutOfRangeException.ThrowIfNegative(sizes[i], nameof(sizes));
            ArgumentOutOfRangeException.ThrowIfGreaterThan((long)offset + sizes[i], buffers[i].Length, nameof(sizes));
        }

        if (buffers.IsEmpty)
        {
            return true;
        }

        if (!_gate.TryEnter())
        {
            return false;
        }

        try
        {
            byte* name = stackalloc byte[SockAddr.Size];
            int nameLength = SockAddr.Write(destination, new Span<byte>(name, SockAddr.Size));
            if (buffers.Length == 1)
            {
                Libc.MMsgHdr message;
                Libc.IoVec vector;
                fixed (byte* data = buffers[0])
                {
                    Prepare(&message, &vector, data + offset, sizes[0], name, nameLength);
                    return SendAll(&message, 1);
                }
            }

            int batch = Math.Min(buffers.Length, MaxBatch);
            Libc.MMsgHdr* messages = stackalloc Libc.MMsgHdr[batch];
            Libc.IoVec* vectors = stackalloc Libc.IoVec[batch];
            int from = 0;
            if (_segmentOffload)
            {
                byte* controls = stackalloc byte[batch * Libc.CmsgSpaceInt];
                int* firsts = stackalloc int[batch + 1];
                from = SendSegmented(buffers, sizes, offset, name, nameLength, messages, vectors, controls, firsts, out bool failed);
                if (failed)
                {
                    return false;
                }
            }

            for (int start = from; start < buffers.Length; start += batch)
            {
                int count = Math.Min(batch, buffers.Length - start);
                for (int i = 0; i < count; i++)
                {
                    Prepare(messages + i, vectors + i, Address(buffers[start + i]) + offset, sizes[start + i], name, nameLength);
                }

                if (!SendAll(messages, count))
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            _gate.Exit();
        }
    }

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

    /// <summary>Fills one header: the source goes to <paramref name="name"/> when receiving; sending, it is the destination.</summary>
    private static void Prepare(Libc.MMsgHdr* message, Libc.IoVec* vector, byte* data, int length, byte* name, int nameLength)
    {
        *vector = new Libc.IoVec { Base = data, Length = (nuint)length };
        *message = new Libc.MMsgHdr
        {
            Header = new Libc.MsgHdr { Name = name, NameLength = (uint)nameLength, Iov = vector, IovLength = 1 },
        };
    }

    /// <summary>The data of a pinned array; its address is stable because the array is on the pinned object heap.</summary>
    private static byte* Address(byte[] buffer) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));

    /// <summary>
    /// Moves what recvmmsg returned into the caller's spans, dropping truncated datagrams and odd sources; a
    /// later datagram moves down into a dropped one's buffer (or is dropped too if it does not fit there), so
    /// datagram i stays in buffers[i].
    /// </summary>
    private int Deliver(Libc.MMsgHdr* messages, byte* names, int received, ReadOnlySpan<byte[]> buffers, Span<int> sizes, Span<Endpoint> sources)
    {
        int delivered = 0;
        for (int i = 0; i < received; i++)
        {
            Libc.MsgHdr header = messages[i].Header;
            var name = new ReadOnlySpan<byte>(names + (i * SockAddr.Size), (int)Math.Min(header.NameLength, SockAddr.Size));
            int length = (int)messages[i].Length;
            if ((header.Flags & Libc.MSG_TRUNC) != 0 || !SockAddr.TryRead(name, out Endpoint source) ||
                length > buffers[delivered].Length)
            {
                Interlocked.Increment(ref _droppedReceives);
                continue;
            }

            if (delivered != i)
            {
                buffers[i].AsSpan(0, length).CopyTo(buffers[delivered]);
            }

            sizes[delivered] = length;
            sources[delivered] = source;
            delivered++;
        }

        return delivered;
    }

    /// <summary>sendmmsg until every message is out; waits briefly when the socket is full; false on failure.</summary>
    private bool SendAll(Libc.MMsgHdr* messages, int count) => SendAll(messages, count, out _) == count;

    /// <summary>
    /// sendmmsg until every message is out, waiting briefly when the socket is full. Returns how many messages went
    /// out; fewer than <paramref name="count"/> on failure, with its errno (0 if the kernel sent nothing and said
    /// nothing).
    /// </summary>
    private int SendAll(Libc.MMsgHdr* messages, int count, out int failure)
    {
        failure = 0;
        int done = 0;
        bool waited = false;
        while (done < count)
        {
            int sent = Libc.sendmmsg(_fd.Fd, messages + done, (uint)(count - done), 0);
            if (sent > 0)
            {
                done += sent;
                waited = false;
                continue;
            }

            if (sent == 0)
            {
                return done;
            }

            int errno = Libc.LastErrno;
            if (errno == Errno.EINTR)
            {
                continue;
            }

            if ((errno == Errno.EAGAIN || errno == Errno.ENOBUFS) && !waited)
            {
                waited = true;
                if (Poller.Wait(_fd.Fd, Libc.POLLOUT, _wake.Fd, SendWaitMilliseconds, out _) == PollResult.Woken)
                {
                    failure = errno;
                    return done;
                }

                continue;
            }

            // ENETUNREACH, EHOSTUNREACH, EPERM (a firewall), EMSGSIZE: the batch is dropped and counted by the caller.
            failure = errno;
            return done;
        }

        return done;
    }
}
