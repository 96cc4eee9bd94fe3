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

    internal const int SIGTERM = 15;

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int kill(int pid, int signal);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int dup2(int oldFd, int newFd);

    internal const int SIGINT = 2;
    internal const nint SIG_DFL = 0;
    internal const nint SIG_IGN = 1;

    /// <summary>glibc's struct sigaction on x86_64 and arm64: the handler, a 1024-bit mask, the flags, the restorer.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SigAction
    {
        public nint Handler;
        public SigSet Mask;
        public int Flags;
        public nint Restorer;
    }

    [System.Runtime.CompilerServices.InlineArray(16)]
    internal struct SigSet
    {
        private ulong _word;
    }

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static unsafe partial int sigaction(int signal, SigAction* action, SigAction* previous);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static unsafe partial int execv(byte* path, byte** argv);

    /// <summary>fcntl with an int argument; here only to clear FD_CLOEXEC on the pipe end a child must inherit.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int FcntlInt(int fd, int command, int argument);
}
