using System.Text;

namespace Holt.Monitor.Notify;

/// <summary>
/// Secrets and the text around them: what a token or an address may look like, reading a secret from its file
/// with a bounded read, and scrubbing every secret out of a line before anyone sees it.
/// </summary>
internal static class SecretText
{
    /// <summary>More than this in a token or password file is not a secret but a mistake (or /dev/zero).</summary>
    public const int MaxFileBytes = 4096;

    public const string Hidden = "***";

    /// <summary>One word of printable ASCII, fit for a header or a URL path segment.</summary>
    public static bool IsToken(string text) =>
        text.Length is > 0 and <= 1024 && text.All(c => c is > ' ' and < '\u007f' and not '"' and not '\\');

    /// <summary>A Telegram bot token, <c>123456:ABC-DEF_ghi</c>: it goes into the URL's path, so nothing else may.</summary>
    public static bool IsTelegramToken(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && text.Length <= 256 && text[..colon].All(char.IsAsciiDigit) &&
            text[(colon + 1)..].Length > 0 && text[(colon + 1)..].All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
    }

    /// <summary>A bare mail address, <c>local@domain</c>: nothing that could end an SMTP command or a header.</summary>
    public static bool IsMailAddress(string text)
    {
        int at = text.LastIndexOf('@');
        return at > 0 && at < text.Length - 1 && text.Length <= 254 &&
            text.All(c => c is > ' ' and < '\u007f' and not '<' and not '>' and not ',' and not ';' and not '"' and not '(' and not ')');
    }

    /// <summary>
    /// The secret itself, or the contents of its file (first line, trimmed): read at most <see cref="MaxFileBytes"/>
    /// bytes. Null and a one-line <paramref name="error"/> when the file cannot be read.
    /// </summary>
    public static string? Resolve(string? value, string? file, string key, out string? error)
    {
        error = null;
        if (value is not null || file is null)
        {
            return value;
        }

        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            byte[] buffer = new byte[MaxFileBytes + 1];
            int total = 0;
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }

            if (total > MaxFileBytes)
            {
                error = $"{key} {file} is longer than {MaxFileBytes} bytes";
                return null;
            }

            string text = Encoding.UTF8.GetString(buffer, 0, total);
            int end = text.IndexOfAny(['\r', '\n']);
            string secret = (end >= 0 ? text[..end] : text).Trim();
            if (secret.Length == 0)
            {
                error = $"{key} {file} is empty";
                return null;
            }

            return secret;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read {key} {file}: {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// <paramref name="text"/> with every secret replaced by <see cref="Hidden"/>, control characters made
    /// printable, and cut to <paramref name="max"/> characters: what may be logged or shown.
    /// </summary>
    public static string Scrub(string text, IEnumerable<string?> secrets, int max = 300)
    {
        foreach (string secret in secrets.OfType<string>().Where(s => s.Length >= 4).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, Hidden, StringComparison.Ordinal);
            string escaped = Uri.EscapeDataString(secret);
            if (escaped != secret)
            {
                text = text.Replace(escaped, Hidden, StringComparison.OrdinalIgnoreCase);
            }
        }

        var line = new StringBuilder(Math.Min(text.Length, max + 1));
        foreach (char c in text)
        {
            if (line.Length >= max)
            {
                line.Append('…');
                break;
            }

            line.Append(char.IsControl(c) ? ' ' : c);
        }

        return line.ToString().Trim();
    }
}
