using System.Globalization;

namespace Holt.Guard;

/// <summary>
/// Splits a syslog file line into a <see cref="LogLine"/>. What real servers write is read:
/// <list type="bullet">
/// <item>RFC 3339 timestamps with or without fractions, rsyslog's file format on Debian 12
/// (<c>2026-11-24T01:02:03.123456+00:00 host sshd[812]: ...</c>), and the same with <c>+0000</c> offsets
/// (journalctl's short-iso), a space for the <c>T</c>, or no offset at all (local time);</item>
/// <item>the classic BSD form without a year (<c>Nov 24 01:02:03</c>, <c>Nov  4</c>, <c>Nov 04</c> or <c>Nov 4</c>),
/// which takes the year it is given;</item>
/// <item>RFC 5424 (<c>&lt;38&gt;1 2026-11-24T01:02:03Z host sshd 812 - [sd] message</c>), and a <c>&lt;PRI&gt;</c>
/// before either of the others;</item>
/// <item>lines without a host name (<c>Nov 24 01:02:03 sshd[812]: ...</c>), and a program written in brackets
/// (<c>[sshd]: ...</c> or <c>[sshd] ...</c>);</item>
/// <item>Solaris and illumos's message id before the message (<c>sshd[812]: [ID 800047 auth.info] ...</c>),
/// which is removed.</item>
/// </list>
/// A line that fits none of them is not a log line (null): nothing is guessed from it. Everything an attacker can
/// influence is inside the message, after the header this reads.
/// </summary>
internal static class SyslogParser
{
    /// <summary>
    /// <c>YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)</c>, exactly: the strict RFC 3339 form.
    /// </summary>
    internal static bool TryParseRfc3339(ReadOnlySpan<char> text, out DateTimeOffset time) =>
        TryParseIso(text, strict: true, out time);

    /// <summary>
    /// An ISO 8601 timestamp as logs write it, read by hand (the general parser is the slowest step of reading a
    /// large log). Strict: RFC 3339 only. Otherwise also a space for the T, <c>+HHMM</c>, and no offset (local time).
    /// </summary>
    private static bool TryParseIso(ReadOnlySpan<char> text, bool strict, out DateTimeOffset time)
    {
        time = default;
        if (text.Length < 19 || text[4] != '-' || text[7] != '-' || text[10] is not ('T' or ' ') || text[13] != ':' || text[16] != ':')
        {
            return false;
        }

        if (!FilterText.TryDigits(text[..4], out int year) || !FilterText.TryDigits(text[5..7], out int month) || !FilterText.TryDigits(text[8..10], out int day) ||
            !FilterText.TryDigits(text[11..13], out int hour) || !FilterText.TryDigits(text[14..16], out int minute) || !FilterText.TryDigits(text[17..19], out int second))
        {
            return false;
        }

        int at = 19;
        long ticks = 0;
        if (at < text.Length && text[at] == '.')
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

        ReadOnlySpan<char> zone = text[at..];
        TimeSpan? offset;
        if (zone.SequenceEqual("Z"))
        {
            offset = TimeSpan.Zero;
        }
        else if (zone.IsEmpty && !strict)
        {
            offset = null;
        }
        else if (Offset(zone, strict, out TimeSpan given))
        {
            offset = given;
        }
        else
        {
            return false;
        }

        // FilterText checks the fields and that the instant can be held (an offset within ±14 h, years 1 to 9999).
        return FilterText.TryTime(year, month, day, hour, minute, second, ticks, offset, out time);
    }

    /// <summary><c>+HH:MM</c> or <c>-HH:MM</c>; when not strict also <c>+HHMM</c>.</summary>
    private static bool Offset(ReadOnlySpan<char> zone, bool strict, out TimeSpan offset)
    {
        offset = default;
        if (zone.Length is not (6 or 5) || zone[0] is not ('+' or '-') || (zone.Length == 5 && strict) || (zone.Length == 6 && zone[3] != ':'))
        {
            return false;
        }

        if (!FilterText.TryDigits(zone[1..3], out int hours) || !FilterText.TryDigits(zone[^2..], out int minutes) || hours > 23 || minutes > 59)
        {
            return false;
        }

        offset = new TimeSpan(hours, minutes, 0);
        if (zone[0] == '-')
        {
            offset = -offset;
        }

        return true;
    }

    /// <param name="line">The line without its newline.</param>
    /// <param name="year">The year for classic timestamps, which have none.</param>
    /// <param name="names">Reuses host and program strings across lines of one file (optional; saves allocations).</param>
    public static LogLine? Parse(string line, int year, NameCache? names = null) => Parse(line, year, names, out _);

