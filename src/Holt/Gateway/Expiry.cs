using System.Globalization;
using Holt.Config;
using Holt.Text;

namespace Holt.Gateway;

/// <summary>
/// <c>--expires</c> values: a duration from now in minutes, hours, days, weeks, months or years (<c>90min</c>,
/// <c>12h</c>, <c>30d</c>, <c>2w</c>, <c>6mo</c>, <c>1y</c>; months and years by the calendar), a date
/// (<c>2026-12-31</c>, midnight UTC) or a UTC date and time (<c>2026-12-31T18:00:00Z</c>). A bare <c>m</c> is refused:
/// people write it for months as often as for minutes.
/// </summary>
internal static class Expiry
{
    private const string Forms = "a duration (90min, 12h, 30d, 2w, 6mo, 1y) or a date (2026-12-31 or 2026-12-31T18:00:00Z)";

    public static DateTimeOffset Parse(string text, DateTimeOffset now)
    {
        if (TryDuration(text, now, out DateTimeOffset at))
        {
            return TruncateToSeconds(at.ToUniversalTime());
        }

        if (DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset date) ||
            DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
        {
            // A time already past would add a peer that is expired from the start (holt peer disable does that).
            return date <= now
                ? throw new CommandException($"--expires: {Config.TomlWriter.FormatDate(date)} is not in the future")
                : date.ToUniversalTime();
        }

        throw new CommandException($"--expires: '{Printable.Of(text)}' is not {Forms}");
    }

    /// <summary>A whole number and a unit, at most <see cref="DurationText.Max"/> from <paramref name="now"/>.</summary>
    private static bool TryDuration(string text, DateTimeOffset now, out DateTimeOffset at)
    {
        at = default;
        int digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        string unit = text[digits..];
        if (digits == 0 || digits > 9 || unit.Length == 0 || !int.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out int amount) || amount == 0)
        {
            return false;
        }

        if (unit == "m")
        {
            throw new CommandException($"--expires: '{Printable.Of(text)}' could be minutes or months: write {amount}min or {amount}mo");
        }

        DateTimeOffset? end = unit switch
        {
            "min" => Within(now, TimeSpan.FromMinutes(1), amount),
            "h" => Within(now, TimeSpan.FromHours(1), amount),
            "d" => Within(now, TimeSpan.FromDays(1), amount),
            "w" => Within(now, TimeSpan.FromDays(7), amount),
            "mo" when amount <= DurationText.Max.TotalDays / 28 => now.AddMonths(amount),
            "y" when amount <= DurationText.Max.TotalDays / 365 => now.AddYears(amount),
            _ => null,
        };
        if (end is not DateTimeOffset found || found - now > DurationText.Max)
        {
            return false;
        }

        at = found;
        return true;
    }

    private static DateTimeOffset? Within(DateTimeOffset now, TimeSpan unit, int amount) =>
        amount <= DurationText.Max / unit ? now + (unit * amount) : null;

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        new(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), value.Offset);
}
