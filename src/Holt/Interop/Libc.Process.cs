using System.Runtime.InteropServices;

namespace Holt.Interop;

/// <summary>Process calls for daemonizing: a readiness pipe the child inherits, and a session of its own.</summary>
internal static partial class Libc
{
    internal const int F_SETFD = 2;
    internal const int FD_CLOEXEC = 1;

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static unsafe partial int pipe2(int* fds, int flags);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int setsid();

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int dup2(int oldFd, int newFd);

    /// <summary>fcntl with an int argument; here only to clear FD_CLOEXEC on the pipe end a child must inherit.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int FcntlInt(int fd, int command, int argument);
}
