using System.IO.Compression;
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

    public static IEnumerable<LogLine> Read(string path)
    {
        foreach ((LogLine? line, _) in ReadCounting(path))
        {
            if (line is not null)
            {
                yield return line;
            }
        }
    }

    /// <summary>Every line of the file: the parsed line (null when it is not syslog) and how many lines so far.</summary>
    public static IEnumerable<(LogLine? Line, long Lines)> ReadCounting(string path)
    {
        DateTime modified = File.GetLastWriteTime(path);
        long count = 0;
        var names = new NameCache();
        foreach (string text in ReadLines(path))
        {
            count++;
            LogLine? line = SyslogParser.Parse(text, modified.Year, names);

            // A classic timestamp later than the file itself belongs to the year before (a December line in a
            // file rotated in January).
            if (line is not null && char.IsAsciiLetter(text[0]) && line.Time > modified.AddDays(1))
            {
                line = SyslogParser.Parse(text, modified.Year - 1, names);
            }

            yield return (line, count);
        }
    }

    /// <summary>
    /// Every line of the file as written, without its newline: plain or gzip (by content), invalid UTF-8 replaced,
    /// for filters that parse lines their own way. A file that cannot be read, or a damaged gzip file, is a
    /// <see cref="CommandException"/>.
    /// </summary>
    public static IEnumerable<string> ReadLines(string path)
    {
        FileStream file;
        try
        {
            file = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot read {path}: {e.Message}", e);
        }

        using (file)
        {
            Stream stream = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var reader = new StreamReader(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
            while (true)
            {
                string? text;
                try
                {
                    text = reader.ReadLine();
                }
                catch (InvalidDataException e)
                {
                    throw new CommandException($"{path} is a damaged gzip file: {e.Message}", e);
                }

                if (text is null)
                {
                    yield break;
                }

                yield return text;
            }
        }
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int read = file.Read(magic);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }
}
