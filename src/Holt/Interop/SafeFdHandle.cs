using System.Runtime.InteropServices;

namespace Holt.Interop;

/// <summary>A file descriptor Holt owns (TUN, socket, eventfd); closed exactly once, when released.</summary>
internal sealed class SafeFdHandle : SafeHandle
{
    /// <summary>For the interop generator, which builds handles returned by open, socket and eventfd.</summary>
    public SafeFdHandle()
        : base(-1, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle < 0;

    /// <summary>
    /// The raw descriptor. Callers use it only while the descriptor cannot be released under them: inside a
    /// <see cref="UseGate"/> or after <see cref="SafeHandle.DangerousAddRef"/>.
    /// </summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.close((int)handle) == 0;
}