    /// <param name="line">The line without its newline.</param>
    /// <param name="year">The year for classic timestamps, which have none.</param>
    /// <param name="names">Reuses host and program strings across lines of one file (optional; saves allocations).</param>
    /// <param name="tookYear">True when the timestamp had no year and took <paramref name="year"/>.</param>
    public static LogLine? Parse(string line, int year, NameCache? names, out bool tookYear) =>
        TryParse(line, year, names, out tookYear, out LogLineView view) ? new LogLine(view.Time, view.Host, view.Program, view.Pid, view.Message.ToString()) : null;

    /// <summary>As <see cref="Parse(string, int, NameCache?, out bool)"/>, with the message left a slice of the line.</summary>
    public static bool TryParse(string line, int year, NameCache? names, out bool tookYear, out LogLineView view)
    {
        tookYear = false;
        view = default;
        ReadOnlySpan<char> text = line;
        if (text.StartsWith('<'))
        {
            // "<PRI>": the facility and severity, which nothing here needs.
            int close = text[..Math.Min(text.Length, 5)].IndexOf('>');
            if (close < 2 || !FilterText.TryDigits(text[1..close], out _))
            {
                return false;
            }

            text = text[(close + 1)..];
            if (text.StartsWith("1 "))
            {
                return Rfc5424(text[2..], names, out view);
            }
        }

        int consumed;
        DateTimeOffset time;
        if (text.Length > 20 && char.IsAsciiDigit(text[0]) && text[4] == '-')
        {
            // The timestamp runs to the first space, or to the second when a space stands for the T.
            int space = text.IndexOf(' ');
            if (space == 10)
            {
                int next = text[11..].IndexOf(' ');
                space = next < 0 ? -1 : 11 + next;
            }

            if (space < 0 || !TryParseIso(text[..space], strict: false, out time))
            {
                return false;
            }

            consumed = space + 1;
        }
        else if (Classic(text, year, out time, out consumed))
        {
            tookYear = true;
        }
        else
        {
            return false;
        }

        return Header(text[consumed..], time, names, out view);
    }

    /// <summary><c>Mmm dd HH:MM:SS </c> with the day space-padded, zero-padded or a single digit.</summary>
    private static bool Classic(ReadOnlySpan<char> text, int year, out DateTimeOffset time, out int consumed)
    {
        time = default;
        consumed = 0;
        if (text.Length < 16 || text[3] != ' ')
        {
            return false;
        }

        int month = FilterText.Month(text[..3]);
        int at = text[4] == ' ' ? 5 : 4;
        int dayLength = char.IsAsciiDigit(text[at + 1]) ? 2 : 1;
        if (month == 0 || text.Length < at + dayLength + 10 || text[at + dayLength] != ' ')
        {
            return false;
        }

        ReadOnlySpan<char> clock = text.Slice(at + dayLength + 1, 9);
        // Classic timestamps are in the machine's local time.
        if (!FilterText.TryDigits(text.Slice(at, dayLength), out int day) || clock[2] != ':' || clock[5] != ':' || clock[8] != ' ' ||
            !FilterText.TryDigits(clock[..2], out int hour) || !FilterText.TryDigits(clock[3..5], out int minute) || !FilterText.TryDigits(clock[6..8], out int second) ||
            !FilterText.TryLocalTime(year, month, day, hour, minute, second, 0, out time))
        {
            return false;
        }

        consumed = at + dayLength + 10;
        return true;
    }

    /// <summary>"host program[pid]: message", "program[pid]: message" (no host), "[program]: message" or "[program] message".</summary>
    private static bool Header(ReadOnlySpan<char> rest, DateTimeOffset time, NameCache? names, out LogLineView view)
    {
        view = default;
        int firstEnd = rest.IndexOf(' ');
        if (firstEnd <= 0)
        {
            return false;
        }

        ReadOnlySpan<char> first = rest[..firstEnd];
        string? host = null;
        if (first[0] == '[' && (first[^1] == ']' || first.EndsWith("]:")))
        {
            // "[sshd]: message" or "[sshd] message": a syslog daemon that writes the program in brackets, no host.
            ReadOnlySpan<char> name = first[1..first.LastIndexOf(']')];
            if (name.IsEmpty || name.ContainsAny('[', ']'))
            {
                return false;
            }

            view = Line(time, null, name, 0, rest[(firstEnd + 1)..], names);
            return true;
        }

        if (first[^1] != ':' || !Tag(first[..^1], out _, out _))
        {
            host = names?.Get(first) ?? first.ToString();
            rest = rest[(firstEnd + 1)..];
        }

        int colon = rest.IndexOf(": ");
        if (colon <= 0 || !Tag(rest[..colon], out ReadOnlySpan<char> program, out int pid))
        {
            return false;
        }

        view = Line(time, host, program, pid, rest[(colon + 2)..], names);
        return true;
    }

