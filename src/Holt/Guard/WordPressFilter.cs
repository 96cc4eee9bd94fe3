using System.Net;

namespace Holt.Guard;

/// <summary>
/// WordPress login guessing in a web server's access log, in the common or combined format that nginx and Apache
/// write by default:
/// <code>
/// 203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] "POST /wp-login.php HTTP/1.1" 200 1234 "-" "Mozilla/5.0"
/// </code>
/// Counted: a POST to a path ending in <c>/wp-login.php</c> whose status is not a redirect (WordPress answers a
/// failed login with 200 and the form again, a successful one with 302; lost-password and other wp-login.php forms
/// that did not succeed count the same way), and every POST to a path ending in <c>/xmlrpc.php</c> (one request
/// can try hundreds of passwords through system.multicall). Percent-escapes in the path are decoded first, as the
/// server does before it runs the script, and a path that goes on after the script (<c>/wp-login.php/x</c>, which
/// Apache runs as wp-login.php with PATH_INFO) counts too; the query string is ignored.
/// <para>
/// Safety against log injection: the address is the first field, which the server writes before anything the
/// client sent, and must be an IP literal (the vhost_combined format, or HostnameLookups, give lines that are not
/// counted). The user field, request, referrer and user agent are the client's; servers escape the double quotes
/// and control characters in them (nginx as <c>\x22</c>, Apache as <c>\"</c>), so the time is the first
/// <c> [TIME] "</c> after the address, the request runs to the first unescaped quote, and the status follows it.
/// Method, path and status must be exactly where the format puts them, or the line is not counted. Whatever a
/// client puts in these fields can at worst change how its own line is read, never whose line it is.
/// </para>
/// </summary>
internal sealed class WordPressFilter : IGuardFilter
{
    /// <summary>Far beyond any request line a server accepts (nginx and Apache stop at 8 KiB by default).</summary>
    private const int MaxLineLength = 65536;

    /// <summary><c>[DD/Mon/YYYY:HH:MM:SS +ZZZZ]</c></summary>
    private const int TimeFieldLength = 28;

    public string Name => "wordpress";

    public Failure? MatchLine(string line, DateTimeOffset now)
    {
        ReadOnlySpan<char> text = line;
        int space = text.IndexOf(' ');
        if (text.Length > MaxLineLength || space <= 0 || !FilterText.TryAddress(text[..space], out IPAddress? address))
        {
            return null;
        }

        // The identity and user fields, then the time: the first " [TIME] \"" after the address.
        ReadOnlySpan<char> rest = text[space..];
        DateTimeOffset time = default;
        int open;
        while (true)
        {
            open = rest.IndexOf(" [");
            if (open < 0)
            {
                return null;
            }

            rest = rest[(open + 1)..];
            if (rest.Length >= TimeFieldLength + 2 && rest[TimeFieldLength..].StartsWith(" \"") && TryTime(rest[..TimeFieldLength], out time))
            {
                rest = rest[(TimeFieldLength + 2)..];
                break;
            }
        }

        // "METHOD URI PROTOCOL" up to the first unescaped quote, then " STATUS".
        int close = ClosingQuote(rest);
        if (close < 0)
        {
            return null;
        }

        ReadOnlySpan<char> request = rest[..close];
        ReadOnlySpan<char> after = rest[(close + 1)..];
        if (after.Length < 4 || after[0] != ' ' || !FilterText.TryDigits(after[1..4], out int status) || (after.Length > 4 && after[4] != ' ') ||
            status is < 100 or > 599)
        {
            return null;
        }

        if (!request.StartsWith("POST "))
        {
            return null;
        }

        ReadOnlySpan<char> target = request[5..];
        int protocol = target.IndexOf(' ');
        if (protocol <= 0 || !target[(protocol + 1)..].StartsWith("HTTP/") || target[(protocol + 1)..].Contains(' '))
        {
            return null;
        }

        ReadOnlySpan<char> uri = target[..protocol];
        int query = uri.IndexOf('?');
        string path = Unescape(query < 0 ? uri : uri[..query]);
        bool counted = IsScript(path, "/xmlrpc.php") || (IsScript(path, "/wp-login.php") && status is < 300 or > 399);
        return counted ? new Failure(address, time) : null;
    }

    /// <summary>Access logs are files; web servers do not send them to the journal on their own.</summary>
    public Failure? MatchEntry(LogLine entry) => null;

    /// <summary>The path names the script: it ends with it, or goes on after it with a '/' (PATH_INFO).</summary>
    private static bool IsScript(string path, string script) =>
        path.EndsWith(script, StringComparison.Ordinal) || path.Contains(script + "/", StringComparison.Ordinal);

    /// <summary><c>[10/Oct/2024:13:55:36 +0000]</c></summary>
    private static bool TryTime(ReadOnlySpan<char> field, out DateTimeOffset time)
    {
        time = default;
        if (field[0] != '[' || field[3] != '/' || field[7] != '/' || field[12] != ':' || field[15] != ':' || field[18] != ':' ||
            field[21] != ' ' || field[22] is not ('+' or '-') || field[27] != ']')
        {
            return false;
        }

        int month = FilterText.Month(field[4..7]);
        if (month == 0 || !FilterText.TryDigits(field[1..3], out int day) || !FilterText.TryDigits(field[8..12], out int year) ||
            !FilterText.TryDigits(field[13..15], out int hour) || !FilterText.TryDigits(field[16..18], out int minute) ||
            !FilterText.TryDigits(field[19..21], out int second) || !FilterText.TryDigits(field[23..25], out int zoneHours) ||
            !FilterText.TryDigits(field[25..27], out int zoneMinutes) || zoneMinutes > 59)
        {
            return false;
        }

        var offset = new TimeSpan(zoneHours, zoneMinutes, 0);
        return FilterText.TryTime(year, month, day, hour, minute, second, 0, field[22] == '-' ? -offset : offset, out time);
    }

    /// <summary>The first '"' not escaped by a backslash (Apache writes <c>\"</c> and <c>\\</c>), or -1.</summary>
    private static int ClosingQuote(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == '"')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The path with <c>%XX</c> escapes decoded (invalid ones kept as written), as the server sees it.</summary>
    private static string Unescape(ReadOnlySpan<char> path)
    {
        if (!path.Contains('%'))
        {
            return path.ToString();
        }

        var decoded = new System.Text.StringBuilder(path.Length);
        for (int i = 0; i < path.Length; i++)
        {
            if (path[i] == '%' && i + 2 < path.Length && char.IsAsciiHexDigit(path[i + 1]) && char.IsAsciiHexDigit(path[i + 2]))
            {
                _ = decoded.Append((char)((HexValue(path[i + 1]) << 4) | HexValue(path[i + 2])));
                i += 2;
            }
            else
            {
                _ = decoded.Append(path[i]);
            }
        }

        return decoded.ToString();
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
