using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Holt.Uapi;

/// <summary>
/// The control socket's file: which inode it is, and whether the path still names ours. An inode, not just a path,
/// because the path can be deleted and taken by another process (<c>wg-quick down</c> then <c>up</c>), and then
/// neither noticing nor cleaning up may touch the newcomer's socket.
/// </summary>
internal static partial class SocketFile
{
    // statx(2) because its struct has one layout on every architecture, unlike stat's.
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxIno = 0x100;
    private const int StatxSize = 256;
    private const int ModeOffset = 28;
    private const int InodeOffset = 32;
    private const int DevMajorOffset = 136;
    private const int DevMinorOffset = 140;
    private const int FileTypeMask = 0xf000;
    private const int SocketFileType = 0xc000;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    /// <summary>Identifies a file: device and inode.</summary>
    public readonly record struct Identity(ulong Device, ulong Inode, bool IsSocket);

    /// <summary>The file at <paramref name="path"/> (not following a symlink), or null if there is none.</summary>
    /// <exception cref="IOException">The path could not be examined (permissions, for one).</exception>
    public static unsafe Identity? Stat(string path)
    {
        byte* buffer = stackalloc byte[StatxSize];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxIno, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR)
            {
                return null;
            }

            throw new IOException($"cannot examine {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        var bytes = new ReadOnlySpan<byte>(buffer, StatxSize);
        ushort mode = MemoryMarshal.Read<ushort>(bytes[ModeOffset..]);
        ulong inode = MemoryMarshal.Read<ulong>(bytes[InodeOffset..]);
        ulong device = ((ulong)MemoryMarshal.Read<uint>(bytes[DevMajorOffset..]) << 32) | MemoryMarshal.Read<uint>(bytes[DevMinorOffset..]);
        return new Identity(device, inode, (mode & FileTypeMask) == SocketFileType);
    }

    /// <summary>The file an open handle refers to (whatever its path names now).</summary>
    public static unsafe Identity StatHandle(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        const int AtEmptyPath = 0x1000;
        byte* buffer = stackalloc byte[StatxSize];
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxType | StatxIno, buffer) != 0)
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

        var bytes = new ReadOnlySpan<byte>(buffer, StatxSize);
        ulong inode = MemoryMarshal.Read<ulong>(bytes[InodeOffset..]);
        ulong device = ((ulong)MemoryMarshal.Read<uint>(bytes[DevMajorOffset..]) << 32) | MemoryMarshal.Read<uint>(bytes[DevMinorOffset..]);
        return new Identity(device, inode, IsSocket: false);
    }

    /// <summary>
    /// Whether a process accepts connections at <paramref name="path"/>. A socket whose process is gone refuses
    /// them (ECONNREFUSED), which is what makes a socket file stale.
    /// </summary>
    public static bool IsServed(string path)
    {
        // Non-blocking, so a live server with a full backlog answers EAGAIN at once instead of stalling the start.
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { Blocking = false };
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string pathname, int flags, uint mask, byte* statxbuf);
}
