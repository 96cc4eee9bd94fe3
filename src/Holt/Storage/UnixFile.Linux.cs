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
    private const int NonBlocking = 0x800;
    private const int AtEmptyPath = 0x1000;

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

    /// <summary>"a directory", "a FIFO (named pipe)": what a file of <paramref name="type"/> is, for a message.</summary>
    public static string Describe(FileType type) => type switch
    {
        FileType.RegularFile => "a regular file",
        FileType.Directory => "a directory",
        FileType.SymbolicLink => "a symbolic link",
        FileType.CharacterDevice => "a character device",
        FileType.BlockDevice => "a block device",
        FileType.Fifo => "a FIFO (named pipe)",
        FileType.Socket => "a socket",
        _ => "nothing",
    };

    /// <summary>
    /// Reads a whole regular file of at most <paramref name="limit"/> bytes, and refuses anything else without
    /// waiting on it: the open of a FIFO waits for a writer, a device may never end (or act when opened: a tape
    /// rewinds), and a directory only fails at the first read. So the path is looked at before it is opened, opened
    /// without blocking, and the open file looked at again, since the path may name another file by then.
    /// </summary>
    /// <param name="type">What the path names (through symbolic links).</param>
    /// <returns>The bytes; null when <paramref name="type"/> is not a regular file (or is missing) and nothing was read.</returns>
    /// <exception cref="IOException">
    /// It cannot be read, or is larger than <paramref name="limit"/>; the message says why in a few words, such as
    /// "permission denied".
    /// </exception>
    public static byte[]? ReadRegular(string path, int limit, out FileType type)
    {
        byte* buffer = stackalloc byte[StatxSize];
        if (statx(AtFdCwd, path, 0, StatxType, buffer) != 0)
        {
            int errno = Libc.LastErrno;
            type = FileType.Missing;

            // A component that is a file (holt.toml/x) names nothing, as open(2) would say.
            return errno is Errno.ENOENT or Errno.ENOTDIR ? null : throw new IOException(Problem(errno));
        }

        type = TypeFromMode(MemoryMarshal.Read<ushort>(new ReadOnlySpan<byte>(buffer + ModeOffset, sizeof(ushort))));
        if (type != FileType.RegularFile)
        {
            return null;
        }

        using SafeFdHandle file = Libc.OpenWithMode(path, ReadOnly | NonBlocking | NoControllingTerminal | Libc.O_CLOEXEC, 0);
        if (file.IsInvalid)
        {
            int errno = Libc.LastErrno;
            type = FileType.Missing;
            return errno is Errno.ENOENT or Errno.ENOTDIR ? null : throw new IOException(Problem(errno));
        }

        if (statx(file.Fd, "", AtEmptyPath, StatxType, buffer) != 0)
        {
            throw new IOException(Problem(Libc.LastErrno));
        }

        type = TypeFromMode(MemoryMarshal.Read<ushort>(new ReadOnlySpan<byte>(buffer + ModeOffset, sizeof(ushort))));
        return type == FileType.RegularFile ? ReadAll(file, limit) : null;
    }

    /// <summary>Reads to the end of the file, refusing more than <paramref name="limit"/> bytes (the file may grow while it is read).</summary>
    private static byte[] ReadAll(SafeFdHandle file, int limit)
    {
        using var content = new MemoryStream();
        byte[] chunk = new byte[64 * 1024];
        while (true)
        {
            nint count;
            fixed (byte* start = chunk)
            {
                count = Libc.read(file.Fd, start, (nuint)chunk.Length);
            }

            if (count < 0)
            {
                int errno = Libc.LastErrno;
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                throw new IOException(Problem(errno));
            }

            if (count == 0)
            {
                return content.ToArray();
            }

            if (content.Length + count > limit)
            {
                throw new IOException($"it is larger than {SizeText(limit)}");
            }

            content.Write(chunk, 0, (int)count);
        }
    }

    private static string SizeText(int bytes) => bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes} bytes";

    /// <summary>Why a path cannot be read, in the words of a one-line message.</summary>
    private static string Problem(int errno) => errno switch
    {
        Errno.EACCES => "permission denied",
        Errno.ELOOP => "too many levels of symbolic links (a link that leads back to itself?)",
        _ => Libc.Describe(errno),
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
