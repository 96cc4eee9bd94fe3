using System.Net;

namespace Holt.Guard;

/// <summary>
/// A jail's rules, in fail2ban's words: <see cref="MaxRetry"/> failures within <see cref="FindTime"/> earn a ban of
/// <see cref="BanTime"/>. With <see cref="IncrementFactor"/>, each further ban of the same address lasts that many
/// times the one before (1 h, factor 24: 1 h, then a day, then 24 days), never longer than <see cref="MaxTime"/>.
/// </summary>
internal sealed record JailOptions
{
    public required string Name { get; init; }

    public int MaxRetry { get; init; } = 5;

    public TimeSpan FindTime { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan BanTime { get; init; } = TimeSpan.FromHours(1);

    public double? IncrementFactor { get; init; }

    public TimeSpan MaxTime { get; init; } = TimeSpan.FromDays(35);
}

/// <summary>A ban a jail decided: whom, for how long, and the how-many-th ban of that address it is.</summary>
internal sealed record BanDecision(IPAddress Address, string Jail, TimeSpan Duration, int Count, DateTimeOffset At);

/// <summary>
/// Counts failures per address in a sliding window and decides bans. Pure and single-threaded: the guard feeds it
/// events in log order, with the events' own times, so replaying a log decides exactly what living through it
/// would have. Times are kept to the millisecond. Memory is bounded (<see cref="SourceTable"/>): a botnet of
/// <see cref="MaxTracked"/> IPv4 sources within findtime is tracked whole; past that, sources whose failures are all
/// older than findtime are forgotten first, then the least recently seen.
/// </summary>
internal sealed class Jail : IDisposable
{
    /// <summary>The IPv4 sources a jail tracks at most (IPv6: <see cref="MaxTrackedV6"/>).</summary>
    public const int MaxTracked = 786_432;

    public const int MaxTrackedV6 = 196_608;

    private readonly SourceTable _sources;

    public Jail(JailOptions options)
        : this(options, SourceLimits.Default)
    {
    }

    /// <param name="options">The jail's rules.</param>
    /// <param name="limits">How many sources it tracks (tests use small tables).</param>
    /// <param name="seed">The table's hash seed (tests fix it; null draws a secret one).</param>
    internal Jail(JailOptions options, SourceLimits limits, ulong? seed = null)
    {
        if (options.MaxRetry < 1 || options.FindTime <= TimeSpan.Zero || options.BanTime <= TimeSpan.Zero ||
            options.IncrementFactor is <= 1 || options.MaxTime < options.BanTime)
        {
            throw new ArgumentException($"jail {options.Name}: maxretry must be at least 1, findtime and bantime positive, bantime_increment factor above 1, maxtime at least bantime");
        }

        Options = options;
        _sources = new SourceTable(options.MaxRetry, Math.Max(1, options.FindTime.Ticks / TimeSpan.TicksPerMillisecond), limits, seed);
    }

    public JailOptions Options { get; }

    /// <summary>Gives the table's memory back at once (it would be, later, when the jail is collected).</summary>
    public void Dispose() => _sources.Dispose();

    /// <summary>What the jail tracks now: its sources, their records, and the slots' bytes.</summary>
    internal SourceTable Sources => _sources;

    /// <summary>How many bans <paramref name="address"/> has had in this jail (it grows the next ban's time).</summary>
    public int BanCount(IPAddress address) => _sources.Bans(address);

    /// <summary>
    /// Sets what is known of an address's earlier bans (after a restart, from the ban store); <paramref name="at"/>,
    /// when the last of them was decided, tells how recently the address was seen.
    /// </summary>
    public void RestoreBanCount(IPAddress address, int bans, DateTimeOffset? at = null) =>
        _sources.SetBans(address, bans, at is DateTimeOffset seen ? Milliseconds(seen) : 1);

    /// <summary>One failure of <paramref name="address"/> at <paramref name="when"/>; the ban it earns, if any.</summary>
    public BanDecision? Record(IPAddress address, DateTimeOffset when)
    {
        long at = Milliseconds(when);
        if (_sources.Fail(address, at, out int bans) != FailOutcome.Banned)
        {
            return null;
        }

        TimeSpan duration = Duration(bans);
        long until = at + (duration.Ticks / TimeSpan.TicksPerMillisecond);
        _sources.Ban(address, until);
        return new BanDecision(address, Options.Name, duration, bans, when);
    }

    /// <summary>The length of the <paramref name="count"/>-th ban: bantime × factor^(count-1), at most maxtime.</summary>
    public TimeSpan Duration(int count)
    {
        if (Options.IncrementFactor is not double factor || count <= 1)
        {
            return Options.BanTime;
        }

        double seconds = Options.BanTime.TotalSeconds * Math.Pow(factor, count - 1);
        return seconds >= Options.MaxTime.TotalSeconds ? Options.MaxTime : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Milliseconds since 0001-01-01 UTC, at least 1 (0 marks a free slot).</summary>
    private static long Milliseconds(DateTimeOffset time) => Math.Max(1, time.UtcTicks / TimeSpan.TicksPerMillisecond);
}
