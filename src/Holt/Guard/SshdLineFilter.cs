using System.Net;

namespace Holt.Guard;

/// <summary>
/// The sshd filter as an <see cref="IGuardFilter"/>: syslog lines (auth.log) or journal entries through
/// <see cref="SshdFilter"/>, whose events other than successful logins are failures. Where the address comes from,
/// and why a user name cannot supply it, is <see cref="SshdFilter"/>'s business.
/// </summary>
internal sealed class SshdLineFilter : IGuardFilter
{
    private readonly SshdFilter _filter;
    private readonly NameCache _names = new();

    // The year classic timestamps take, worked out once per distinct "now" (a file's lines share one).
    private DateTimeOffset _yearFor = DateTimeOffset.MinValue;
    private int _year;

    /// <param name="aggressive">Also count what fail2ban's aggressive mode counts (key exchange, banners, drops).</param>
    public SshdLineFilter(bool aggressive = false)
    {
        _filter = new SshdFilter(aggressive, users: false);
        Name = aggressive ? "sshd-aggressive" : "sshd";
    }

    public string Name { get; }

    /// <summary>How many lines given to <see cref="MatchLine"/> were syslog lines at all.</summary>
    public long SyslogLines { get; private set; }

    /// <summary>
    /// Classic syslog timestamps have no year: they take <paramref name="now"/>'s (in local time, as they are
    /// written), or the year before when that would put the line more than a day after <paramref name="now"/> (a
    /// December line read in January).
    /// </summary>
    public Failure? MatchLine(string line, DateTimeOffset now)
    {
        if (now != _yearFor)
        {
            _yearFor = now;
            _year = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.Local).Year;
        }

        if (!SyslogParser.TryParse(line, _year, _names, out bool tookYear, out LogLineView parsed))
        {
            return null;
        }

        // Only a classic timestamp took the year; the others carry their own.
        if (tookYear && parsed.Time > now.AddDays(1) && _year > 1 && !SyslogParser.TryParse(line, _year - 1, _names, out _, out parsed))
        {
            return null;
        }

        SyslogLines++;
        return Found(_filter.Process(parsed, Name));
    }

    public Failure? MatchEntry(LogLine entry) => Found(_filter.Process(entry, Name));

    private static Failure? Found(AuthEvent? found) =>
        found is { Kind: not AuthKind.Accepted, Address: IPAddress address } ? new Failure(FilterText.Unmap(address), found.Time) : null;
}
