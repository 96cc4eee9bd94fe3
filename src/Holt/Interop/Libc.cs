using System.Runtime.InteropServices;

namespace Holt.Interop;

/// <summary>
/// The C library calls Holt makes on Linux, one native function per declaration. Each subsystem keeps its own
/// declarations in its own partial file (Libc.Tun.cs, Libc.Socket.cs, ...); this file holds what they share.
/// </summary>
internal static partial class Libc
{
    private const string LibraryName = "libc";

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int close(int fd);

    /// <summary>The errno of the last failed call, as a positive number.</summary>
    internal static int LastErrno => Marshal.GetLastPInvokeError();

    /// <summary>The text of an errno, as strerror gives it, for one-line error messages.</summary>
    internal static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
