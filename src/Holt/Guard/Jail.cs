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
/// would have. Memory is bounded: past <see cref="MaxTracked"/> addresses, the least recently seen are forgotten.
/// </summary>
internal sealed class Jail
{
    public const int MaxTracked = 200_000;

    private readonly Dictionary<IPAddress, Track> _tracks = [];

    public Jail(JailOptions options)
    {
        if (options.MaxRetry < 1 || options.FindTime <= TimeSpan.Zero || options.BanTime <= TimeSpan.Zero ||
            options.IncrementFactor is <= 1 || options.MaxTime < options.BanTime)
        {
            throw new ArgumentException($"jail {options.Name}: maxretry must be at least 1, findtime and bantime positive, bantime_increment factor above 1, maxtime at least bantime");
        }

        Options = options;
    }

    public JailOptions Options { get; }

    /// <summary>How many bans <paramref name="address"/> has had in this jail (it grows the next ban's time).</summary>
    public int BanCount(IPAddress address) => _tracks.TryGetValue(address, out Track? track) ? track.Bans : 0;

    /// <summary>Sets what is known of an address's earlier bans (after a restart, from the ban store).</summary>
    public void RestoreBanCount(IPAddress address, int bans) => TrackOf(address).Bans = bans;

    /// <summary>One failure of <paramref name="address"/> at <paramref name="when"/>; the ban it earns, if any.</summary>
    public BanDecision? Record(IPAddress address, DateTimeOffset when)
    {
        Track track = TrackOf(address);
        track.LastSeen = when;
        if (track.BannedUntil is DateTimeOffset until && when < until)
        {
            // Already banned (the kernel drops it; a log line can still arrive from before the ban took hold).
            return null;
        }

        DateTimeOffset windowStart = when - Options.FindTime;
        while (track.Failures.Count > 0 && track.Failures.Peek() <= windowStart)
        {
            _ = track.Failures.Dequeue();
        }

        track.Failures.Enqueue(when);
        if (track.Failures.Count < Options.MaxRetry)
        {
            return null;
        }

        track.Failures.Clear();
        track.Bans++;
        TimeSpan duration = Duration(track.Bans);
        track.BannedUntil = when + duration;
        return new BanDecision(address, Options.Name, duration, track.Bans, when);
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

    private Track TrackOf(IPAddress address)
    {
        if (!_tracks.TryGetValue(address, out Track? track))
        {
            if (_tracks.Count >= MaxTracked)
            {
                Evict();
            }

            track = new Track();
            _tracks[address] = track;
        }

        return track;
    }

    // Forget the least recently seen tenth; their windows are long past in any real flood.
    private void Evict()
    {
        foreach (IPAddress stale in _tracks.OrderBy(t => t.Value.LastSeen).Take(MaxTracked / 10).Select(t => t.Key).ToList())
        {
            _ = _tracks.Remove(stale);
        }
    }

    private sealed class Track
    {
        public Queue<DateTimeOffset> Failures { get; } = new();

        public int Bans { get; set; }

        public DateTimeOffset? BannedUntil { get; set; }

        public DateTimeOffset LastSeen { get; set; }
    }
}
