using Holt.Interop;

namespace Holt.Tun;

/// <summary>The packet path: one read(2) or write(2) per packet, each buffer pinned for its call only.</summary>
internal sealed unsafe partial class LinuxTun
{
    // How long a write waits for room when the kernel says EAGAIN, before the packet is dropped.
    private const int WriteWaitMilliseconds = 10;

    /// <summary>
    /// Blocks until a packet arrives, then reads as many more as are ready without blocking, up to
    /// <c>buffers.Length</c>. Returns 0 once disposed or once the interface was deleted.
    /// </summary>
    public int Read(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizes.Length, buffers.Length, nameof(sizes));
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (buffers.IsEmpty || Volatile.Read(ref _removedFlag) != 0 || !_gate.TryEnter())
        {
            return 0;
        }

        int count;
        bool detached;
        try
        {
            count = ReadBlocking(buffers, sizes, offset, out detached);
        }
        finally
        {
            _gate.Exit();
        }

        if (detached)
        {
            OnRemoved();
        }

        return count;
    }

    /// <summary>Writes every packet; a packet the kernel refuses is dropped and counted, never thrown.</summary>
    public void Write(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizes.Length, buffers.Length, nameof(sizes));
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (!_gate.TryEnter())
        {
            Interlocked.Add(ref _droppedWrites, buffers.Length);
            return;
        }

        bool detached = false;
        try
        {
            for (int i = 0; i < buffers.Length; i++)
            {
                byte[] buffer = buffers[i];
                ArgumentOutOfRangeException.ThrowIfGreaterThan((long)offset + sizes[i], buffer.Length, nameof(sizes));
                ArgumentOutOfRangeException.ThrowIfNegative(sizes[i], nameof(sizes));
                if (detached || !WriteOne(buffer, offset, sizes[i], out detached))
                {
                    Interlocked.Increment(ref _droppedWrites);
                }
            }
        }
        finally
        {
            _gate.Exit();
        }

        if (detached)
        {
            OnRemoved();
        }
    }

    private int ReadBlocking(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset, out bool detached)
    {
        detached = false;
        while (true)
        {
            int count = Drain(buffers, sizes, offset, out detached, out bool failed);
            if (count > 0 || detached)
            {
                return count;
            }

            if (failed)
            {
                // An error read(2) should not give; pause rather than spin on it.
                Thread.Sleep(1);
            }

            if (Poller.Wait(_fd.Fd, Libc.POLLIN, _wake.Fd, -1, out _) == PollResult.Woken)
            {
                return 0;
            }

            // POLLERR on a TUN descriptor means its interface is gone; the next read says EBADFD.
        }
    }

    /// <summary>Reads packets until none is ready or the buffers are full.</summary>
    private int Drain(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset, out bool detached, out bool failed)
    {
        detached = false;
        failed = false;
        int count = 0;
        while (count < buffers.Length)
        {
            byte[] buffer = buffers[count];
            ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, buffer.Length, nameof(offset));
            nint read;
            fixed (byte* data = buffer)
            {
                read = Libc.read(_fd.Fd, data + offset, (nuint)(buffer.Length - offset));
            }

            if (read > 0)
            {
                sizes[count++] = (int)read;
                continue;
            }

            if (read == 0)
            {
                break;
            }

            int errno = Libc.LastErrno;
            if (errno == Errno.EINTR)
            {
                continue;
            }

            detached = errno == Errno.EBADFD;
            if (!detached && errno != Errno.EAGAIN)
            {
                failed = true;
                _logger.ReadFailed(Name, errno);
            }

            break;
        }

        return count;
    }

    /// <summary>Writes one packet; false if it was dropped.</summary>
    private bool WriteOne(byte[] buffer, int offset, int size, out bool detached)
    {
        detached = false;
        bool waited = false;
        while (true)
        {
            nint written;
            fixed (byte* data = buffer)
            {
                written = Libc.write(_fd.Fd, data + offset, (nuint)size);
            }

            if (written >= 0)
            {
                return true;
            }

            int errno = Libc.LastErrno;
            switch (errno)
            {
                case Errno.EINTR:
                    continue;
                case Errno.EAGAIN when !waited:
                    waited = true;
                    if (Poller.Wait(_fd.Fd, Libc.POLLOUT, _wake.Fd, WriteWaitMilliseconds, out _) == PollResult.Woken)
                    {
                        return false;
                    }

                    continue;
                case Errno.EBADFD:
                    detached = true;
                    return false;
                default:
                    // EIO while the interface is down, EINVAL for a packet that is not IP: the packet's loss only.
                    return false;
            }
        }
    }
}
