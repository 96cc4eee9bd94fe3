namespace Holt.Guard;

/// <summary>
/// Cuts bytes into lines with a fixed memory bound, whatever the bytes are: every log source (followed files, files
/// the report reads, journalctl's output) goes through one. Fed a block at a time, it hands out each whole line and
/// keeps at most <see cref="MaxLineLength"/> bytes of the line still in progress.
/// <list type="bullet">
/// <item>A line longer than <see cref="MaxLineLength"/> is skipped whole, up to its newline, and counted.</item>
/// <item>A run of NUL bytes is padding, not text: it is what a file system leaves where data was lost in an unclean
/// shutdown, and the writer goes on after it with whole lines. The run is skipped and counted as one skipped line,
/// together with the text before it on its line (that line was cut short: its end is lost), and the text after the
/// run starts a line of its own, so the first line written after the crash is not lost with the padding.</item>
/// </list>
/// A reader that resumes in the middle of a file tells the splitter what came just before (<see cref="ResumeAfter"/>),
/// so a position inside a skipped line keeps skipping instead of handing out that line's tail.
/// </summary>
internal sealed class LineSplitter
{
    /// <summary>
    /// The longest line handed out, in bytes. Real lines are far shorter: sshd's are under 1 KiB, nginx cuts its
    /// error-log lines at 2 KiB, and an access-log line is bounded by the servers' 8 KiB limits on the request line
    /// and each header (the URL, referrer and user agent it quotes); a journalctl -o json line holds a few dozen
    /// fields, each printed as null beyond 4 KiB. 64 KiB leaves room for all of them and still bounds memory.
    /// </summary>
    public const int MaxLineLength = 64 * 1024;

    private readonly byte[] _line;
    private readonly int _maxLength;
    private int _length;
    private bool _skipping;
    private bool _afterNul;

    public LineSplitter(int maxLength = MaxLineLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        _maxLength = maxLength;
        _line = new byte[maxLength];
    }

    /// <summary>Lines skipped since this splitter was made: too long, or cut by a NUL run (a run counts once).</summary>
    public long SkippedLines { get; private set; }

    /// <summary>The bytes of the line in progress, taken from the input but not yet handed out.</summary>
    public int Pending => _length;

    /// <summary>
    /// Takes bytes from the front of <paramref name="input"/> until a line is complete and returns it (without its
    /// newline), or returns false once all of the input is taken (a line in progress is kept). The line is valid
    /// until the next call.
    /// </summary>
    public bool TryRead(ref ReadOnlySpan<byte> input, out ReadOnlySpan<byte> line)
    {
        while (!input.IsEmpty)
        {
            int end = input.IndexOfAny((byte)'\n', (byte)0);
            int take = end < 0 ? input.Length : end;
            ReadOnlySpan<byte> text = input[..take];
            if (take > 0)
            {
                _afterNul = false;
                if (!_skipping && _length + take > _maxLength)
                {
                    SkippedLines++;
                    _skipping = true;
                    _length = 0;
                }
                else if (!_skipping && (end < 0 || _length > 0))
                {
                    // Only a line that spans blocks is copied; one whole in the input is handed out where it is.
                    text.CopyTo(_line.AsSpan(_length));
                    _length += take;
                }
            }

            if (end < 0)
            {
                input = default;
                break;
            }

            if (input[end] == (byte)'\n')
            {
                input = input[(end + 1)..];
                bool whole = !_skipping && !_afterNul;
                line = _length > 0 ? _line.AsSpan(0, _length) : text;
                _length = 0;
                _skipping = false;
                _afterNul = false;
                if (whole)
                {
                    return true;
                }

                continue;
            }

            // A NUL run: counted once, even when it spans blocks or ends a line already counted as too long.
            if (!_afterNul && !_skipping)
            {
                SkippedLines++;
            }

            int run = input[end..].IndexOfAnyExcept((byte)0);
            input = run < 0 ? default : input[(end + run)..];
            _length = 0;
            _skipping = false;
            _afterNul = true;
        }

        line = default;
        return false;
    }

    /// <summary>At the end of the input: the line in progress, if any, as a last line without its newline.</summary>
    public bool TryFinish(out ReadOnlySpan<byte> line)
    {
        line = _line.AsSpan(0, _length);
        bool any = _length > 0;
        Reset();
        return any;
    }

    /// <summary>Forgets the line in progress (the file was truncated); the count stays.</summary>
    public void Reset()
    {
        _length = 0;
        _skipping = false;
        _afterNul = false;
    }

    /// <summary>
    /// Starts in the middle of a file, after <paramref name="previous"/>: after a newline or a NUL a line starts;
    /// after anything else this is the inside of a line (too long, or only its tail), skipped without counting.
    /// </summary>
    public void ResumeAfter(byte previous)
    {
        Reset();
        _afterNul = previous == 0;
        _skipping = previous is not (byte)'\n' and not 0;
    }
}
