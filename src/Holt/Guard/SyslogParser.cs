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

    /// <summary>
    /// <c>YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)</c>, read by hand: the general parser is the slowest step of
    /// reading a large log, and this is the only shape rsyslog writes.
    /// </summary>
    internal static bool TryParseRfc3339(ReadOnlySpan<char> text, out DateTimeOffset time)
    {
        time = default;
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || text[10] is not ('T' or ' ') || text[13] != ':' || text[16] != ':')
        {
            return false;
        }

        if (!Digits(text[..4], out int year) || !Digits(text[5..7], out int month) || !Digits(text[8..10], out int day) ||
            !Digits(text[11..13], out int hour) || !Digits(text[14..16], out int minute) || !Digits(text[17..19], out int second))
        {
            return false;
        }

        int at = 19;
        long ticks = 0;
        if (text[at] == '.')
        {
            at++;
            int start = at;
            long scale = TimeSpan.TicksPerSecond;
            while (at < text.Length && char.IsAsciiDigit(text[at]))
            {
                scale /= 10;
                ticks += (text[at] - '0') * scale;
                at++;
            }

            if (at == start)
            {
                return false;
            }
        }

        TimeSpan offset;
        ReadOnlySpan<char> zone = text[at..];
        if (zone.SequenceEqual("Z"))
        {
            offset = TimeSpan.Zero;
        }
        else if (zone.Length == 6 && zone[0] is '+' or '-' && zone[3] == ':' && Digits(zone[1..3], out int zoneHours) && Digits(zone[4..6], out int zoneMinutes) && zoneHours < 24 && zoneMinutes < 60)
        {
            offset = new TimeSpan(zoneHours, zoneMinutes, 0);
            if (zone[0] == '-')
            {
                offset = -offset;
            }
        }
        else
        {
            return false;
        }

        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month) || hour > 23 || minute > 59 || second > 60 || year < 1)
        {
            return false;
        }

        time = new DateTimeOffset(year, month, day, hour, minute, Math.Min(second, 59), offset).AddTicks(ticks);
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    /// <param name="line">The line without its newline.</param>
    /// <param name="year">The year for classic timestamps, which have none.</param>
    /// <param name="names">Reuses host and program strings across lines of one file (optional; saves allocations).</param>
    public static LogLine? Parse(string line, int year, NameCache? names = null)
    {
        ReadOnlySpan<char> text = line;
        DateTimeOffset time;
        int consumed;
        if (text.Length > 20 && char.IsAsciiDigit(text[0]) && text[4] == '-')
        {
            int space = text.IndexOf(' ');
            if (space < 0 || !TryParseRfc3339(text[..space], out time))
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

        string host = names?.Get(rest[..hostEnd]) ?? rest[..hostEnd].ToString();
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

        return tag.IsEmpty || tag.Contains(' ') ? null : new LogLine(time, host, names?.Get(tag) ?? tag.ToString(), pid, message);
    }
}

/// <summary>The few host and program names a log repeats, kept as strings so each line does not allocate them again.</summary>
internal sealed class NameCache
{
    private readonly string[] _names = new string[16];
    private int _next;

    public string Get(ReadOnlySpan<char> name)
    {
        foreach (string? known in _names)
        {
            if (known is not null && name.SequenceEqual(known))
            {
                return known;
            }
        }

        string created = name.ToString();
        _names[_next] = created;
        _next = (_next + 1) % _names.Length;
        return created;
    }
}
