using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Holt.Guard;

/// <summary>
/// Where a follower stands in a log: which file (device and inode, and a hash of its first bytes, because a deleted
/// file's inode is soon given to the next one) and how many bytes of it are consumed.
/// </summary>
internal sealed record FollowPosition(ulong Device, ulong Inode, long Offset, string Head);

/// <summary>
/// Follows a log file the way logrotate treats it, without losing or re-reading a line:
/// <list type="bullet">
/// <item>rotation by rename: the file the path names changes inode; the old file is read to its end first (a
/// writer may still add to it until it reopens), then the new one from its start;</item>
/// <item>copytruncate: the file shrinks below what was read; it is read again from its start;</item>
/// <item>a line is handed out only once its newline is there, and the position covers only whole lines, so a
/// restart resumes exactly after the last line handled.</item>
/// </list>
/// Memory and work are bounded whatever the file holds: lines go through a <see cref="LineSplitter"/> (too long a
/// line, or NUL padding, is skipped and counted in <see cref="SkippedLines"/>), and one call reads at most
/// <see cref="MaxBytesPerRead"/> bytes and hands out at most <see cref="MaxLinesPerRead"/> lines, saying in
/// <see cref="MoreAvailable"/> that the caller should come back at once. The position covers skipped bytes too, so
/// a restart does not read gigabytes of padding again; it points inside a line only when that line is being skipped.
/// Without a saved position (or with one for a file that is gone), following starts at the end of the file: old
/// lines are the report's business, not the guard's.
/// </summary>
internal sealed class LogFollower : IDisposable
{
    /// <summary>Bytes one call reads at most: a backlog of gigabytes is taken in slices that each take a few milliseconds.</summary>
    public const int MaxBytesPerRead = 1024 * 1024;

    /// <summary>Lines one call hands out at most, so a megabyte of short lines does not become a million strings at once.</summary>
    public const int MaxLinesPerRead = 4096;

    private const int ChunkSize = 64 * 1024;
    private const int HeadSize = 64;

    private readonly string _path;
    private readonly byte[] _chunk = new byte[ChunkSize];
    private readonly LineSplitter _splitter = new();
    private SafeFileHandle? _file;
    private LogFileStat _identity;

    // _read: the offset of the next byte to read; _consumed: the position to resume from, before the line in progress.
    private long _read;
    private long _consumed;

    // Until the file is first opened: where to start it, by the saved position or else at its end or its start.
    private FollowPosition? _resume;
    private bool _fromEnd;

    // A problem met after some lines were read: said at the next call, once those lines are handed out.
    private CommandException? _problem;

    // The read in progress: where its lines go, how many went, and whether the handler is running (what it throws
    // is its own, never a problem of the file's).
    private Action<string>? _handle;
    private int _handed;
    private bool _handing;

    public LogFollower(string path, FollowPosition? resume)
    {
        _path = path;
        _resume = resume;
        try
        {
            _file = LogFile.TryOpen(path, "follow", out _identity);
        }
        catch (CommandException)
        {
            // Not readable now (a directory, no permission): ReadAvailable says why, and tries again each time.
            _fromEnd = true;
            return;
        }

        _fromEnd = _file is not null;
        if (_file is not null)
        {
            Begin();
        }
    }

    public string Path => _path;

    /// <summary>The position after the last whole line handed out or skipped; null before the file first exists.</summary>
    public FollowPosition? Position => _file is null ? null : new FollowPosition(_identity.Device, _identity.Inode, _consumed, HeadOf(_file, _consumed));

    /// <summary>Lines skipped since the follower started: longer than <see cref="LineSplitter.MaxLineLength"/>, or cut by NUL padding.</summary>
    public long SkippedLines => _splitter.SkippedLines;

    /// <summary>Whether the last <see cref="ReadAvailable"/> stopped at its budget with more to read.</summary>
    public bool MoreAvailable { get; private set; }

    /// <summary>Whether the last <see cref="ReadAvailable"/> moved <see cref="Position"/> (lines or skipped bytes).</summary>
    public bool Advanced { get; private set; }

    /// <summary>
    /// The whole lines written since the last call, across a rotation or truncation, within this call's budget.
    /// </summary>
    /// <exception cref="CommandException">The file cannot be read, or is not a regular file any more.</exception>
    public IReadOnlyList<string> ReadAvailable()
    {
        var lines = new List<string>();
        _ = ReadAvailable(lines.Add);
        return lines;
    }

