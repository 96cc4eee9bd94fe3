using System.Runtime.InteropServices;

namespace Holt.Interop;

/// <summary>Reading, writing and waiting on descriptors: read(2), write(2), poll(2), eventfd(2).</summary>
internal static unsafe partial class Libc
{
    public const short POLLIN = 0x001;
    public const short POLLOUT = 0x004;

    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial SafeFdHandle eventfd(uint initialValue, int flags);
}
