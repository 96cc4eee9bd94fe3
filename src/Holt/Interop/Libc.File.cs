using System.Runtime.InteropServices;

namespace Holt.Interop;

/// <summary>
/// Advisory file locks: the gateway's commands and daemon edit holt.toml one at a time. The lock file is opened
/// with open(2), not FileStream, because .NET takes a non-blocking flock of its own on the files it opens and
/// would fail at once where this must wait.
/// </summary>
internal static partial class Libc
{
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;
    internal const int O_CREAT = 0x40;

    [LibraryImport(LibraryName, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial SafeFdHandle OpenWithMode(string path, int flags, uint mode);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int flock(SafeFdHandle fd, int operation);
}
