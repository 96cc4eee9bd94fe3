using System.Globalization;

namespace Holt.Config;

/// <summary>
/// Durations as the command line writes them: a whole number and one unit letter, <c>90s</c>, <c>90m</c>, <c>12h</c>,
/// <c>30d</c>, <c>2w</c>; no sign, no spaces, no fractions.
/// </summary>
internal static class DurationText
{
    /// <summary>
    /// The longest duration taken, 100 years: added to or taken from any date of this century it stays a valid
    /// date, so no caller can be made to overflow.
    /// </summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(36525);

    /// <param name="text">The text to read.</param>
    /// <param name="units">The unit letters the caller accepts, from "smhdw".</param>
    /// <param name="span">The duration, when the text is one.</param>
    public static bool TryParse(ReadOnlySpan<char> text, string units, out TimeSpan span)
    {
        span = default;
        if (text.Length < 2 || !units.Contains(text[^1], StringComparison.Ordinal) || !char.IsAsciiDigit(text[0]) ||
            !long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out long amount) || amount == 0)
        {
            return false;
        }

        long seconds = text[^1] switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 7 * 86400,
            _ => 0,
        };
        if (seconds == 0 || amount > (long)Max.TotalSeconds / seconds)
        {
            return false;
        }

        span = TimeSpan.FromSeconds(amount * seconds);
        return true;
    }

    /// <summary>A duration in the largest unit that states it exactly, as <see cref="TryParse"/> reads it: 2w, 36h, 90m.</summary>
    public static string Format(TimeSpan span)
    {
        long seconds = (long)span.TotalSeconds;
        foreach ((long size, char unit) in (ReadOnlySpan<(long, char)>)[(7 * 86400, 'w'), (86400, 'd'), (3600, 'h'), (60, 'm')])
        {
            if (seconds % size == 0)
            {
                return (seconds / size).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return seconds.ToString(CultureInfo.InvariantCulture) + "s";
    }
}
