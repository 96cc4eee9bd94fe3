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
