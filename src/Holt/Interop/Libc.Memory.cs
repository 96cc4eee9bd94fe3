using System.Runtime.InteropServices;

namespace Holt.Interop;

/// <summary>Anonymous memory mappings: mmap(2), munmap(2).</summary>
internal static unsafe partial class Libc
{
    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int MAP_PRIVATE = 0x02;
    public const int MAP_ANONYMOUS = 0x20;
    public const int MAP_NORESERVE = 0x4000;

    /// <summary>What mmap returns when it fails: (void *) -1.</summary>
    public static readonly nint MAP_FAILED = -1;

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int munmap(nint address, nuint length);
}
