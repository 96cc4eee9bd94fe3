namespace Holt.Nft;

/// <summary>
/// How often a table may be repaired: a burst of <see cref="Burst"/> repairs, then one every
/// <see cref="Refill"/>. A tool that keeps flushing the ruleset gets its table back at a steady pace instead of a
/// busy fight over nftables; an operator's occasional <c>systemctl restart nftables</c> is answered at once.
/// </summary>
internal sealed class RepairBudget
{
    public const int Burst = 5;
    public static readonly TimeSpan Refill = TimeSpan.FromSeconds(10);

    private double _tokens = Burst;
    private DateTimeOffset _last = DateTimeOffset.MinValue;

    /// <summary>How long after <paramref name="now"/> the next repair is allowed (zero when one is left now).</summary>
    public TimeSpan Wait(DateTimeOffset now)
    {
        double tokens = _last == DateTimeOffset.MinValue || now <= _last ? _tokens : Math.Min(Burst, _tokens + ((now - _last) / Refill));
        return tokens >= 1 ? TimeSpan.Zero : (1 - tokens) * Refill;
    }

    /// <summary>Takes a repair if one is left at <paramref name="now"/>.</summary>
    public bool TryTake(DateTimeOffset now)
    {
        if (_last != DateTimeOffset.MinValue && now > _last)
        {
            _tokens = Math.Min(Burst, _tokens + ((now - _last) / Refill));
        }

        _last = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
