namespace Holt.Interop;

/// <summary>
/// An eventfd polled next to a data descriptor, so closing can wake a thread blocked in poll(2). Once set it stays
/// readable (it is never read), which wakes every later poll too.
/// </summary>
internal sealed unsafe class WakeSignal : IDisposable
{
    private readonly SafeFdHandle _fd;

    private WakeSignal(SafeFdHandle fd) => _fd = fd;

    /// <summary>The eventfd; valid while the owner's <see cref="UseGate"/> is entered.</summary>
    public int Fd => _fd.Fd;

    public static WakeSignal Create()
    {
        SafeFdHandle fd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (fd.IsInvalid)
        {
            int errno = Libc.LastErrno;
            fd.Dispose();
            throw new ErrnoException($"cannot create an eventfd: {Errno.Describe(errno)}", errno);
        }

        return new WakeSignal(fd);
    }

    public void Set()
    {
        ulong one = 1;
        _ = Libc.write(_fd.Fd, (byte*)&one, sizeof(ulong));
    }

    public void Dispose() => _fd.Dispose();
}
