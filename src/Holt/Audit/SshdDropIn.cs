using System.Text;
using Holt.Storage;

namespace Holt.Audit;

/// <summary>
/// Holt's sshd drop-in, <c>/etc/ssh/sshd_config.d/00-holt.conf</c> beside the sshd_config in use. Debian's
/// sshd_config includes <c>sshd_config.d/*.conf</c> at its top, and for most keywords sshd keeps the first value
/// it reads, so the directory's first file wins over the rest of the configuration. The file is Holt's alone: each
/// fix rewrites it whole, keeping the lines of earlier fixes.
/// </summary>
internal static class SshdDropIn
{
    public const string FileName = "00-holt.conf";

    public const string DefaultConfig = "/etc/ssh/sshd_config";

    /// <summary>The drop-in directory of a configuration file: <c>sshd_config.d</c> beside it.</summary>
    public static string DirectoryFor(string? sshdConfig) =>
        Path.Combine(Path.GetDirectoryName(sshdConfig ?? DefaultConfig) ?? "/etc/ssh", "sshd_config.d");

    public static string PathFor(string? sshdConfig) => Path.Combine(DirectoryFor(sshdConfig), FileName);

    /// <summary>The lines of an earlier drop-in by keyword (lower case), in order; comments and blank lines go.</summary>
    public static List<KeyValuePair<string, string>> Parse(string? text)
    {
        var lines = new List<KeyValuePair<string, string>>();
        foreach (string raw in (text ?? "").Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            string keyword = line.Split([' ', '\t'], 2)[0].ToLowerInvariant();
            lines.RemoveAll(l => l.Key == keyword);
            lines.Add(new(keyword, line));
        }

        return lines;
    }

    /// <summary>The earlier lines with <paramref name="changes"/> put in (a keyword already there is replaced).</summary>
    public static string Merge(string? previous, IEnumerable<string> changes, DateTimeOffset now)
    {
        List<KeyValuePair<string, string>> lines = Parse(previous);
        foreach (string change in changes)
        {
            string keyword = change.Split(' ', 2)[0].ToLowerInvariant();
            int at = lines.FindIndex(l => l.Key == keyword);
            if (at >= 0)
            {
                lines[at] = new(keyword, change);
            }
            else
            {
                lines.Add(new(keyword, change));
            }
        }

        var text = new StringBuilder();
        text.Append("# Written by holt audit fix; Holt rewrites this file whole at each fix.\n");
        text.Append($"# Last changed {now:yyyy-MM-dd HH:mm:ss}Z. Being the first file here, its values win over sshd_config's.\n");
        foreach (KeyValuePair<string, string> line in lines)
        {
            text.Append(line.Value).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads the drop-in now there (null when there is none). Anything but Holt's own regular file in its place (a
    /// symbolic link, a FIFO, a device) is refused, as is a directory that cannot be read.
    /// </summary>
    /// <exception cref="CommandException">The directory or the file is not what it should be.</exception>
    public static string? ReadCurrent(string path)
    {
        string directory = Path.GetDirectoryName(path)!;
        FileType directoryType;
        try
        {
            directoryType = UnixFile.TypeOf(directory, follow: true);
        }
        catch (IOException e)
        {
            throw new CommandException($"cannot read sshd's drop-in directory {directory}: {e.Message}");
        }

        if (directoryType == FileType.Missing)
        {
            return null;
        }

        if (directoryType != FileType.Directory)
        {
            throw new CommandException($"sshd's drop-in directory {directory} is not a directory; nothing was changed");
        }

        try
        {
            _ = Directory.EnumerateFileSystemEntries(directory).Take(1).ToList();
            FileType type = UnixFile.TypeOf(path, follow: false);
            return type switch
            {
                FileType.Missing => null,
                FileType.RegularFile => File.ReadAllText(path),
                _ => throw new CommandException($"{path} is not a regular file ({type}); Holt replaces only its own file, so nothing was changed"),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot read sshd's drop-in directory {directory}: {e.Message}; nothing was changed");
        }
    }

    /// <summary>Writes the drop-in (0600, atomically), or removes it when <paramref name="text"/> is null.</summary>
    public static void Write(string path, string? text)
    {
        if (text is null)
        {
            File.Delete(path);
            return;
        }

        _ = Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _ = AtomicFile.WriteAllText(path, text);
    }
}
