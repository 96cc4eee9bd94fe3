using Holt.Storage;
using Holt.Tunnel;

namespace Holt.Quick;

/// <summary>A wg-quick file on disk: reading it, telling it from a gateway configuration, and naming its interface.</summary>
internal static class QuickConfigFile
{
    private const string Extension = ".conf";

    /// <summary>The file's text (UTF-8, without a byte order mark).</summary>
    /// <exception cref="CommandException">It does not exist, cannot be read, or is a directory, device or FIFO (never waited on).</exception>
    public static string Read(string path)
    {
        byte[]? bytes;
        FileType type;
        try
        {
            bytes = UnixFile.ReadRegular(path, Config.ConfigStore.MaxBytes, out type);
        }
        catch (IOException e)
        {
            throw new CommandException($"{path}: cannot read it: {e.Message}", e);
        }

        if (bytes is null)
        {
            throw new CommandException(type == FileType.Missing ? $"{path}: no such file" : $"{path}: it is {UnixFile.Describe(type)}, not a configuration file");
        }

        ReadOnlySpan<byte> text = bytes;
        return System.Text.Encoding.UTF8.GetString(text.StartsWith((ReadOnlySpan<byte>)[0xef, 0xbb, 0xbf]) ? text[3..] : text);
    }

    /// <summary>
    /// Whether <paramref name="text"/> is a wg-quick configuration: its first section header is [Interface]. A
    /// gateway configuration (holt.toml) starts with other sections or with keys.
    /// </summary>
    public static bool IsQuickConfig(string text)
    {
        foreach (string raw in text.Split('\n'))
        {
            int hash = raw.IndexOf('#', StringComparison.Ordinal);
            string line = (hash < 0 ? raw : raw[..hash]).Trim();
            if (line.StartsWith('['))
            {
                return line.Equals("[Interface]", StringComparison.OrdinalIgnoreCase);
            }
        }

        return false;
    }

    /// <summary>
    /// The interface the file configures: <paramref name="overrideName"/> when given, else the file's name without
    /// ".conf", which wg-quick requires to be a valid interface name.
    /// </summary>
    /// <exception cref="CommandException">Neither gives a valid interface name.</exception>
    public static string InterfaceNameFor(string path, string? overrideName)
    {
        if (overrideName is not null)
        {
            InterfaceName.Validate(overrideName);
            return overrideName;
        }

        string file = Path.GetFileName(path);
        string stem = file.EndsWith(Extension, StringComparison.Ordinal) ? file[..^Extension.Length] : "";
        if (!InterfaceName.IsValid(stem))
        {
            throw new CommandException(
                $"{path}: the file name must be an interface name (1 to {InterfaceName.MaxLength} letters, digits or _=+.-) followed by {Extension}, as wg-quick requires; or give --interface NAME");
        }

        return stem;
    }

    /// <summary>A warning when others may read the file (it holds the private key), as wg-quick gives one.</summary>
    public static string? WorldAccessibleWarning(string path)
    {
        const UnixFileMode Others = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        try
        {
            string full = Path.GetFullPath(path);
            UnixFileMode file = File.GetUnixFileMode(full);
            UnixFileMode directory = File.GetUnixFileMode(Path.GetDirectoryName(full) ?? "/");
            return (file & directory & Others) != 0 ? $"warning: {path} is world accessible" : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
