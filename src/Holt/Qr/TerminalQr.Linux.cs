using System.Runtime.InteropServices;

namespace Holt.Qr;

/// <summary>The width of the terminal on standard output, from the TIOCGWINSZ ioctl.</summary>
internal static unsafe partial class TerminalQr
{
    private const int StandardOutput = 1;

    // The same request number on x86_64 and arm64 (asm-generic/ioctls.h).
    private const nuint TIOCGWINSZ = 0x5413;

    /// <summary>struct winsize.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct WindowSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }

    /// <summary>
    /// The columns of the terminal standard output is, or null when it is no terminal, or one that does not know its
    /// width (a serial console reports 0).
    /// </summary>
    public static int? StandardOutputColumns()
    {
        WindowSize size;
        return ioctl(StandardOutput, TIOCGWINSZ, &size) == 0 && size.Columns > 0 ? size.Columns : null;
    }

    // ioctl is variadic in C; its third argument is a pointer here, which every Linux ABI passes like a fixed one.
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, WindowSize* size);
}
