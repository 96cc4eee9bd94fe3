using System.Net;

namespace Holt.Guard;

/// <summary>
/// nginx's basic-authentication failures in its error.log (<c>auth_basic</c>): an unknown user or a wrong password.
/// <code>
/// 2024/10/10 13:55:36 [error] 1234#1234: *5 user "admin" was not found in "/etc/nginx/.htpasswd", client: 203.0.113.9, server: example.com, request: "GET / HTTP/1.1", host: "example.com"
/// 2024/10/10 13:55:36 [error] 1234#1234: *5 user "admin": password mismatch, client: 2001:db8::9, server: example.com, request: "GET / HTTP/1.1", host: "example.com", referrer: "https://example.com/"
/// </code>
/// The time is the machine's local time (nginx writes no zone). "no user/password was provided" is not counted:
/// browsers send every first request without credentials.
/// <para>
/// Safety against log injection: the user name, request line, host and referrer are the client's text; the
/// prefix up to <c>*CONN </c>, the message's fixed words, the htpasswd path (the operator's) and the client
/// address are nginx's. A basic-auth user name cannot hold a ':' (the credentials are split at the first colon),
/// so it can never hold <c>", client: "</c>; everything else the client chose comes after the address. The genuine
/// address is therefore the text after the first <c>", client: "</c> following the fixed message, up to the next
/// ',', which must begin <c>", server: "</c> (nginx always writes it next), and it must be an IP literal. A line
/// that does not fit exactly is not counted, nor is one with a ':' in the user name's place (not nginx's).
/// </para>
/// </summary>
internal sealed class NginxAuthFilter : IGuardFilter
{
    /// <summary>
    /// nginx writes at most NGX_MAX_ERROR_STR (2048) bytes per error line; a much longer line is not nginx's own.
    /// </summary>
    private const int MaxLineLength = 4096;

    private const string ClientField = ", client: ";
    private const string ServerField = ", server: ";
    private const string Mismatch = "\": password mismatch";
    private const string NotFound = "\" was not found in \"";

    public string Name => "nginx-http-auth";

    public Failure? MatchLine(string line, DateTimeOffset now)
    {
        if (line.Length > MaxLineLength || !TryPrefix(line, out DateTimeOffset time, out int messageStart))
        {
            return null;
        }

        // "user "NAME" was not found in "PATH"" or "user "NAME": password mismatch", then the client.
        ReadOnlySpan<char> message = line.AsSpan(messageStart);
        if (!message.StartsWith("user \""))
        {
            return null;
        }

        int client = message.IndexOf(ClientField);
        if (client < 0)
        {
            return null;
        }

        // What comes before the client is nginx's fixed text around the user name, which holds no ':' (a line whose
        // user name has one is not nginx's); the htpasswd path is assumed to have none either.
        ReadOnlySpan<char> what = message[..client];
        int colon = what.IndexOf(':');
        bool mismatch = what.EndsWith(Mismatch) && colon == what.Length - Mismatch.Length + 1;
        bool notFound = colon < 0 && what.EndsWith("\"") && what.Contains(NotFound, StringComparison.Ordinal);
        if (!mismatch && !notFound)
        {
            return null;
        }

        // The address runs to the next ',', which must start ", server: " (nginx always writes it next). Requiring it,
        // rather than also taking an address that ends the line, matters: nginx cuts lines at 2048 bytes, and a
        // client whose user name is just long enough would otherwise have 203.0.113.19 cut to 203.0.113.1.
        ReadOnlySpan<char> rest = message[(client + ClientField.Length)..];
        int comma = rest.IndexOf(',');
        return comma > 0 && rest[comma..].StartsWith(ServerField) && FilterText.TryAddress(rest[..comma], out IPAddress? address)
            ? new Failure(address, time)
            : null;
    }

    /// <summary>nginx does not write to the journal on its own; its error log is a file.</summary>
    public Failure? MatchEntry(LogLine entry) => null;

    /// <summary><c>YYYY/MM/DD HH:MM:SS [error] PID#TID: *CONN </c>, exactly; the message starts after it.</summary>
    private static bool TryPrefix(ReadOnlySpan<char> line, out DateTimeOffset time, out int messageStart)
    {
        time = default;
        messageStart = 0;
        const string Level = " [error] ";
        if (line.Length < 19 + Level.Length || line[4] != '/' || line[7] != '/' || line[10] != ' ' || line[13] != ':' || line[16] != ':' ||
            !FilterText.TryDigits(line[..4], out int year) || !FilterText.TryDigits(line[5..7], out int month) ||
            !FilterText.TryDigits(line[8..10], out int day) || !FilterText.TryDigits(line[11..13], out int hour) ||
            !FilterText.TryDigits(line[14..16], out int minute) || !FilterText.TryDigits(line[17..19], out int second) ||
            !line[19..].StartsWith(Level) || !FilterText.TryLocalTime(year, month, day, hour, minute, second, 0, out time))
        {
            return false;
        }

        int at = 19 + Level.Length;
        if (!Number(line, ref at) || !Expect(line, ref at, "#") || !Number(line, ref at) || !Expect(line, ref at, ": *") ||
            !Number(line, ref at) || !Expect(line, ref at, " "))
        {
            return false;
        }

        messageStart = at;
        return true;
    }

    private static bool Number(ReadOnlySpan<char> line, ref int at)
    {
        int length = line[at..].IndexOfAnyExceptInRange('0', '9');
        if (length is 0 or > 19 || length < 0)
        {
            return false;
        }

        at += length;
        return true;
    }

    private static bool Expect(ReadOnlySpan<char> line, ref int at, string text)
    {
        if (!line[at..].StartsWith(text))
        {
            return false;
        }

        at += text.Length;
        return true;
    }
}
