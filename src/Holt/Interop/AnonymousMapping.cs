using System.Runtime.InteropServices;

namespace Holt.Interop;

/// <summary>
/// A private anonymous mapping of zeroed memory, unmapped when disposed (or finalized). The kernel backs a page only
/// once it is first written, so a large mapping costs resident memory only for what is used, and all of it goes
/// back to the system at once when the mapping goes, with nothing left for a garbage collector to find.
/// </summary>
internal sealed class AnonymousMapping : SafeHandle
{
    private AnonymousMapping(nint address, nuint length)
        : base(nint.Zero, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    public override bool IsInvalid => handle == nint.Zero;

    public nuint Length { get; }

    /// <summary>
    /// The start of the mapping. Callers use it only while the mapping cannot be released under them: as long as
    /// they hold this object and do not dispose it.
    /// </summary>
    public nint Address => handle;

    /// <summary>Maps <paramref name="length"/> bytes, reserving no swap for them (MAP_NORESERVE).</summary>
    /// <param name="length">The bytes to map.</param>
    /// <param name="what">What they are for, for the error.</param>
    /// <exception cref="ErrnoException">The kernel refused the mapping (strict overcommit, an address-space limit).</exception>
    public static AnonymousMapping Create(nuint length, string what)
    {
        nint address = Libc.mmap(nint.Zero, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0);
        if (address == Libc.MAP_FAILED)
        {
            int errno = Libc.LastErrno;
            throw new ErrnoException($"cannot map {length} bytes for {what}: {Libc.Describe(errno)}", errno);
        }

        return new AnonymousMapping(address, length);
    }

    protected override bool ReleaseHandle() => Libc.munmap(handle, Length) == 0;
}
