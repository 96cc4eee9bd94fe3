using System.Buffers;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Holt.Guard;

/// <summary>A file's type, as the S_IFMT bits of its mode say.</summary>
internal enum LogFileKind
{
    Fifo = 0x1000,
    CharacterDevice = 0x2000,
    Directory = 0x4000,
    BlockDevice = 0x6000,
    Regular = 0x8000,
    Symlink = 0xa000,
    Socket = 0xc000,
}

/// <summary>What statx says of a log file: which file it is (device and inode), its type and its size.</summary>
internal readonly record struct LogFileStat(ulong Device, ulong Inode, LogFileKind Kind, long Size)
{
    public bool IsSameFile(LogFileStat other) => Device == other.Device && Inode == other.Inode;
}

/// <summary>
/// The checks every log reader makes before reading: only a regular file is a log. A directory cannot be read, a
/// device (<c>/dev/zero</c>) never ends, and a FIFO blocks the opener until a writer comes and then never ends
/// either; each is refused with one line instead. <c>/dev/null</c> is refused like any device: it holds no log, and
/// reporting zero lines would hide the mistake.
/// </summary>
internal static partial class LogFile
{
    /// <summary>
    /// Opens a regular file for reading, or returns null when <paramref name="path"/> does not exist.
    /// </summary>
    /// <param name="path">The log file.</param>
    /// <param name="verb">What the caller does with it ("read", "follow"), for the error message.</param>
    /// <param name="stat">The opened file's type and identity.</param>
    /// <exception cref="CommandException">It is not a regular file, or it cannot be opened.</exception>
    public static SafeFileHandle? TryOpen(string path, string verb, out LogFileStat stat)
    {
        stat = default;

        // Looked at before opening too: opening a device can do things of its own (a tape drive rewinds).
        if (Stat(path) is LogFileStat named && named.Kind != LogFileKind.Regular)
        {
            throw NotALog(path, verb, named.Kind);
        }

        SafeFileHandle? handle = OpenNonBlocking(path, out int errno);
        if (handle is null)
        {
            return IsMissing(errno) ? null : throw new CommandException($"cannot {verb} {path}: {Describe(errno)}");
        }

        try
        {
            // Checked again on the open file: the path may have been replaced since it was looked at.
            stat = Stat(handle);
            return stat.Kind == LogFileKind.Regular ? handle : throw NotALog(path, verb, stat.Kind);
        }
        catch (Exception e) when (e is IOException or CommandException)
        {
            handle.Dispose();
            throw e as CommandException ?? new CommandException($"cannot {verb} {path}: {e.Message}", e);
        }
    }

    /// <summary>Opens a regular file for reading.</summary>
    /// <exception cref="CommandException">It does not exist, is not a regular file, or cannot be opened.</exception>
    public static SafeFileHandle Open(string path, string verb) =>
        TryOpen(path, verb, out _) ?? throw new CommandException($"cannot {verb} {path}: {Describe(ENOENT)}");

    /// <summary>
    /// Why the first block of a file (decompressed, when it was gzip) is not text, or null when it may be a log.
    /// NUL bytes are left out of the count: a real log can hold long runs of them after an unclean shutdown and must
    /// still be read. What remains is binary when more than one byte in eight is a control character that text
    /// does not use, or is not UTF-8: random bytes or machine code score around one in two, logs close to zero
    /// (even a log in Latin-1 has far fewer accented letters than that).
    /// </summary>
    public static string? NotText(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("\u007fELF"u8))
        {
            return "an ELF executable";
        }

        long counted = 0, odd = 0;
        while (!head.IsEmpty)
        {
            byte b = head[0];
            if (b < 0x80)
            {
                counted += b == 0 ? 0 : 1;
                odd += IsOddControl(b) ? 1 : 0;
                head = head[1..];
                continue;
            }

            OperationStatus status = Rune.DecodeFromUtf8(head, out _, out int used);
            if (status == OperationStatus.NeedMoreData)
            {
                // A character cut by the end of the block, not a bad one.
                break;
            }

            counted += used;
            odd += status == OperationStatus.Done ? 0 : used;
            head = head[used..];
        }

        return odd * 8 > counted ? "binary data" : null;
    }

    /// <summary>A control character no log line holds: all of C0 but tab, newline, vertical tab, form feed, carriage return and escape (colours); and DEL.</summary>
    private static bool IsOddControl(byte b) => b is (> 0 and < 0x09) or (> 0x0d and < 0x20 and not 0x1b) or 0x7f;

    private static CommandException NotALog(string path, string verb, LogFileKind kind)
    {
        string what = kind switch
        {
            LogFileKind.Directory => "a directory",
            LogFileKind.CharacterDevice => "a character device",
            LogFileKind.BlockDevice => "a block device",
            LogFileKind.Fifo => "a FIFO (named pipe)",
            LogFileKind.Socket => "a socket",
            _ => "a special file",
        };
        return new CommandException($"cannot {verb} {path}: it is {what}, not a log file");
    }
}
