using Holt.Interop;
using Holt.Tun.Offload;

namespace Holt.Tun;

/// <summary>
/// The packet path: one read(2) or write(2) per packet or superpacket, each behind its virtio header. A read lands
/// in the <see cref="Segmenter"/>, which hands out plain packets; a write first lets the <see cref="Coalescer"/>
/// merge the batch's TCP segments into superpackets of its own, and writes each plain packet's header in the room
/// the caller leaves in front of it.
/// </summary>
internal sealed unsafe partial class LinuxTun
{
    // How long a write waits for room when the kernel says EAGAIN, before the packet is dropped.
    private const int WriteWaitMilliseconds = 10;

    // Only the TUN reader thread reads.
    private readonly Segmenter _segmenter = new();
    private readonly bool _coalesce;

    // Peers deliver on thread-pool threads at once; each thread merges in scratch space of its own.
    [ThreadStatic]
    private static WriteScratch? t_scratch;

    /// <summary>What a read could not turn into packets: a header that contradicts its packet, an unknown offload.</summary>
    public long DroppedReads => Interlocked.Read(ref _droppedReads);

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
                ArgumentOutOfRangeException.ThrowIfGreaterThan((long)offset + sizes[i], buffers[i].Length, nameof(sizes));
                ArgumentOutOfRangeException.ThrowIfNegative(sizes[i], nameof(sizes));
            }

            WriteScratch scratch = t_scratch ??= new WriteScratch();
            scratch.Prepare(buffers.Length);
            Span<int> lengths = scratch.Sizes.AsSpan(0, buffers.Length);
            sizes.CopyTo(lengths);
            Span<VirtioNetHeader> headers = scratch.Headers.AsSpan(0, buffers.Length);
            Span<bool> merged = scratch.Merged.AsSpan(0, buffers.Length);
            Span<byte[]?> superpackets = scratch.Superpackets.AsSpan(0, buffers.Length);
            if (_coalesce)
            {
                scratch.Coalescer.Coalesce(buffers, lengths, offset, headers, merged, superpackets);
            }
            else
            {
                headers.Clear();
                merged.Clear();
                superpackets.Clear();
            }

            for (int i = 0; i < buffers.Length; i++)
            {
                if (merged[i])
                {
                    continue;
                }

                bool written = !detached && (superpackets[i] is byte[] superpacket
                    ? WriteWithHeader(superpacket, VirtioNetHeader.Size, lengths[i], headers[i], scratch, out detached)
                    : WriteWithHeader(buffers[i], offset, lengths[i], headers[i], scratch, out detached));
                if (!written)
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

    /// <summary>
    /// Hands out what is left of the last superpacket, then reads until none is ready or the buffers are full.
    /// </summary>
    private int Drain(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset, out bool detached, out bool failed)
    {
        detached = false;
        failed = false;
        foreach (byte[] buffer in buffers)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, buffer.Length, nameof(offset));
        }

        int count = _segmenter.Take(buffers, sizes, offset, 0, ref _droppedReads);
        while (count < buffers.Length && !_segmenter.HasPending)
        {
            nint read;
            Span<byte> target = _segmenter.ReadBuffer;
            fixed (byte* data = target)
            {
                read = Libc.read(_fd.Fd, data, (nuint)target.Length);
            }

            if (read > 0)
            {
                if (_segmenter.Load((int)read))
                {
                    count += _segmenter.Take(buffers, sizes, offset, count, ref _droppedReads);
                }
                else
                {
                    Interlocked.Increment(ref _droppedReads);
                }

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

    /// <summary>
    /// Writes one packet behind its virtio header: in place, in the room in front of the packet, or through the
    /// scratch buffer when the caller left no room.
    /// </summary>
    private bool WriteWithHeader(byte[] buffer, int offset, int size, in VirtioNetHeader header, WriteScratch scratch, out bool detached)
    {
        if (offset >= VirtioNetHeader.Size)
        {
            header.Write(buffer.AsSpan(offset - VirtioNetHeader.Size));
            return WriteOne(buffer, offset - VirtioNetHeader.Size, size + VirtioNetHeader.Size, out detached);
        }

        byte[] staging = scratch.Staging;
        header.Write(staging);
        buffer.AsSpan(offset, size).CopyTo(staging.AsSpan(VirtioNetHeader.Size));
        return WriteOne(staging, 0, size + VirtioNetHeader.Size, out detached);
    }

    /// <summary>Writes one packet, its header included; false if it was dropped.</summary>
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

    /// <summary>One thread's space for merging a batch before it is written.</summary>
    private sealed class WriteScratch
    {
        public Coalescer Coalescer { get; } = new();

        public int[] Sizes { get; private set; } = [];

        public VirtioNetHeader[] Headers { get; private set; } = [];

        public bool[] Merged { get; private set; } = [];

        public byte[]?[] Superpackets { get; private set; } = [];

        /// <summary>For a caller that leaves no room in front of its packets.</summary>
        public byte[] Staging => _staging ??= new byte[Segmenter.ReadBufferSize];

        private byte[]? _staging;

        public void Prepare(int count)
        {
            if (Sizes.Length < count)
            {
                Sizes = new int[count];
                Headers = new VirtioNetHeader[count];
                Merged = new bool[count];
                Superpackets = new byte[]?[count];
            }
        }
    }
}
