using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Holt.Guard;

/// <summary>
/// Parses one line of <c>journalctl -o json</c> into a <see cref="JournalEntry"/>, following
/// https://systemd.io/JOURNAL_EXPORT_FORMATS/#journal-json-format:
/// <list type="bullet">
/// <item>every value is a JSON string, even numbers (<c>"__REALTIME_TIMESTAMP":"1700000000123456"</c>);</item>
/// <item>a value that is not valid UTF-8 (or has control characters) is an array of byte values
/// (<c>"MESSAGE":[72,105,255]</c>);</item>
/// <item>a field present more than once is an array of its values, each a string or a byte array;</item>
/// <item>a value too large to print (over 4096 bytes without <c>--all</c>) is <c>null</c>.</item>
/// </list>
/// Reading goes through <see cref="Utf8JsonReader"/> field by field: no reflection, and unknown fields are skipped.
/// </summary>
internal static class JournalJson
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Parses a line; null if it is not an entry that has a time, a program and a message.</summary>
    public static JournalEntry? Parse(string line) => line.Length == 0 ? null : Parse(Encoding.UTF8.GetBytes(line));

    /// <inheritdoc cref="Parse(string)"/>
    public static JournalEntry? Parse(ReadOnlySpan<byte> json)
    {
        string? cursor = null, realtime = null, host = null, identifier = null, comm = null, pid = null, syslogPid = null;
        string? message = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!reader.Read())
                {
                    return null;
                }

                string? value = ReadValue(ref reader);
                switch (name)
                {
                    case "__CURSOR": cursor = value; break;
                    case "__REALTIME_TIMESTAMP": realtime = value; break;
                    case "_HOSTNAME": host = value; break;
                    case "SYSLOG_IDENTIFIER": identifier = value; break;
                    case "_COMM": comm = value; break;
                    case "_PID": pid = value; break;
                    case "SYSLOG_PID": syslogPid = value; break;
                    case "MESSAGE": message = value; break;
                    default: break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                return null;
            }
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // A string holding bytes that are not UTF-8: journalctl never prints one, so the line is damaged.
            return null;
        }

        string? program = identifier ?? comm;
        if (program is null || message is null
            || !long.TryParse(realtime, NumberStyles.None, CultureInfo.InvariantCulture, out long microseconds)
            || microseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() * 1000)
        {
            return null;
        }

        // _PID is journald's own record of the sender; SYSLOG_PID is what the sender wrote in its syslog header.
        int processId = ParsePid(pid) ?? ParsePid(syslogPid) ?? 0;
        DateTimeOffset time = DateTimeOffset.UnixEpoch.AddTicks(microseconds * 10);
        return new JournalEntry(new LogLine(time, host, program, processId, message.TrimEnd('\n')), cursor);
    }

    /// <summary>
    /// A field's value as text: a string as is, bytes decoded as UTF-8 (invalid sequences become U+FFFD), and of
    /// several values the first, which is the one a syslog reader would have seen. Null for null or nonsense.
    /// </summary>
    private static string? ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.StartArray:
                if (!reader.Read())
                {
                    return null;
                }

                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    return "";
                }

                if (reader.TokenType == JsonTokenType.Number)
                {
                    return ReadBytes(ref reader);
                }

                // Several values: keep the first, skip the rest.
                string? first = ReadValue(ref reader);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    reader.Skip();
                }

                return first;
            case JsonTokenType.StartObject:
                reader.Skip();
                return null;
            default:
                return null;
        }
    }

    /// <summary>Reads the numbers of a byte array, the reader on its first number, and decodes them.</summary>
    private static string? ReadBytes(ref Utf8JsonReader reader)
    {
        var bytes = new List<byte>();
        do
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetByte(out byte b))
            {
                // Not a byte array after all; finish the array so the caller stays in step.
                reader.Skip();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    reader.Skip();
                }

                return null;
            }

            bytes.Add(b);
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray);

        return s_utf8.GetString(bytes.ToArray());
    }

    private static int? ParsePid(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0 ? pid : null;
}
