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
