using System.Runtime.InteropServices;
using System.Text;
using Holt.Interop;

namespace Holt.Storage;

/// <summary>What a name in the file system is, as stat(2) tells it.</summary>
internal enum FileType
{
    Missing,
    RegularFile,
    Directory,
    SymbolicLink,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
}

/// <summary>A file's type, permission bits and owner.</summary>
internal sealed record FileStatus(FileType Type, UnixFileMode Mode, uint Uid, uint Gid);

/// <summary>
/// The file-system calls the writers need and .NET does not offer: a file's type (device, FIFO, socket), a
/// directory's real path, writing into a file that must not be replaced, and flushing a directory (.NET refuses to
/// open one).
/// </summary>
internal static unsafe partial class UnixFile
{
    // statx(2), not stat(2): its struct has one layout on every architecture.
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxSize = 256;
    private const int ModeOffset = 28;

    // These open(2) flags have the same values on x86_64 and arm64 (unlike O_DIRECTORY and O_NOFOLLOW).
    private const int ReadOnly = 0x0;
    private const int WriteOnly = 0x1;
    private const int NoControllingTerminal = 0x100;
    private const int Append = 0x400;

    private const int PathMax = 4096;

    /// <summary>The type of what <paramref name="path"/> names; a symbolic link itself unless <paramref name="follow"/>.</summary>
    /// <exception cref="IOException">The path could not be examined (permissions, a component that is not a directory).</exception>
    public static FileType TypeOf(string path, bool follow)
    {
        byte* buffer = stackalloc byte[StatxSize];
        if (statx(AtFdCwd, path, follow ? 0 : AtSymlinkNoFollow, StatxType, buffer) != 0)
        {
            int errno = Libc.LastErrno;
            return errno == Errno.ENOENT ? FileType.Missing : throw new IOException(Libc.Describe(errno));
        }

        return TypeFromMode(MemoryMarshal.Read<ushort>(new ReadOnlySpan<byte>(buffer + ModeOffset, sizeof(ushort))));
    }

    private static FileType TypeFromMode(ushort mode) =>
        (mode & 0xf000) switch
        {
            0x8000 => FileType.RegularFile,
            0x4000 => FileType.Directory,
            0xa000 => FileType.SymbolicLink,
            0x2000 => FileType.CharacterDevice,
            0x6000 => FileType.BlockDevice,
            0x1000 => FileType.Fifo,
            0xc000 => FileType.Socket,
            _ => throw new IOException($"it has an unknown file type (mode {mode:x})"),
        };

    /// <summary>
    /// What <paramref name="path"/> is, its permission bits and its owner (a symbolic link itself unless
    /// <paramref name="follow"/>), or null when it does not exist.
    /// </summary>
    /// <exception cref="IOException">The path could not be examined (permissions, a component that is not a directory).</exception>
    public static FileStatus? StatusOf(string path, bool follow)
    {
        const uint mask = StatxType | 0x2 | 0x8 | 0x10; // type, mode, uid, gid
        byte* buffer = stackalloc byte[StatxSize];
        if (statx(AtFdCwd, path, follow ? 0 : AtSymlinkNoFollow, mask, buffer) != 0)
        {
            int errno = Libc.LastErrno;
            return errno == Errno.ENOENT ? null : throw new IOException(Libc.Describe(errno));
        }

        var span = new ReadOnlySpan<byte>(buffer, StatxSize);
        uint uid = MemoryMarshal.Read<uint>(span[20..]);
        uint gid = MemoryMarshal.Read<uint>(span[24..]);
        ushort mode = MemoryMarshal.Read<ushort>(span[ModeOffset..]);
        return new FileStatus(TypeFromMode(mode), (UnixFileMode)(mode & 0xfff), uid, gid);
    }

    /// <summary>The directory's absolute path with every symbolic link resolved, or null if it does not exist.</summary>
    /// <exception cref="IOException">It is not a directory, or could not be looked at.</exception>
    public static string? RealDirectory(string directory)
    {
        byte* resolved = stackalloc byte[PathMax];
        if (realpath(directory, resolved) == null)
        {
            int errno = Libc.LastErrno;
            return errno == Errno.ENOENT ? null : throw new IOException($"{directory}: {Libc.Describe(errno)}");
        }

        string real = Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(resolved));
        return TypeOf(real, follow: false) == FileType.Directory ? real : throw new IOException($"{directory} is not a directory");
    }

    /// <summary>
    /// Writes <paramref name="content"/> into the existing file at <paramref name="path"/>: opened for writing only,
    /// never created or truncated, so a device stays a device and a FIFO delivers the bytes to its reader (opening
    /// one waits for a reader, as a shell's redirection does).
    /// </summary>
    /// <param name="append">Write at the end: for a regular file reached through /proc (a redirected /dev/stdout).</param>
    public static void WriteThrough(string path, ReadOnlySpan<byte> content, bool append)
    {
        // No controlling terminal: a daemon writing to a terminal device must not acquire it.
        using SafeFdHandle file = Libc.OpenWithMode(path, WriteOnly | NoControllingTerminal | Libc.O_CLOEXEC | (append ? Append : 0), 0);
        if (file.IsInvalid)
        {
            throw new IOException(Libc.Describe(Libc.LastErrno));
        }

        fixed (byte* start = content)
        {
            int written = 0;
            while (written < content.Length)
            {
                nint count = Libc.write(file.Fd, start + written, (nuint)(content.Length - written));
                if (count < 0)
                {
                    int errno = Libc.LastErrno;
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }

                    throw new IOException(Libc.Describe(errno));
                }

                written += (int)count;
            }
        }
    }

    /// <summary>Flushes a directory, so a rename in it survives a crash; a file system that cannot is left as it is.</summary>
    public static void FlushDirectory(string directory)
    {
        using SafeFdHandle handle = Libc.OpenWithMode(directory, ReadOnly | Libc.O_CLOEXEC, 0);
        if (!handle.IsInvalid)
        {
            _ = fsync(handle);
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string pathname, int flags, uint mask, byte* statxbuf);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial byte* realpath(string path, byte* resolved);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int fsync(SafeFdHandle fd);
}