    /// <summary>
    /// Hands each whole line written since the last call to <paramref name="handle"/> as it is read, across a rotation
    /// or truncation, within this call's budget; returns how many. A line is garbage as soon as it is handled, so a
    /// flood's slice of thousands of lines is never alive at once. What <paramref name="handle"/> throws is passed on
    /// as it is.
    /// </summary>
    /// <exception cref="CommandException">The file cannot be read, or is not a regular file any more.</exception>
    public int ReadAvailable(Action<string> handle)
    {
        if (_problem is CommandException problem)
        {
            _problem = null;
            throw problem;
        }

        (_handle, _handed) = (handle, 0);
        (LogFileStat identity, long consumed) = (_identity, _consumed);
        MoreAvailable = false;
        try
        {
            Read();
        }
        catch (Exception e) when (!_handing && e is IOException or UnauthorizedAccessException or CommandException)
        {
            problem = e as CommandException ?? new CommandException($"cannot follow {_path}: {e.Message}", e);
            if (_handed == 0 && consumed == _consumed)
            {
                throw problem;
            }

            // The position is past the lines read before the trouble: they are handed out, and the trouble said next time.
            _problem = problem;
            MoreAvailable = true;
        }
        finally
        {
            _handle = null;
        }

        Advanced = _handed > 0 || consumed != _consumed || !identity.IsSameFile(_identity);
        return _handed;
    }

    public void Dispose() => _file?.Dispose();

    private void Read()
    {
        if (_file is null)
        {
            // The file did not exist yet: a log that appears is read from its start.
            _file = LogFile.TryOpen(_path, "follow", out _identity);
            if (_file is null)
            {
                return;
            }

            Begin();
        }

        if (RandomAccess.GetLength(_file) < _read)
        {
            // Truncated in place (copytruncate): everything in it now is new.
            StartAt(0);
        }

        int budget = MaxBytesPerRead;
        if (!ReadToEnd(ref budget) || LogFile.Stat(_path) is not LogFileStat current || current.IsSameFile(_identity))
        {
            return;
        }

        // Rotated: the old file is finished once it is read to its end again (a writer adds to it until it reopens);
        // a last line without its newline is still a line.
        if (!ReadToEnd(ref budget))
        {
            return;
        }

        if (_splitter.TryFinish(out ReadOnlySpan<byte> last))
        {
            Hand(last);
        }

        _file.Dispose();
        _file = null;
        _resume = null;
        _fromEnd = false;
        _file = LogFile.TryOpen(_path, "follow", out _identity);
        if (_file is not null)
        {
            Begin();
            _ = ReadToEnd(ref budget);
        }
    }

    /// <summary>Reads on from <see cref="_read"/>; true at the end of the file, false when the budget ran out first.</summary>
    private bool ReadToEnd(ref int budget)
    {
        while (budget > 0 && _handed < MaxLinesPerRead)
        {
            int read = RandomAccess.Read(_file!, _chunk.AsSpan(0, Math.Min(_chunk.Length, budget)), _read);
            if (read == 0)
            {
                return true;
            }

            ReadOnlySpan<byte> input = _chunk.AsSpan(0, read);
            while (_handed < MaxLinesPerRead && _splitter.TryRead(ref input, out ReadOnlySpan<byte> line))
            {
                Hand(line);
            }

            // What the line limit left of the block is read again next time.
            int used = read - input.Length;
            _read += used;
            _consumed = _read - _splitter.Pending;
            budget -= used;
        }

        MoreAvailable = true;
        return false;
    }

    /// <summary>Starts the file just opened at the saved position if it is this file's, else at its end or start.</summary>
    private void Begin()
    {
        long length = RandomAccess.GetLength(_file!);
        bool resumes = _resume is FollowPosition resume && resume.Device == _identity.Device && resume.Inode == _identity.Inode &&
            resume.Offset <= length && resume.Head == HeadOf(_file!, resume.Offset);
        StartAt(resumes ? _resume!.Offset : _fromEnd ? length : 0);
        _resume = null;
    }

    /// <summary>Starts reading at <paramref name="offset"/>, which may be inside a line being skipped.</summary>
    private void StartAt(long offset)
    {
        _read = _consumed = offset;
        Span<byte> previous = stackalloc byte[1];
        if (offset > 0 && RandomAccess.Read(_file!, previous, offset - 1) == 1)
        {
            _splitter.ResumeAfter(previous[0]);
        }
        else
        {
            _splitter.Reset();
        }
    }

    /// <summary>Gives one line to the handler of the read in progress.</summary>
    private void Hand(ReadOnlySpan<byte> line)
    {
        string text = Encoding.UTF8.GetString(line);
        _handed++;
        _handing = true;
        try
        {
            _handle!(text);
        }
        finally
        {
            _handing = false;
        }
    }

    /// <summary>SHA-256 of the file's first bytes (at most 64, and no further than <paramref name="limit"/>).</summary>
    private static string HeadOf(SafeFileHandle file, long limit)
    {
        Span<byte> head = stackalloc byte[HeadSize];
        int length = RandomAccess.Read(file, head[..(int)Math.Min(HeadSize, limit)], 0);
        return Holt.WireGuard.Crypto.Sha256.HexOf(head[..length]);
    }
}
