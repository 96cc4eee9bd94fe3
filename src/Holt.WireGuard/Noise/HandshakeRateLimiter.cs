using Holt.WireGuard.IO;

namespace Holt.WireGuard.Noise;

/// <summary>
/// Per-source token bucket for handshake messages while the device is under load (section 5.3): each source
/// address may have <see cref="Limits.HandshakesPerSecondPerSource"/> handshakes per second with a burst of
/// <see cref="Limits.HandshakeBurstPerSource"/>. IPv6 sources are grouped by /64, since one host controls a
/// whole /64. Entries idle for a second are forgotten; the table has a fixed ceiling so a flood of spoofed
/// sources cannot grow it without bound.
/// </summary>
internal sealed class HandshakeRateLimiter
{
    private const int MaxEntries = 1 << 16;
    private static readonly long s_ticksPerPacket = TimeSpan.TicksPerSecond / Limits.HandshakesPerSecondPerSource;
    private static readonly long s_maxTokens = s_ticksPerPacket * Limits.HandshakeBurstPerSource;

    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private readonly Dictionary<UInt128, Bucket> _buckets = [];
    private long _lastSweep;

    public HandshakeRateLimiter(TimeProvider time)
    {
        _time = time;
        _lastSweep = time.GetTimestamp();
    }

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _buckets.Count;
            }
        }
    }

    public bool Allow(Endpoint source)
    {
        UInt128 key = source.IsIPv6 ? source.AddressKey & ~(UInt128)ulong.MaxValue : source.AddressKey;
        long now = _time.GetTimestamp();
        lock (_sync)
        {
            if (_time.GetElapsedTime(_lastSweep, now) >= TimeSpan.FromSeconds(1))
            {
                Sweep(now);
            }

            if (_buckets.TryGetValue(key, out Bucket bucket))
            {
                long tokens = Math.Min(s_maxTokens, bucket.Tokens + _time.GetElapsedTime(bucket.Last, now).Ticks);
                bool allowed = tokens >= s_ticksPerPacket;
                _buckets[key] = new Bucket(allowed ? tokens - s_ticksPerPacket : tokens, now);
                return allowed;
            }

            if (_buckets.Count >= MaxEntries)
            {
                return false;
            }

            _buckets[key] = new Bucket(s_maxTokens - s_ticksPerPacket, now);
            return true;
        }
    }

    private void Sweep(long now)
    {
        _lastSweep = now;
        foreach ((UInt128 key, Bucket bucket) in _buckets)
        {
            if (_time.GetElapsedTime(bucket.Last, now) >= TimeSpan.FromSeconds(1))
            {
                _buckets.Remove(key);
            }
        }
    }

    private readonly record struct Bucket(long Tokens, long Last);
}
