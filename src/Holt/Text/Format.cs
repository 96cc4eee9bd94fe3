using System.Globalization;
using System.Text;

namespace Holt.Text;

/// <summary>Human-readable figures for tables: sizes in binary units, ages relative to now.</summary>
internal static class Format
{
    public static string Bytes(ulong bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? bytes.ToString(CultureInfo.InvariantCulture) + " B"
            : value.ToString(value < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Age(DateTimeOffset? when, DateTimeOffset now)
    {
        if (when is not DateTimeOffset time)
        {
            return "never";
        }

        TimeSpan age = now - time;
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age.TotalSeconds < 60 ? $"{(int)age.TotalSeconds}s ago"
            : age.TotalMinutes < 60 ? $"{(int)age.TotalMinutes}m ago"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h ago"
            : $"{(int)age.TotalDays}d ago";
    }

    /// <summary>
    /// How long until <paramref name="when"/>, as people read a remaining time: "in 57d", "in 23h 59m",
    /// "in 4m 10s", "in 9s"; "now" when it has come.
    /// </summary>
    public static string Until(DateTimeOffset when, DateTimeOffset now) =>
        when <= now ? "now" : "in " + Span(when - now);

    /// <summary>
    /// A duration in its two largest units, cut to the smaller one ("3d 4h", "23h 59m", "4m 10s", "9s"); past a
    /// week, days alone, to the nearest ("57d").
    /// </summary>
    public static string Span(TimeSpan span)
    {
        // Rounded, not cut: an expiry kept to the second is a fraction short of the 30 days it was given.
        long seconds = Math.Max(0, (long)Math.Round(span.TotalSeconds));
        long days = seconds / 86400;
        long hours = seconds % 86400 / 3600;
        long minutes = seconds % 3600 / 60;
        long rest = seconds % 60;
        // Past a week only days show: rounded, so an expiry set for 30 days reads "30d" a second later, not "29d".
        return days >= 7 ? $"{(seconds + 43200) / 86400}d"
            : days > 0 ? (hours > 0 ? $"{days}d {hours}h" : $"{days}d")
            : hours > 0 ? (minutes > 0 ? $"{hours}h {minutes}m" : $"{hours}h")
            : minutes > 0 ? (rest > 0 ? $"{minutes}m {rest}s" : $"{minutes}m")
            : $"{rest}s";
    }

    /// <summary>
    /// Columns padded to their widest cell, two spaces apart; the last column is not padded. Widths are what shows
    /// on the screen, so a coloured cell lines up with plain ones.
    /// </summary>
    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        List<IReadOnlyList<string>> all = [header, .. rows];
        int[] widths = new int[header.Count];
        foreach (IReadOnlyList<string> row in all)
        {
            for (int i = 0; i < row.Count; i++)
            {
                widths[i] = Math.Max(widths[i], Ansi.VisibleWidth(row[i]));
            }
        }

        var text = new StringBuilder();
        foreach (IReadOnlyList<string> row in all)
        {
            for (int i = 0; i < row.Count; i++)
            {
                text.Append(row[i]);
                if (i < row.Count - 1)
                {
                    text.Append(' ', widths[i] + 2 - Ansi.VisibleWidth(row[i]));
                }
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
