using System.Text;
using Holt.Interop;

namespace Holt.Storage;

/// <summary>
/// Writes a file so that a reader, or the machine after a crash, sees either the whole old content or the whole
/// new content, never a mixture: the bytes go to a fresh temporary file beside the target, created with the final
/// mode from the start (0600 for keys and configs, so a secret is never readable by others even for a moment),
/// flushed to disk, then renamed over the target, and the directory flushed so the rename itself survives.
/// </summary>
/// <remarks>
/// Only a regular file is replaced so. A symbolic link is followed to the file it leads to, which is replaced in
/// its own directory, so the link stays a link; a character device or a FIFO (/dev/null, /dev/stdout, a terminal)
/// is written into and stays what it is; a directory, a socket, a block device or a link that leads nowhere is
/// refused (see <see cref="WriteTarget"/>).
/// </remarks>
internal static class AtomicFile
{
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the directory <paramref name="path"/> will live in, mode 0700, if it is missing; an existing one keeps its mode.</summary>
    public static void CreateParent(string path) =>
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!, PrivateDirectory);

    /// <summary>Where and how <paramref name="path"/> would be written, without writing: to refuse a bad path before other work.</summary>
    /// <exception cref="IOException">It cannot be written; the message says why, in one line.</exception>
    public static WriteTarget Check(string path) => WriteTarget.Resolve(path);

    /// <summary>
    /// Deletes the temporary copies of <paramref name="name"/> left by writers that are gone: a process killed with
    /// -9 (an OOM kill, a crash) between creating its temporary file and renaming it cannot clean up, and the copy may
    /// hold private keys. A live writer's file is left alone: its process id is in the name.
    /// </summary>
    public static void RemoveAbandoned(string directory, string name)
    {
        try
        {
            foreach (string path in Directory.EnumerateFiles(directory, $".{name}.*.tmp"))
            {
                string[] parts = Path.GetFileName(path)[(name.Length + 2)..].Split('.');
                if (parts.Length == 3 && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid) &&
                    pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
                {
                    File.Delete(path);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing to tidy, or not ours to tidy: the write itself decides whether it can go on.
        }
    }

    public static WriteKind WriteAllText(string path, string text, UnixFileMode mode = Private) =>
        WriteAllBytes(path, Encoding.UTF8.GetBytes(text), mode);

    /// <returns>Whether a file was replaced (with <paramref name="mode"/>) or a device or FIFO written into.</returns>
    /// <exception cref="IOException">The file could not be written; the target is unchanged.</exception>
    public static WriteKind WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode mode = Private)
    {
        WriteTarget target = WriteTarget.Resolve(path);
        if (target.Kind == WriteKind.Stream)
        {
            // Not deferred like a replacement: cut short, it leaves nothing behind, and a FIFO that has no reader
            // yet must still give way to Ctrl-C.
            UnixFile.WriteThrough(target.Path, content, target.Append);
        }
        else
        {
            Replace(target.Path, content, mode);
        }

        return target.Kind;
    }

    private static void Replace(string full, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string directory = Path.GetDirectoryName(full)!;
        RemoveAbandoned(directory, Path.GetFileName(full));
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

        // Killed between creating the temporary file and renaming it, a process would leave a copy of the secret
        // beside the target; an interrupt waits until it is renamed or deleted.
        using (InterruptDeferral.Begin())
        {
            try
            {
                var options = new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = mode,
                    Options = FileOptions.WriteThrough,
                };
                using (var stream = new FileStream(temporary, options))
                {
                    stream.Write(content);
                    stream.Flush(flushToDisk: true);
                }

                // The umask may have narrowed the mode at creation; set exactly what was asked for.
                File.SetUnixFileMode(temporary, mode);
                File.Move(temporary, full, overwrite: true);
            }
            catch (IOException e) when (e.GetType() == typeof(IOException) && e.Message.Contains(temporary, StringComparison.Ordinal))
            {
                // .NET names the temporary file ("No space left on device : '/x/.y.123.abc.tmp'"), which is of no
                // use to the reader and makes the same failure read differently each time.
                TryDelete(temporary);
                throw new IOException(e.Message.Replace($" : '{temporary}'", "", StringComparison.Ordinal).Replace(temporary, full, StringComparison.Ordinal), e.HResult);
            }
            catch
            {
                TryDelete(temporary);
                throw;
            }

            UnixFile.FlushDirectory(directory);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
