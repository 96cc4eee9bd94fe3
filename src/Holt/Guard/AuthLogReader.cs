using System.Text;

namespace Holt.Guard;

/// <summary>
/// Reads log files for the report and the guard: plain or gzip-compressed (by content, not by name), line by line,
/// either as written (<see cref="ReadLines"/>, for filters that parse their own format) or as syslog lines, with
/// classic timestamps given the year the file's modification time implies. A line that is not valid UTF-8 or not a
/// syslog line is skipped, never fatal.
/// </summary>
internal static class AuthLogReader
{
    private const int BlockSize = 64 * 1024;

    /// <summary>auth.log and its rotations (auth.log.1, auth.log.2.gz, ...), oldest first.</summary>
    public static IReadOnlyList<string> RotatedFamily(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string name = Path.GetFileName(path);
        var rotated = new List<(int Number, string Path)>();
        if (Directory.Exists(directory))
        {
            foreach (string candidate in Directory.EnumerateFiles(directory, name + ".*"))
            {
                // .NET's pattern also matches the bare name; only "NAME.N" and "NAME.N.gz" are rotations.
                string candidateName = Path.GetFileName(candidate);
                if (candidateName.Length <= name.Length + 1 || !candidateName.StartsWith(name + ".", StringComparison.Ordinal))
                {
                    continue;
                }

                string suffix = candidateName[(name.Length + 1)..];
                if (suffix.EndsWith(".gz", StringComparison.Ordinal))
                {
                    suffix = suffix[..^3];
                }

                if (int.TryParse(suffix, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int number))
                {
                    rotated.Add((number, candidate));
                }
            }
        }

        List<string> family = rotated.OrderByDescending(r => r.Number).Select(r => r.Path).ToList();
        if (File.Exists(path))
        {
            family.Add(path);
        }

        return family;
    }

    public static IEnumerable<LogLine> Read(string path, ReadTally? tally = null)
    {
        foreach ((LogLine? line, _) in ReadCounting(path, tally))
        {
            if (line is not null)
            {
                yield return line;
            }
        }
    }

    /// <summary>Every line of the file: the parsed line (null when it is not syslog) and how many lines so far.</summary>
    public static IEnumerable<(LogLine? Line, long Lines)> ReadCounting(string path, ReadTally? tally = null)
    {
        DateTime modified = LastWritten(path);
        long count = 0;
        var names = new NameCache();
        foreach (string text in ReadLines(path, tally))
        {
            count++;
            LogLine? line = SyslogParser.Parse(text, modified.Year, names, out bool tookYear);

            // A classic timestamp later than the file itself belongs to the year before (a December line in a
            // file rotated in January).
            if (line is not null && tookYear && line.Time > modified.AddDays(1))
            {
                line = SyslogParser.Parse(text, modified.Year - 1, names);
            }

            yield return (line, count);
        }
    }

    /// <summary>The file's modification time (local), which gives classic syslog timestamps their year.</summary>
    /// <exception cref="CommandException">The path is longer than a file's can be.</exception>
    public static DateTime LastWritten(string path)
    {
        try
        {
            return File.GetLastWriteTime(path);
        }
        catch (PathTooLongException e)
        {
            // The runtime's message repeats the path and guesses which part is long; the one line says it once.
            throw new CommandException($"cannot read {path}: the path is too long", e);
        }
    }

    /// <summary>
    /// Every line of the file as written, without its newline: plain or gzip (by content), invalid UTF-8 replaced,
    /// for filters that parse lines their own way. Lines go through a <see cref="LineSplitter"/>, so memory stays
    /// bounded whatever the file holds; what it skips is counted in <paramref name="tally"/>.
    /// </summary>
    /// <exception cref="CommandException">
    /// The file cannot be read, is not a regular file (<see cref="LogFile"/>), starts with binary data
    /// (<see cref="LogFile.NotText"/>), or is not a valid gzip file: damaged, cut short, or named .gz but empty or
    /// binary without being gzip. In those last cases (and only those) the inner exception is an
    /// <see cref="InvalidDataException"/>, and the lines before the damage have been given.
    /// </exception>
    public static IEnumerable<string> ReadLines(string path, ReadTally? tally = null)
    {
        using var file = new FileStream(LogFile.Open(path, "read"), FileAccess.Read, bufferSize: 0);
        using CheckedGzipStream? gzip = IsGzip(file) ? new CheckedGzipStream(file) : null;
        Stream stream = (Stream?)gzip ?? file;

        // Plain text named .gz is read as text (by content, as always), but an empty or binary one is a rotation
        // whose compression went wrong, and says so as a damaged gzip file does.
        bool namedGzip = gzip is null && path.EndsWith(".gz", StringComparison.Ordinal);
        if (namedGzip && file.Length == 0)
        {
            throw NotGzip(path, "it is empty");
        }

        var splitter = new LineSplitter();
        long counted = 0;
        byte[] block = new byte[BlockSize];
        var lines = new List<string>();
        for (bool first = true; ; first = false)
        {
            int read = Fill(path, stream, block);
            if (read == 0)
            {
                break;
            }

            if (first && LogFile.NotText(block.AsSpan(0, read)) is string what)
            {
                throw namedGzip ? NotGzip(path, $"it does not start as one, and holds {what}") : new CommandException($"cannot read {path}: it is {what}, not a text log");
            }

            Split(splitter, block.AsSpan(0, read), lines);
            if (tally is not null)
            {
                tally.SkippedLines += splitter.SkippedLines - counted;
                counted = splitter.SkippedLines;
            }

            foreach (string line in lines)
            {
                yield return line;
            }

            lines.Clear();
        }

        if (Last(splitter) is string last)
        {
            yield return last;
        }
    }

    private static void Split(LineSplitter splitter, ReadOnlySpan<byte> block, List<string> lines)
    {
        while (splitter.TryRead(ref block, out ReadOnlySpan<byte> line))
        {
            lines.Add(Decode(line));
        }
    }

    private static string? Last(LineSplitter splitter) => splitter.TryFinish(out ReadOnlySpan<byte> line) ? Decode(line) : null;

    /// <summary>UTF-8, invalid bytes replaced; a CRLF line loses its CR, as it did when lines were read with ReadLine.</summary>
    private static string Decode(ReadOnlySpan<byte> line) => Encoding.UTF8.GetString(line.EndsWith((byte)'\r') ? line[..^1] : line);

    /// <summary>Reads until the block is full or the input ends (a gzip stream hands out less than asked).</summary>
    private static int Fill(string path, Stream stream, byte[] block)
    {
        int filled = 0;
        try
        {
            int read;
            while (filled < block.Length && (read = stream.Read(block, filled, block.Length - filled)) > 0)
            {
                filled += read;
            }
        }
        catch (InvalidDataException e)
        {
            throw NotGzip(path, e.Message, e);
        }
        catch (IOException e)
        {
            throw new CommandException($"cannot read {path}: {e.Message}", e);
        }

        return filled;
    }

    private static CommandException NotGzip(string path, string why, InvalidDataException? inner = null) =>
        new($"{path} is not a valid gzip file: {why}", inner ?? new InvalidDataException(why));

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int read = file.Read(magic);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }
}

/// <summary>What a read skipped so far: lines longer than <see cref="LineSplitter.MaxLineLength"/> or cut by NUL padding.</summary>
internal sealed class ReadTally
{
    /// <summary>Added to as lines are skipped, across all the files read with this tally.</summary>
    public long SkippedLines { get; set; }
}
