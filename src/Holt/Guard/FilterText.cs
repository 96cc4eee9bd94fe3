using System.Buffers;
using System.Net;
using Holt.Config;

namespace Holt.Guard;

/// <summary>
/// The small readers the log filters share: a strict client address (an IP literal and nothing else, IPv4-mapped
/// IPv6 folded to IPv4 so one client is one address to a jail), fixed-width digits, month names, and local times.
/// </summary>
internal static class FilterText
{
    /// <summary>The longest IPv6 literal with an embedded IPv4 address (45 characters); anything longer is not one.</summary>
    private const int MaxAddressLength = 45;

    private static readonly string[] s_months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    private static readonly SearchValues<char> s_addressChars = SearchValues.Create("0123456789abcdefABCDEF:.");

    /// <summary>
    /// Reads <paramref name="text"/> as exactly one IP literal (inet_pton's forms, <see cref="AddressText"/>): no
    /// host names, brackets, zones, prefixes, spaces or shorthands such as <c>10.1</c>.
    /// </summary>
    public static bool TryAddress(ReadOnlySpan<char> text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text.IsEmpty || text.Length > MaxAddressLength || text.ContainsAnyExcept(s_addressChars) ||
            !AddressText.TryParse(text.ToString(), out IPAddress? parsed))
        {
            return false;
        }

        address = Unmap(parsed);
        return true;
    }

    /// <summary><c>::ffff:192.0.2.1</c> is 192.0.2.1 (a dual-stack socket's view of an IPv4 client).</summary>
    public static IPAddress Unmap(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>An unsigned decimal of exactly the span's length (all ASCII digits, at most nine).</summary>
    public static bool TryDigits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 9)
        {
            return false;
        }

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

    /// <summary>1 to 12 for the English three-letter month names servers write (<c>Jan</c>), else 0.</summary>
    public static int Month(ReadOnlySpan<char> name)
    {
        for (int i = 0; i < s_months.Length; i++)
        {
            if (name.SequenceEqual(s_months[i]))
            {
                return i + 1;
            }
        }

        return 0;
    }

    /// <summary>
    /// A time the server wrote without a zone, in the machine's local time (what nginx and Apache write), or false
    /// when the fields are not a date and time.
    /// </summary>
    public static bool TryLocalTime(int year, int month, int day, int hour, int minute, int second, long ticks, out DateTimeOffset time) =>
        TryTime(year, month, day, hour, minute, second, ticks, null, out time);

    /// <summary>As <see cref="TryLocalTime"/>, at the given offset from UTC (null: the local zone's offset then).</summary>
    public static bool TryTime(int year, int month, int day, int hour, int minute, int second, long ticks, TimeSpan? offset, out DateTimeOffset time)
    {
        time = default;
        if (year is < 1 or > 9999 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) ||
            hour > 23 || minute > 59 || second > 60 || ticks is < 0 or >= TimeSpan.TicksPerSecond)
        {
            return false;
        }

        // A leap second is the last second of its minute, as the syslog reader treats it.
        var local = new DateTime(year, month, day, hour, minute, Math.Min(second, 59), DateTimeKind.Unspecified);
        TimeSpan zone = offset ?? TimeZoneInfo.Local.GetUtcOffset(local);
        if (zone.Duration() > TimeSpan.FromHours(14) || zone.Ticks % TimeSpan.TicksPerMinute != 0 ||
            (year == 1 && month == 1 && day == 1 && zone > TimeSpan.Zero) || (year == 9999 && month == 12 && day == 31 && zone < TimeSpan.Zero))
        {
            // DateTimeOffset refuses offsets beyond ±14 h and UTC instants outside years 1 to 9999.
            return false;
        }

        time = new DateTimeOffset(local, zone).AddTicks(ticks);
        return true;
    }
}