    /// <summary><c>program</c> or <c>program[pid]</c>, without spaces.</summary>
    private static bool Tag(ReadOnlySpan<char> tag, out ReadOnlySpan<char> program, out int pid)
    {
        program = tag;
        pid = 0;
        int bracket = tag.IndexOf('[');
        if (bracket >= 0)
        {
            if (tag[^1] != ']' || !int.TryParse(tag[(bracket + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out pid))
            {
                return false;
            }

            program = tag[..bracket];
        }

        return !program.IsEmpty && !program.ContainsAny(' ', ':', ']');
    }

    private static LogLineView Line(DateTimeOffset time, string? host, ReadOnlySpan<char> program, int pid, ReadOnlySpan<char> message, NameCache? names) =>
        new(time, host, names?.Get(program) ?? program.ToString(), pid, WithoutMessageId(message));

    /// <summary>Solaris and illumos put "[ID 800047 auth.info] " (a message id, facility and level) before the message.</summary>
    private static ReadOnlySpan<char> WithoutMessageId(ReadOnlySpan<char> message)
    {
        if (!message.StartsWith("[ID "))
        {
            return message;
        }

        int close = message.IndexOf("] ");
        ReadOnlySpan<char> inside = close < 0 ? default : message[4..close];
        int space = inside.IndexOf(' ');
        return space > 0 && inside[..space].IndexOfAnyExceptInRange('0', '9') < 0 && inside[(space + 1)..].Contains('.') && !inside[(space + 1)..].Contains(' ')
            ? message[(close + 2)..]
            : message;
    }

    /// <summary>
    /// RFC 5424 after "&lt;PRI&gt;1 ": TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG], where "-" is
    /// a field left out and the structured data is "-" or "[id key="value" ...]" elements whose values may hold
    /// escaped quotes and brackets.
    /// </summary>
    private static bool Rfc5424(ReadOnlySpan<char> text, NameCache? names, out LogLineView view)
    {
        view = default;
        Span<Range> fields = stackalloc Range[6];
        if (text.Split(fields, ' ') < 6)
        {
            return false;
        }

        ReadOnlySpan<char> stamp = text[fields[0]];
        if (!TryParseIso(stamp, strict: true, out DateTimeOffset time))
        {
            return false;
        }

        ReadOnlySpan<char> host = text[fields[1]];
        ReadOnlySpan<char> program = text[fields[2]];
        ReadOnlySpan<char> procId = text[fields[3]];
        int pid = 0;
        if (program.IsEmpty || program.SequenceEqual("-") || (!procId.SequenceEqual("-") && !int.TryParse(procId, NumberStyles.None, CultureInfo.InvariantCulture, out pid)))
        {
            return false;
        }

        // The last range holds the structured data and the message.
        ReadOnlySpan<char> rest = text[fields[5]];
        if (rest.StartsWith('-'))
        {
            rest = rest[1..];
        }
        else
        {
            int end = StructuredDataEnd(rest);
            if (end <= 0)
            {
                return false;
            }

            rest = rest[end..];
        }

        if (!rest.IsEmpty && rest[0] != ' ')
        {
            return false;
        }

        rest = rest.IsEmpty ? rest : rest[1..];
        if (rest.StartsWith('\uFEFF'))
        {
            rest = rest[1..];
        }

        string? hostName = host.SequenceEqual("-") ? null : names?.Get(host) ?? host.ToString();
        view = new LogLineView(time, hostName, names?.Get(program) ?? program.ToString(), pid, rest);
        return true;
    }

    /// <summary>Where one or more "[...]" structured-data elements end, or -1 when they are malformed.</summary>
    private static int StructuredDataEnd(ReadOnlySpan<char> text)
    {
        int at = 0;
        while (at < text.Length && text[at] == '[')
        {
            bool quoted = false;
            at++;
            for (; at < text.Length; at++)
            {
                char c = text[at];
                if (quoted && c == '\\')
                {
                    at++;
                }
                else if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (!quoted && c == ']')
                {
                    break;
                }
            }

            if (at >= text.Length)
            {
                return -1;
            }

            at++;
        }

        return at;
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
