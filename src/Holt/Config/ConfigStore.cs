using Holt.Interop;
using Holt.Storage;

namespace Holt.Config;

/// <summary>
/// Where holt.toml lives and how it is read and written: <c>--config</c>, else <c>HOLT_CONFIG</c>, else
/// <c>/etc/holt/holt.toml</c>. Writes are atomic and 0600 (the file holds private keys). Every command that
/// changes the gateway holds <see cref="Lock"/> from reading the file to applying the change, so two commands (or a
/// command and the daemon disabling an expired peer) never lose each other's edits.
/// </summary>
internal sealed class ConfigStore(string path, ConfigFormat format)
{
    public const string DefaultPath = "/etc/holt/holt.toml";
    public const string PathVariable = "HOLT_CONFIG";

    private static readonly HashSet<string> s_modeWarned = new(StringComparer.Ordinal);

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The sections holt.toml is made of.</summary>
    public ConfigFormat Format { get; } = format;

    public bool Exists => File.Exists(Path);

    /// <summary>
    /// The SHA-256 of the text last read or written through this store: the daemon's watcher reloads its services
    /// only when the text really changed.
    /// </summary>
    public string? LastDigest { get; private set; }

    /// <summary>
    /// Where <see cref="ModeProblem"/> is said when a file is read: once per process and file (a command reads
    /// holt.toml more than once). The command line sets it to standard error; null says nothing (the daemon logs it).
    /// </summary>
    public static Action<string>? ModeWarnings { get; set; }

    public static string Digest(string text) =>
        Holt.WireGuard.Crypto.Sha256.HexOf(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>The store named by the <c>--config</c> value, or the environment, or the default.</summary>
    public static ConfigStore Resolve(string? option, ConfigFormat format)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(PathVariable);
        string chosen = !string.IsNullOrEmpty(option) ? option : !string.IsNullOrEmpty(fromEnvironment) ? fromEnvironment : DefaultPath;
        return new ConfigStore(chosen, format);
    }

    /// <param name="thorough">Also run the expensive checks (every peer's key pair), as the daemon does at its start.</param>
    /// <exception cref="CommandException">The file is missing, unreadable or invalid (with file:line).</exception>
    public HoltConfig Load(bool thorough = false)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path);
        }
        catch (FileNotFoundException)
        {
            throw new CommandException($"no gateway configuration at {Path}; create one with holt init (or holt up)");
        }
        catch (DirectoryNotFoundException)
        {
            throw new CommandException($"no gateway configuration at {Path}; create one with holt init (or holt up)");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CommandException($"cannot read {Path}: permission denied", e);
        }
        catch (IOException e)
        {
            throw new CommandException($"cannot read {Path}: {e.Message}", e);
        }

        WarnAboutMode();
        try
        {
            HoltConfig config = Format.Read(text, Path, thorough);
            LastDigest = Digest(text);
            return config;
        }
        catch (ConfigException e)
        {
            throw new CommandException(e.Message, e);
        }
    }

    /// <summary>
    /// Why the file's mode gives its private keys away, or null when only its owner may read and write it. Holt
    /// writes it 0600, so this is a file copied or created by hand.
    /// </summary>
    public string? ModeProblem()
    {
        const UnixFileMode Exposed = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        try
        {
            UnixFileMode mode = File.GetUnixFileMode(Path);
            string octal = Convert.ToString((int)mode & 0b111_111_111, 8).PadLeft(4, '0');
            return (mode & Exposed) == 0
                ? null
                : $"{Path} has mode {octal}: others than its owner may read or change it, and it holds every private key of the gateway; chmod 600 {Path}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void WarnAboutMode()
    {
        if (ModeWarnings is not Action<string> warn)
        {
            return;
        }

        string? problem;
        lock (s_modeWarned)
        {
            if (s_modeWarned.Contains(Path) || (problem = ModeProblem()) is null)
            {
                return;
            }

            _ = s_modeWarned.Add(Path);
        }

        warn(problem);
    }

    /// <summary>Checks <paramref name="config"/> whole, then replaces the file atomically.</summary>
    public void Save(HoltConfig config)
    {
        Format.Validate(config);
        string text = Format.Write(config);
        try
        {
            AtomicFile.CreateParent(Path);
            AtomicFile.WriteAllText(Path, text);
            LastDigest = Digest(text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot write {Path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes <paramref name="after"/> and applies it with <paramref name="apply"/>, returning what it returns. If
    /// applying fails, <paramref name="before"/> is written back and applied again, so a failed edit leaves file and
    /// system as they were, and the first error is thrown. The caller holds <see cref="Lock"/>.
    /// </summary>
    public bool SaveAndApply(HoltConfig before, HoltConfig after, Func<HoltConfig, bool> apply)
    {
        Save(after);
        try
        {
            return apply(after);
        }
        catch (CommandException)
        {
            Save(before);
            try
            {
                _ = apply(before);
            }
            catch (CommandException)
            {
                // The first error is the one to report.
            }

            throw;
        }
    }

    /// <summary>
    /// One edit as a transaction, under <see cref="Lock"/>: reads the file, makes the change, checks the whole,
    /// writes it and applies it (see <see cref="SaveAndApply"/>). Returns the new configuration and what
    /// <paramref name="apply"/> said (whether a running gateway took it).
    /// </summary>
    public (HoltConfig Config, bool Applied) Edit(Func<HoltConfig, HoltConfig> change, Func<HoltConfig, bool> apply)
    {
        using (Lock())
        {
            HoltConfig before = Load();
            HoltConfig after = change(before);
            return (after, SaveAndApply(before, after, apply));
        }
    }

    /// <summary>Takes the gateway's edit lock, waiting for another holder to finish.</summary>
    public IDisposable Lock()
    {
        string directory = System.IO.Path.GetDirectoryName(Path)!;
        string lockPath = System.IO.Path.Combine(directory, "." + System.IO.Path.GetFileName(Path) + ".lock");
        return FileLock.Take(lockPath);
    }
}
