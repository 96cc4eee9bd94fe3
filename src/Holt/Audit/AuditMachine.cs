using System.Text;
using Holt.Config;
using Holt.External;
using Holt.Storage;

namespace Holt.Audit;

/// <summary>A tool the audit ran: what it printed, or null when the tool is not installed.</summary>
internal delegate ToolResult? ToolRunner(string tool, IReadOnlyList<string> arguments);

/// <summary>
/// The machine as the audit sees it. Every file is read through <see cref="PathOf"/>, so a test points
/// <see cref="Root"/> at a tree of its own (an /etc, a /proc/sys, a /home) and the checks read fixtures instead of
/// this host; every tool runs through <see cref="Run"/>, which a test replaces. Reads are bounded: a check never
/// loads more than <see cref="MaxFileBytes"/> of a file, whatever is there.
/// </summary>
internal sealed class AuditMachine
{
    public const int MaxFileBytes = 4 << 20;

    private readonly Dictionary<string, object?> _cache = new(StringComparer.Ordinal);

    public AuditMachine(string root, TimeProvider time, ToolRunner? run = null)
    {
        Root = root;
        Time = time;
        Run = run ?? RunInstalled;
    }

    /// <summary>"/" on a real machine; a directory of fixtures in tests.</summary>
    public string Root { get; }

    public TimeProvider Time { get; }

    public DateTimeOffset Now => Time.GetUtcNow();

    public ToolRunner Run { get; }

    /// <summary>holt.toml, when there is one and it reads.</summary>
    public ConfigStore? Store { get; init; }

    /// <summary>What <c>holt audit</c> was asked to use as sshd's configuration (<c>--sshd-config</c>), or null for sshd's own default.</summary>
    public string? SshdConfig { get; init; }

    /// <summary>The sshd to ask (<c>sshd -T</c>); a test may name another.</summary>
    public string Sshd { get; init; } = "/usr/sbin/sshd";

    /// <summary>Days without a handshake after which a peer's key counts as stale.</summary>
    public int StaleDays { get; init; } = 90;

    /// <summary>The machine's path for an absolute path as the checks name it.</summary>
    public string PathOf(string absolute) =>
        Root == "/" ? absolute : Path.Combine(Root, absolute.TrimStart('/'));

    /// <summary>The file's text (at most <see cref="MaxFileBytes"/>), or null when it does not exist.</summary>
    /// <exception cref="AuditAreaException">It exists but cannot be read.</exception>
    public string? ReadText(string absolute)
    {
        string path = PathOf(absolute);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            // Files of /proc (the socket tables, a process's comm) say they are empty and are not: read until the
            // end, growing the buffer, up to the bound.
            var buffer = new byte[(int)Math.Clamp(stream.CanSeek ? stream.Length : 0, 4096, MaxFileBytes)];
            int total = 0;
            int read;
            while ((read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
                if (total == buffer.Length)
                {
                    if (buffer.Length == MaxFileBytes)
                    {
                        break;
                    }

                    Array.Resize(ref buffer, Math.Min(MaxFileBytes, buffer.Length * 2));
                }
            }

            return Encoding.UTF8.GetString(buffer, 0, total);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AuditAreaException($"cannot read {absolute}: {e.Message}");
        }
    }

    /// <summary>The file's lines, or an empty list when it does not exist.</summary>
    public IReadOnlyList<string> ReadLines(string absolute) =>
        ReadText(absolute) is string text ? text.Split('\n').Select(l => l.TrimEnd('\r')).ToList() : [];

    /// <summary>The names in a directory (not their paths), sorted; empty when it does not exist.</summary>
    /// <exception cref="AuditAreaException">It exists but cannot be listed.</exception>
    public IReadOnlyList<string> List(string absoluteDirectory)
    {
        string path = PathOf(absoluteDirectory);
        try
        {
            return Directory.EnumerateFileSystemEntries(path).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AuditAreaException($"cannot list {absoluteDirectory}: {e.Message}");
        }
    }

    /// <summary>The file's type, mode and owner (not following a symbolic link unless asked), or null when it does not exist.</summary>
    public FileStatus? StatusOf(string absolute, bool follow = false)
    {
        try
        {
            return UnixFile.StatusOf(PathOf(absolute), follow);
        }
        catch (IOException e)
        {
            throw new AuditAreaException($"cannot examine {absolute}: {e.Message}");
        }
    }

    /// <summary>Where a symbolic link points (<c>socket:[12345]</c> for a process's open socket), or null when it is not a link or is gone.</summary>
    /// <remarks>Processes come and go while the audit reads /proc: a link that vanished, or one this user may not read, is simply not there.</remarks>
    public string? ReadLink(string absolute)
    {
        try
        {
            return new FileInfo(PathOf(absolute)).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A value computed once per audit and shared between areas (the nft ruleset, sshd's effective configuration).</summary>
    public T Shared<T>(string key, Func<T> compute)
    {
        if (!_cache.TryGetValue(key, out object? value))
        {
            value = compute();
            _cache[key] = value;
        }

        return (T)value!;
    }

    private static ToolResult? RunInstalled(string tool, IReadOnlyList<string> arguments)
    {
        try
        {
            return ExternalTool.TryRun(tool, arguments);
        }
        catch (CommandException) when (!File.Exists(tool) && !OnPath(tool))
        {
            return null;
        }
    }

    private static bool OnPath(string tool) =>
        !tool.Contains('/', StringComparison.Ordinal) &&
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, tool)));
}

/// <summary>An area could not be checked: one line saying why (a tool missing or failing, a file that cannot be read).</summary>
internal sealed class AuditAreaException(string message) : Exception(message);
