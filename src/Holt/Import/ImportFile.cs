using System.Text;
using Holt.Storage;

namespace Holt.Import;

/// <summary>
/// Reads the file to import: a regular file of UTF-8 text, at most <see cref="MaxBytes"/> (a configuration of
/// thousands of peers is a few megabytes), so a device, a directory or a binary file gets a one-line error that
/// says so instead of a runtime's message or unbounded memory.
/// </summary>
internal static class ImportFile
{
    public const int MaxBytes = 16 << 20;

    private static readonly UTF8Encoding s_strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <exception cref="CommandException">The file cannot be read, or is not a text file.</exception>
    public static string Read(string path)
    {
        byte[] bytes;
        FileType type;
        try
        {
            type = UnixFile.StatusOf(path, follow: true)?.Type ?? FileType.Missing;
        }
        catch (IOException e)
        {
            // A link loop or a path that cannot be looked at: strerror's words, in the one line.
            throw new CommandException($"{path}: cannot read it: {e.Message}", e);
        }

        switch (type)
        {
            case FileType.Missing:
                throw new CommandException($"{path}: no such file");
            case FileType.Directory:
                throw new CommandException($"{path} is a directory; give the configuration file in it, such as {Path.Combine(path, "wg0.conf")}");
            case FileType.RegularFile:
                break;
            case FileType other:
                // Opening a FIFO would wait for a writer, and a device may never end.
                throw new CommandException($"{path} is a {Describe(other)}, not a configuration file");
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            bytes = ReadBounded(stream, path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CommandException($"{path}: no such file", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"{path}: cannot read it: {e.Message}", e);
        }

        if (bytes.AsSpan().StartsWith("SQLite format 3\0"u8))
        {
            throw new CommandException($"{path} is an SQLite database (wg-easy 15 and later keep their state in one); holt import reads the wg0.json of wg-easy 14 and earlier, or a wg-quick file");
        }

        int nul = Array.IndexOf(bytes, (byte)0);
        if (nul >= 0)
        {
            throw new CommandException($"{path}:{LineOf(bytes, nul)}: a NUL byte: this is not a text configuration");
        }

        try
        {
            string text = s_strict.GetString(bytes);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException e)
        {
            throw new CommandException($"{path}:{LineOf(bytes, Math.Max(0, e.Index))}: bytes that are not UTF-8 text: this is not a text configuration", e);
        }
    }

    /// <summary>Reads to the end, refusing more than <see cref="MaxBytes"/> (a FIFO or device has no length to trust).</summary>
    private static byte[] ReadBounded(Stream stream, string path)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[64 << 10];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw new CommandException($"{path} is larger than {MaxBytes >> 20} MiB: not a WireGuard configuration");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static string Describe(FileType type) => type switch
    {
        FileType.CharacterDevice or FileType.BlockDevice => "device",
        FileType.Fifo => "FIFO (named pipe)",
        FileType.Socket => "socket",
        _ => "special file",
    };

    private static int LineOf(byte[] bytes, int offset) => bytes.AsSpan(0, Math.Min(offset, bytes.Length)).Count((byte)'\n') + 1;
}
