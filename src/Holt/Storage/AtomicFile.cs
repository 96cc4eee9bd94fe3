using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Holt.Storage;

/// <summary>
/// Writes a file so that a reader, or the machine after a crash, sees either the whole old content or the whole
/// new content, never a mixture: the bytes go to a fresh temporary file beside the target, created with the final
/// mode from the start (0600 for keys and configs, so a secret is never readable by others even for a moment),
/// flushed to disk, then renamed over the target, and the directory flushed so the rename itself survives.
/// </summary>
internal static class AtomicFile
{
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the directory <paramref name="path"/> will live in, mode 0700, if it is missing; an existing one keeps its mode.</summary>
    public static void CreateParent(string path) =>
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!, PrivateDirectory);

    public static void WriteAllText(string path, string text, UnixFileMode mode = Private) =>
        WriteAllBytes(path, Encoding.UTF8.GetBytes(text), mode);

    /// <exception cref="IOException">The file could not be written; the target is unchanged.</exception>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode mode = Private)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new IOException($"{path} has no directory");
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
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
        catch
        {
            TryDelete(temporary);
            throw;
        }

        FlushDirectory(directory);
    }

    private static void FlushDirectory(string directory)
    {
        try
        {
            using SafeFileHandle handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Some file systems cannot flush a directory; the rename is already visible to every reader.
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
