using System.Globalization;

namespace Holt.Guard;

/// <summary>
/// Splits a syslog file line into a <see cref="LogLine"/>. Two timestamp forms are read: RFC 3339 with fractions,
/// Debian 12's rsyslog default (<c>2026-11-24T01:02:03.123456+00:00 host sshd[812]: ...</c>), and the classic BSD
/// form without a year (<c>Nov 24 01:02:03 host sshd[812]: ...</c>), which takes the year it is given. A line that
/// fits neither is not a log line (null): nothing is guessed from it.
/// </summary>
internal static class SyslogParser
{
    private static readonly string[] s_months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <param name="line">The line without its newline.</param>
    /// <param name="year">The year for classic timestamps, which have none.</param>
    public static LogLine? Parse(string line, int year)
    {
        ReadOnlySpan<char> text = line;
        DateTimeOffset time;
        int consumed;
        if (text.Length > 20 && char.IsAsciiDigit(text[0]) && text[4] == '-')
        {
            int space = text.IndexOf(' ');
            if (space < 0 || !DateTimeOffset.TryParse(text[..space], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time))
            {
                return null;
            }

            consumed = space + 1;
        }
        else if (text.Length > 16 && text[3] == ' ' && text[6] == ' ' && text[9] == ':' && text[12] == ':' && text[15] == ' ')
        {
            int month = Array.IndexOf(s_months, line[..3]) + 1;
            ReadOnlySpan<char> day = text[4..6].TrimStart(' ');
            if (month == 0 ||
                !int.TryParse(day, NumberStyles.None, CultureInfo.InvariantCulture, out int dayOfMonth) ||
                !int.TryParse(text[7..9], NumberStyles.None, CultureInfo.InvariantCulture, out int hour) ||
                !int.TryParse(text[10..12], NumberStyles.None, CultureInfo.InvariantCulture, out int minute) ||
                !int.TryParse(text[13..15], NumberStyles.None, CultureInfo.InvariantCulture, out int second) ||
                dayOfMonth is < 1 or > 31 || hour > 23 || minute > 59 || second > 60 || dayOfMonth > DateTime.DaysInMonth(year, month))
            {
                return null;
            }

            // Classic timestamps are in the machine's local time.
            var local = new DateTime(year, month, dayOfMonth, hour, minute, Math.Min(second, 59), DateTimeKind.Unspecified);
            time = new DateTimeOffset(local, TimeZoneInfo.Local.GetUtcOffset(local));
            consumed = 16;
        }
        else
        {
            return null;
        }

        // "host program[pid]: message"
        ReadOnlySpan<char> rest = text[consumed..];
        int hostEnd = rest.IndexOf(' ');
        if (hostEnd <= 0)
        {
            return null;
        }

        string host = rest[..hostEnd].ToString();
        rest = rest[(hostEnd + 1)..];
        int colon = rest.IndexOf(": ");
        if (colon <= 0)
        {
            return null;
        }

        ReadOnlySpan<char> tag = rest[..colon];
        string message = rest[(colon + 2)..].ToString();
        int pid = 0;
        int bracket = tag.IndexOf('[');
        if (bracket >= 0)
        {
            if (tag[^1] != ']' || !int.TryParse(tag[(bracket + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out pid))
            {
                return null;
            }

            tag = tag[..bracket];
        }

        return tag.IsEmpty || tag.Contains(' ') ? null : new LogLine(time, host, tag.ToString(), pid, message);
    }
}
