using System.Globalization;
using Holt.Config;
using Holt.Text;

namespace Holt.Gateway;

/// <summary>
/// <c>--expires</c> values: a duration from now (<c>90m</c>, <c>12h</c>, <c>30d</c>, <c>2w</c>), a date
/// (<c>2026-12-31</c>, midnight UTC) or a UTC date and time (<c>2026-12-31T18:00:00Z</c>).
/// </summary>
internal static class Expiry
{
    public static DateTimeOffset Parse(string text, DateTimeOffset now)
    {
        if (DurationText.TryParse(text, "mhdw", out TimeSpan span))
        {
            return TruncateToSeconds(now + span);
        }

        if (DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset date) ||
            DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
        {
            // A time already past would add a peer that is expired from the start (holt peer disable does that).
            return date <= now
                ? throw new CommandException($"--expires: {Config.TomlWriter.FormatDate(date)} is not in the future")
                : date.ToUniversalTime();
        }

        throw new CommandException($"--expires: '{Printable.Of(text)}' is not a duration (90m, 12h, 30d, 2w) or a date (2026-12-31 or 2026-12-31T18:00:00Z)");
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        new(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), value.Offset);
}
