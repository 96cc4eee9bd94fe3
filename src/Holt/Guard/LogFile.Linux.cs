using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Holt.Guard;

/// <summary>statx(2) and open(2) for log files: .NET tells neither a file's type nor opens a FIFO without blocking.</summary>
internal static partial class LogFile
{
    // statx because its struct has one layout on every architecture, unlike stat's.
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxIno = 0x100;
    private const uint StatxSize = 0x200;
    private const int StatxBufferSize = 256;
    private const int ModeOffset = 28;
    private const int InodeOffset = 32;
    private const int SizeOffset = 40;
    private const int DevMajorOffset = 136;
    private const int DevMinorOffset = 140;
    private const int OReadOnly = 0;
    private const int ONonBlock = 0x800;
    private const int OCloseOnExec = 0x80000;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    /// <summary>The file <paramref name="path"/> names (through symlinks, as an open does), or null when there is none.</summary>
    /// <exception cref="CommandException">The path cannot be examined (permissions, for one).</exception>
    public static unsafe LogFileStat? Stat(string path)
    {
        byte* buffer = stackalloc byte[StatxBufferSize];
        if (statx(AtFdCwd, path, 0, StatxType | StatxIno | StatxSize, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR ? null : throw new CommandException($"cannot examine {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return Parse(new ReadOnlySpan<byte>(buffer, StatxBufferSize));
    }

    /// <summary>The file an open handle refers to, whatever its path names now.</summary>
    public static unsafe LogFileStat Stat(SafeFileHandle handle)
    {
        byte* buffer = stackalloc byte[StatxBufferSize];
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxType | StatxIno | StatxSize, buffer) != 0)
            {
                throw new IOException($"cannot examine an open file: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return Parse(new ReadOnlySpan<byte>(buffer, StatxBufferSize));
    }

    /// <summary>
    /// Opens for reading without blocking (opening a FIFO with no writer would wait forever), or returns null when
    /// the file does not exist.
    /// </summary>
    private static SafeFileHandle? OpenNonBlocking(string path, out int errno)
    {
        SafeFileHandle handle = open(path, OReadOnly | ONonBlock | OCloseOnExec);
        errno = handle.IsInvalid ? Marshal.GetLastPInvokeError() : 0;
        if (!handle.IsInvalid)
        {
            return handle;
        }

        handle.Dispose();
        return null;
    }

    private static bool IsMissing(int errno) => errno is ENOENT or ENOTDIR;

    private static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    private static LogFileStat Parse(ReadOnlySpan<byte> statx)
    {
        ushort mode = MemoryMarshal.Read<ushort>(statx[ModeOffset..]);
        ulong inode = MemoryMarshal.Read<ulong>(statx[InodeOffset..]);
        long size = MemoryMarshal.Read<long>(statx[SizeOffset..]);
        ulong device = ((ulong)MemoryMarshal.Read<uint>(statx[DevMajorOffset..]) << 32) | MemoryMarshal.Read<uint>(statx[DevMinorOffset..]);
        return new LogFileStat(device, inode, (LogFileKind)(mode & 0xf000), size);
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string pathname, int flags, uint mask, byte* statxbuf);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeFileHandle open(string pathname, int flags);
}
