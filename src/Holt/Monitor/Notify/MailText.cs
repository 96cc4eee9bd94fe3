using System.Globalization;
using System.Text;

namespace Holt.Monitor.Notify;

/// <summary>An alert as an RFC 5322 mail message, and SMTP's transparency (dot-stuffing) for DATA.</summary>
internal static class MailText
{
    /// <summary>RFC 5322's limit on a line, without its CRLF.</summary>
    public const int MaxLine = 998;

    /// <summary>
    /// The message, with CRLF line ends: Date, From, To, Subject (an encoded word when not ASCII), Message-ID, and
    /// a plain-text body, in 7bit when it is short-lined ASCII and in base64 otherwise.
    /// </summary>
    public static string Compose(NotifierConfig config, AlertMessage message, DateTimeOffset now, string localName)
    {
        string body = AlertText.Title(message) + "\n\n" + AlertText.Body(message);
        string[] lines = body.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        bool plain = body.All(c => c is '\n' or (>= ' ' and < '\u007f')) && lines.All(l => l.Length <= MaxLine);
        var text = new StringBuilder();
        Header(text, "Date", now.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture));
        Header(text, "From", config.From!);
        Header(text, "To", string.Join(", ", config.To));
        Header(text, "Subject", Encoded(AlertText.Cut(AlertText.Title(message), 200)));
        Header(text, "Message-ID", $"<{Guid.NewGuid():N}@{localName}>");
        Header(text, "MIME-Version", "1.0");
        Header(text, "Content-Type", "text/plain; charset=utf-8");
        Header(text, "Content-Transfer-Encoding", plain ? "7bit" : "base64");
        Header(text, "Auto-Submitted", "auto-generated");
        text.Append("\r\n");
        if (plain)
        {
            foreach (string line in lines)
            {
                text.Append(line).Append("\r\n");
            }
        }
        else
        {
            string encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(body.Replace("\n", "\r\n", StringComparison.Ordinal)));
            for (int i = 0; i < encoded.Length; i += 76)
            {
                text.Append(encoded, i, Math.Min(76, encoded.Length - i)).Append("\r\n");
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// SMTP's transparency (RFC 5321 4.5.2): a line that begins with a dot gets a second one, so no line of the
    /// message can be the lone dot that ends it. <paramref name="data"/> has CRLF line ends and ends with one.
    /// </summary>
    public static string DotStuff(string data)
    {
        var stuffed = new StringBuilder(data.Length + 16);
        bool lineStart = true;
        foreach (char c in data)
        {
            if (lineStart && c == '.')
            {
                stuffed.Append('.');
            }

            stuffed.Append(c);
            lineStart = c == '\n';
        }

        return stuffed.ToString();
    }

    /// <summary>
    /// A header's text as it is when printable ASCII, else as RFC 2047 encoded words: each under 75 characters and
    /// never splitting a character, separated by spaces that a reader drops between encoded words.
    /// </summary>
    public static string Encoded(string text)
    {
        if (text.All(c => c is >= ' ' and < '\u007f'))
        {
            return text;
        }

        var words = new List<string>();
        var chunk = new StringBuilder();
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (Encoding.UTF8.GetByteCount(chunk.ToString()) + rune.Utf8SequenceLength > 45)
            {
                words.Add(Word(chunk.ToString()));
                _ = chunk.Clear();
            }

            _ = chunk.Append(rune.ToString());
        }

        if (chunk.Length > 0)
        {
            words.Add(Word(chunk.ToString()));
        }

        return string.Join(' ', words);
    }

    private static string Word(string text) => "=?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) + "?=";

    private static void Header(StringBuilder text, string name, string value) =>
        text.Append(name).Append(": ").Append(AlertText.OneLine(value)).Append("\r\n");
}
