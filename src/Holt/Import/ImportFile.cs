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
        byte[]? bytes;
        FileType type;
        try
        {
            // Looked at before it is opened, and opened without blocking: a FIFO would wait for a writer, and a
            // device may never end.
            bytes = UnixFile.ReadRegular(path, MaxBytes, out type);
        }
        catch (IOException e)
        {
            throw new CommandException($"{path}: cannot read it: {e.Message}", e);
        }

        if (bytes is null)
        {
            throw new CommandException(type switch
            {
                FileType.Missing => $"{path}: no such file",
                FileType.Directory => $"{path} is a directory; give the configuration file in it, such as {Path.Combine(path, "wg0.conf")}",
                _ => $"{path} is {UnixFile.Describe(type)}, not a configuration file",
            });
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

    private static int LineOf(byte[] bytes, int offset) => bytes.AsSpan(0, Math.Min(offset, bytes.Length)).Count((byte)'\n') + 1;
}
