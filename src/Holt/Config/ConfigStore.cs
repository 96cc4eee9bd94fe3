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

    /// <summary>The largest holt.toml read: thousands of peers take a few megabytes.</summary>
    public const int MaxBytes = 16 << 20;

    private static readonly HashSet<string> s_modeWarned = new(StringComparer.Ordinal);

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The sections holt.toml is made of.</summary>
    public ConfigFormat Format { get; } = format;

    /// <summary>
    /// Whether anything is at <see cref="Path"/>: a file, or something <see cref="Load"/> and <see cref="Save"/> refuse
    /// with a message that says what it is (a directory, a FIFO), rather than create a configuration beside it.
    /// </summary>
    public bool Exists
    {
        get
        {
            try
            {
                return UnixFile.TypeOf(Path, follow: true) != FileType.Missing;
            }
            catch (IOException)
            {
                // Something is there that cannot even be looked at (a link loop, no permission): reading says why.
                return true;
            }
        }
    }

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
        string text = ReadText();
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

    /// <summary>The file's text: a regular file of UTF-8 at most <see cref="MaxBytes"/> long.</summary>
    /// <exception cref="CommandException">It is missing, not a regular file, unreadable, or not UTF-8 text (with its line).</exception>
    private string ReadText()
    {
        byte[]? bytes;
        FileType type;
        try
        {
            bytes = UnixFile.ReadRegular(Path, MaxBytes, out type);
        }
        catch (IOException e)
        {
            throw new CommandException($"cannot read {Path}: {e.Message}", e);
        }

        if (bytes is null)
        {
            throw type == FileType.Missing
                ? new CommandException($"no gateway configuration at {Path}; create one with holt init (or holt up)")
                : NotAFile(type, "read");
        }

        try
        {
            return Decode(bytes, Path);
        }
        catch (ConfigException e)
        {
            throw new CommandException(e.Message, e);
        }
    }

    /// <summary>
    /// The text of holt.toml's bytes. TOML is UTF-8, so anything else is refused at its line, rather than read with
    /// replacement characters that the TOML reader then reports in its own terms. A UTF-8 byte order mark is
    /// passed over, as editors on other systems write one.
    /// </summary>
    /// <exception cref="ConfigException">The bytes are not UTF-8 text.</exception>
    internal static string Decode(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xff, 0xfe]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xfe, 0xff]))
        {
            throw new ConfigException(source, 1, "the file is UTF-16 text, and TOML is UTF-8: convert it, for example with iconv -f UTF-16 -t UTF-8");
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xef, 0xbb, 0xbf]))
        {
            bytes = bytes[3..];
        }

        char[] chars = new char[bytes.Length];
        if (System.Text.Unicode.Utf8.ToUtf16(bytes, chars, out int read, out int written, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
        {
            throw new ConfigException(source, bytes[..read].Count((byte)'\n') + 1, "not a text file (bytes that are not UTF-8)");
        }

        return new string(chars, 0, written);
    }

    /// <summary>Why holt.toml cannot be a directory, a device, a FIFO or a socket.</summary>
    private CommandException NotAFile(FileType type, string verb) =>
        new($"cannot {verb} {Path}: it is {UnixFile.Describe(type)}, not a configuration file");

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
        RefuseSpecial("write");
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
    /// Refuses a path that names a directory, a device, a FIFO or a socket: holt.toml is written to be read back,
    /// and the writer would otherwise pour the configuration (private keys included) into a device or a pipe.
    /// </summary>
    /// <param name="verb">What was to be done ("write"), for the message.</param>
    /// <exception cref="CommandException">The path names something other than a regular file.</exception>
    public void RefuseSpecial(string verb)
    {
        FileType type;
        try
        {
            type = UnixFile.TypeOf(Path, follow: true);
        }
        catch (IOException e)
        {
            throw new CommandException($"cannot {verb} {Path}: {e.Message}", e);
        }

        if (type is not (FileType.Missing or FileType.RegularFile))
        {
            throw NotAFile(type, verb);
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
        // Only the root directory has no parent; it is no configuration either.
        string directory = System.IO.Path.GetDirectoryName(Path) ?? throw NotAFile(FileType.Directory, "use");
        string lockPath = System.IO.Path.Combine(directory, "." + System.IO.Path.GetFileName(Path) + ".lock");
        return FileLock.Take(lockPath);
    }
}
