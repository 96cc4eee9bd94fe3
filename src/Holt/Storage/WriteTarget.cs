namespace Holt.Storage;

/// <summary>How a path is written.</summary>
internal enum WriteKind
{
    /// <summary>A regular file, or none yet: a new file of Holt's own is renamed over it, atomically.</summary>
    Replace,

    /// <summary>A character device, a FIFO, or what a /proc link such as /dev/stdout leads to: written into, never replaced.</summary>
    Stream,
}

/// <summary>
/// What writing to a path means: the file actually written, with every symbolic link followed to its end (so that
/// replacing a linked holt.toml replaces the file the link points to and the link stays a link), and whether it is
/// replaced or written into. Renaming a new file over a device node or a FIFO would turn it into a plain file:
/// after <c>--qr png:/dev/null</c>, /dev/null would be a 0600 file and every daemon that opens it would fail.
/// </summary>
/// <param name="Append">For a stream that is a regular file (a redirected /dev/stdout): write at its end.</param>
internal readonly record struct WriteTarget(WriteKind Kind, string Path, bool Append = false)
{
    // As the kernel's own limit on a chain of links (MAXSYMLINKS).
    private const int MaxLinks = 40;

    /// <summary>Where and how <paramref name="path"/> is written. Nothing is created or changed.</summary>
    /// <exception cref="IOException">
    /// One line saying why it cannot be written: its directory does not exist; it is a directory, a socket or a block
    /// device; it is a symbolic link that leads nowhere (see the remarks); or its links go round in a loop.
    /// </exception>
    /// <remarks>
    /// A link that leads nowhere is refused rather than followed to create its target: it usually means a mount
    /// that is missing or a file moved away, and writing private keys to wherever the link happens to point (the
    /// empty directory under an absent mount, say) would put them where nobody looks and nothing protects them. The
    /// message names the missing file, so an operator who meant it creates it and runs the command again.
    /// </remarks>
    public static WriteTarget Resolve(string path)
    {
        string current = System.IO.Path.GetFullPath(path);
        string? linkedTo = null;
        for (int links = 0; links <= MaxLinks; links++)
        {
            string given = System.IO.Path.GetDirectoryName(current) ?? throw Refused(linkedTo, "a directory");
            string? directory = UnixFile.RealDirectory(given);
            if (directory is null)
            {
                throw linkedTo is null
                    ? new DirectoryNotFoundException($"the directory {given} does not exist")
                    : Dangling(linkedTo);
            }

            string candidate = System.IO.Path.Join(directory, System.IO.Path.GetFileName(current));

            // In /proc a link is a view of an open file, not a path: /dev/stdout leads to /proc/self/fd/1, whose
            // "target" reads pipe:[1234] or a terminal. The kernel follows it when it is opened, so it is opened.
            bool proc = candidate.StartsWith("/proc/", StringComparison.Ordinal);
            FileType type = UnixFile.TypeOf(candidate, follow: proc);
            switch (type)
            {
                case FileType.SymbolicLink:
                    string target = new FileInfo(candidate).LinkTarget ?? throw new IOException($"{candidate} changed while it was read");

                    // Not normalized here: ".." after a link is the link target's parent, which realpath finds.
                    current = System.IO.Path.Combine(directory, target);
                    linkedTo = System.IO.Path.GetFullPath(current);
                    continue;
                case FileType.RegularFile:
                    return proc ? new WriteTarget(WriteKind.Stream, candidate, Append: true) : new WriteTarget(WriteKind.Replace, candidate);
                case FileType.Missing when proc:
                    throw new IOException("it does not exist");
                case FileType.Missing:
                    return linkedTo is null ? new WriteTarget(WriteKind.Replace, candidate) : throw Dangling(linkedTo);
                case FileType.CharacterDevice or FileType.Fifo:
                    return new WriteTarget(WriteKind.Stream, candidate);
                case FileType.Directory:
                    throw Refused(linkedTo, "a directory");
                case FileType.Socket:
                    throw Refused(linkedTo, "a socket, not a file");
                default:
                    throw Refused(linkedTo, "a block device; Holt does not write over a disk");
            }
        }

        throw new IOException("too many levels of symbolic links");
    }

    private static IOException Refused(string? linkedTo, string what) =>
        new(linkedTo is null ? $"it is {what}" : $"it is a symbolic link leading to {linkedTo}, which is {what}");

    private static IOException Dangling(string linkedTo) =>
        new($"it is a symbolic link leading to {linkedTo}, which does not exist (create that file first, or remove the link)");
}
