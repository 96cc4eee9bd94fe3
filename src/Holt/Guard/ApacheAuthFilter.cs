using System.Net;

namespace Holt.Guard;

/// <summary>
/// Apache 2.4's basic-authentication failures in its error.log (mod_auth_basic), in the default ErrorLogFormat:
/// <code>
/// [Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid 1234:tid 140000] [client 203.0.113.9:51234] AH01617: user admin: authentication failure for "/private": Password Mismatch
/// [Wed Oct 11 14:32:52 2000] [auth_basic:error] [pid 1234] [client 2001:db8::9:51234] AH01618: user admin not found: /private
/// </code>
/// The time is the machine's local time (Apache writes no zone); microseconds and the thread id are optional.
/// <para>
/// Safety against log injection: every bracketed field before the message is Apache's (time, module and level,
/// process, client), and the user name and URI come only after the message code. The fields are read strictly
/// from the left, each where the format puts it, so nothing the client sent is looked at before the address is
/// known. The client field is <c>ADDRESS:PORT</c> with IPv6 unbracketed, so the port is after the last colon; the
/// address must be an IP literal (not a name, as with HostnameLookups). A line that does not fit exactly is not
/// counted; so are lines with another message than AH01617 (password mismatch) or AH01618 (unknown user).
/// </para>
/// </summary>
internal sealed class ApacheAuthFilter : IGuardFilter
{
    /// <summary>Apache cuts its error lines at 8 KiB (MAX_STRING_LEN); a much longer line is not its own.</summary>
    private const int MaxLineLength = 16384;

    private static readonly string[] s_weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    public string Name => "apache-auth";

    public Failure? MatchLine(string line, DateTimeOffset now)
    {
        ReadOnlySpan<char> text = line;
        if (text.Length > MaxLineLength || !TryTime(ref text, out DateTimeOffset time) || !TryModule(ref text) || !TryProcess(ref text))
        {
            return null;
        }

        // At LogLevel debug the source file comes first: "mod_auth_basic.c(285): " (Apache's own text).
        SkipSourceFile(ref text);
        if (!TryClient(ref text, out IPAddress? address) ||
            !(text.StartsWith("AH01617: ") || text.StartsWith("AH01618: ")))
        {
            return null;
        }

        return new Failure(address, time);
    }

    /// <summary>Apache writes its error log to a file (or a pipe), not to the journal.</summary>
    public Failure? MatchEntry(LogLine entry) => null;

    /// <summary><c>[Www Mmm DD HH:MM:SS[.ffffff] YYYY] </c></summary>
    private static bool TryTime(ref ReadOnlySpan<char> text, out DateTimeOffset time)
    {
        time = default;
        if (text.Length < 26 || text[0] != '[' || text[4] != ' ' || text[8] != ' ' || text[11] != ' ' || text[14] != ':' || text[17] != ':' ||
            !IsWeekday(text[1..4]))
        {
            return false;
        }

        int month = FilterText.Month(text[5..8]);
        ReadOnlySpan<char> dayText = text[9] == ' ' ? text[10..11] : text[9..11];
        if (month == 0 || !FilterText.TryDigits(dayText, out int day) || !FilterText.TryDigits(text[12..14], out int hour) ||
            !FilterText.TryDigits(text[15..17], out int minute) || !FilterText.TryDigits(text[18..20], out int second))
        {
            return false;
        }

        int at = 20;
        long ticks = 0;
        if (text[at] == '.')
        {
            // %{u}t: exactly six digits of microseconds.
            if (text.Length < at + 7 || !FilterText.TryDigits(text.Slice(at + 1, 6), out int micro))
            {
                return false;
            }

            ticks = micro * TimeSpan.TicksPerMicrosecond;
            at += 7;
        }

        if (text.Length < at + 8 || text[at] != ' ' || text[at + 5] != ']' || text[at + 6] != ' ' ||
            !FilterText.TryDigits(text.Slice(at + 1, 4), out int year) ||
            !FilterText.TryLocalTime(year, month, day, hour, minute, second, ticks, out time))
        {
            return false;
        }

        text = text[(at + 7)..];
        return true;
    }

    /// <summary><c>[MODULE:LEVEL] </c>, for example <c>[auth_basic:error] </c>.</summary>
    private static bool TryModule(ref ReadOnlySpan<char> text)
    {
        int close = text.IndexOf("] ");
        if (text.IsEmpty || text[0] != '[' || close < 0 || close > 64)
        {
            return false;
        }

        ReadOnlySpan<char> field = text[1..close];
        int colon = field.IndexOf(':');
        if (colon <= 0 || !IsWord(field[..colon]) || !IsWord(field[(colon + 1)..]))
        {
            return false;
        }

        text = text[(close + 2)..];
        return true;
    }

    /// <summary><c>[pid N] </c> or <c>[pid N:tid N] </c>.</summary>
    private static bool TryProcess(ref ReadOnlySpan<char> text)
    {
        if (!text.StartsWith("[pid "))
        {
            return false;
        }

        int close = text.IndexOf("] ");
        if (close < 0 || close > 64)
        {
            return false;
        }

        ReadOnlySpan<char> field = text[5..close];
        int tid = field.IndexOf(":tid ");
        if (!IsNumber(tid < 0 ? field : field[..tid]) || (tid >= 0 && !IsNumber(field[(tid + 5)..])))
        {
            return false;
        }

        text = text[(close + 2)..];
        return true;
    }

    private static void SkipSourceFile(ref ReadOnlySpan<char> text)
    {
        // "NAME.c(DIGITS): " where NAME is letters, digits and '_'.
        int open = text.IsEmpty || text[0] == '[' ? -1 : text.IndexOf(".c(");
        if (open <= 0 || open > 64 || !IsWord(text[..open]))
        {
            return;
        }

        ReadOnlySpan<char> after = text[(open + 3)..];
        int close = after.IndexOf("): ");
        if (close > 0 && IsNumber(after[..close]))
        {
            text = after[(close + 3)..];
        }
    }

    /// <summary><c>[client ADDRESS:PORT] </c>; the port is after the last colon, as IPv6 is written unbracketed.</summary>
    private static bool TryClient(ref ReadOnlySpan<char> text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (!text.StartsWith("[client "))
        {
            return false;
        }

        int close = text.IndexOf("] ");
        if (close < 0 || close > 8 + 45 + 6)
        {
            return false;
        }

        ReadOnlySpan<char> field = text[8..close];
        int colon = field.LastIndexOf(':');
        if (colon <= 0 || !IsNumber(field[(colon + 1)..]) || !FilterText.TryAddress(field[..colon], out address))
        {
            return false;
        }

        text = text[(close + 2)..];
        return true;
    }

    private static bool IsWeekday(ReadOnlySpan<char> name)
    {
        foreach (string day in s_weekdays)
        {
            if (name.SequenceEqual(day))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsWord(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNumber(ReadOnlySpan<char> text) => text.Length is > 0 and <= 19 && !text.ContainsAnyExceptInRange('0', '9');
}
