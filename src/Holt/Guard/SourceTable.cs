using System.Net;
using System.Numerics;
using Holt.Interop;

namespace Holt.Guard;

/// <summary>How many sources a jail tracks at most, and how many bytes their records may take.</summary>
/// <param name="MaxV4">IPv4 sources (IPv4-mapped IPv6 ones included).</param>
/// <param name="MaxV6">IPv6 sources.</param>
/// <param name="RecordBytes">The records of sources that need more than their slot (see <see cref="SourceRecords"/>).</param>
internal sealed record SourceLimits(int MaxV4, int MaxV6, long RecordBytes)
{
    /// <summary>
    /// A botnet of 700,000 sources within one findtime fits (issue #17). At these bounds a jail's table takes at most
    /// 16 MiB of IPv4 slots, 8 MiB of IPv6 slots and 8 MiB of records.
    /// </summary>
    public static readonly SourceLimits Default = new(Jail.MaxTracked, Jail.MaxTrackedV6, 8 << 20);
}

/// <summary>
/// A jail's sources and what it keeps of each: its failures within findtime and its bans, in compact tables of
/// fixed-size slots (16 bytes per IPv4 source, 32 per IPv6), one per address family, each cut into slices by the
/// top bits of a seeded hash. Only a source with three or more failures in the window, or a ban, takes a record
/// beside its slot. The slices' slots live outside the collected heap, in one mapping per family, which the kernel
/// backs only as far as they have grown. Bounded: past <see cref="SourceLimits"/>, a slice forgets its stale
/// sources, then its least recently seen. Single-threaded.
/// </summary>
internal sealed class SourceTable : IDisposable
{
    private readonly SourceRules _rules;
    private readonly SourceRecords _records;
    private readonly Family<V4Key> _v4;
    private readonly Family<V6Key> _v6;

    /// <param name="maxRetry">Failures within findtime that earn a ban.</param>
    /// <param name="findTime">findtime, in milliseconds.</param>
    /// <param name="limits">The bounds.</param>
    /// <param name="seed">The hash's seed; null draws a secret one.</param>
    public SourceTable(int maxRetry, long findTime, SourceLimits limits, ulong? seed = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRetry, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(findTime, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxV4, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxV6, 1);
        // Random.Shared is seeded from the kernel's entropy, and nobody outside sees what it draws; unlike
        // RandomNumberGenerator it does not load OpenSSL (3.5 MiB resident) into a guard that has not needed it yet.
        _rules = new SourceRules(maxRetry, findTime, seed ?? (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue));
        _records = new SourceRecords(Math.Max(0, maxRetry - 2), limits.RecordBytes, limits.MaxV4 + limits.MaxV6);
        _v4 = new Family<V4Key>(_rules, _records, limits.MaxV4);
        _v6 = new Family<V6Key>(_rules, _records, limits.MaxV6);
    }

    /// <summary>Gives the slots' memory back to the system; the table is not used after.</summary>
    public void Dispose()
    {
        _v4.Dispose();
        _v6.Dispose();
    }

    /// <summary>Sources tracked now.</summary>
    public int Count => _v4.Count + _v6.Count;

    /// <summary>Records in use now.</summary>
    public int Records => _records.Used;

    /// <summary>Records in use at most.</summary>
    public int MaxRecords => _records.Max;

    /// <summary>The bytes the slots take now (both families).</summary>
    public long SlotBytes => _v4.SlotBytes + _v6.SlotBytes;

    /// <summary>One failure of <paramref name="address"/> at <paramref name="when"/> (ms); a ban leaves the new count in <paramref name="bans"/>.</summary>
    public FailOutcome Fail(IPAddress address, long when, out int bans)
    {
        _rules.Now = Math.Max(_rules.Now, when);
        MakeRecordRoom();
        return SourceHash.TryV4(address, out V4Key v4, out V6Key v6) ? _v4.Fail(v4, when, out bans) : _v6.Fail(v6, when, out bans);
    }

    /// <summary>Bans <paramref name="address"/>, which has just earned it, until <paramref name="until"/> (ms).</summary>
    public void Ban(IPAddress address, long until)
    {
        if (SourceHash.TryV4(address, out V4Key v4, out V6Key v6))
        {
            _v4.Ban(v4, until);
        }
        else
        {
            _v6.Ban(v6, until);
        }
    }

    /// <summary>The bans <paramref name="address"/> has had (0 when it is not tracked).</summary>
    public int Bans(IPAddress address) => SourceHash.TryV4(address, out V4Key v4, out V6Key v6) ? _v4.Bans(v4) : _v6.Bans(v6);

    /// <summary>Sets the ban count of <paramref name="address"/>; a source not tracked yet counts as seen at <paramref name="seen"/> (ms).</summary>
    public void SetBans(IPAddress address, int bans, long seen)
    {
        MakeRecordRoom();
        if (SourceHash.TryV4(address, out V4Key v4, out V6Key v6))
        {
            _v4.SetBans(v4, bans, seen);
        }
        else
        {
            _v6.SetBans(v6, bans, seen);
        }
    }

    /// <summary>
    /// With every record in use, frees an eighth before the next operation may take one: first whatever is stale in
    /// every slice, then the least recently seen sources holding a record (banned ones last).
    /// </summary>
    private void MakeRecordRoom()
    {
        if (!_records.Full)
        {
            return;
        }

        long now = _rules.Now;
        ISourceSegment[] all = [.. _v4.Segments, .. _v6.Segments];
        foreach (ISourceSegment segment in all)
        {
            segment.Trim(now - _rules.FindTime, now);
        }

        int target = _records.Max - Math.Max(1, _records.Max / 8);
        if (_records.Used > target)
        {
            SourceEviction.EvictOldest(all, new EvictionFilter(RecordedOnly: true, SpareBanned: true), now, _records.Used - target, _rules.Scratch);
        }

        if (_records.Used > target)
        {
            SourceEviction.EvictOldest(all, new EvictionFilter(RecordedOnly: true, SpareBanned: false), now, _records.Used - target, _rules.Scratch);
        }
    }

    /// <summary>
    /// The slices of one address family, chosen by the top bits of the key's hash, and their mapping. A slice is
    /// made when its first source comes: an idle guard allocates next to nothing.
    /// </summary>
    private sealed class Family<TKey> : IDisposable
        where TKey : unmanaged, ISourceKey<TKey>
    {
        private readonly SourceRules _rules;
        private readonly SourceRecords _records;
        private readonly SourceSegment<TKey>?[] _segments;
        private readonly AnonymousMapping _mapping;
        private readonly SourceScratch<TKey> _scratch = new(SourceSegment<TKey>.MaxSlots);
        private readonly int _maxCount;
        private readonly int _shift;

        public Family(SourceRules rules, SourceRecords records, int maxCount)
        {
            _rules = rules;
            _records = records;
            _maxCount = maxCount;

            // As many slices as it takes for each one's slots to fit its window at 3/4 load.
            int perSlice = SourceSegment<TKey>.MaxSlots * 3 / 4;
            int slices = (int)BitOperations.RoundUpToPowerOf2((uint)((maxCount + perSlice - 1) / perSlice));
            _mapping = AnonymousMapping.Create((nuint)slices * SourceSegment<TKey>.WindowBytes, "the guard's table of sources");
            _segments = new SourceSegment<TKey>?[slices];
            _shift = 64 - BitOperations.Log2((uint)slices);
        }

        public IEnumerable<ISourceSegment> Segments => _segments.OfType<ISourceSegment>();

        public int Count => _segments.Sum(s => s?.Count ?? 0);

        public long SlotBytes => _segments.Sum(s => (long)(s?.Capacity ?? 0)) * SourceSegment<TKey>.SlotBytes;

        public void Dispose() => _mapping.Dispose();

        public FailOutcome Fail(TKey key, long when, out int bans) => SegmentOf(key, out ulong hash).Fail(key, hash, when, out bans);

        public void Ban(TKey key, long until) => SegmentOf(key, out ulong hash).Ban(key, hash, until);

        public int Bans(TKey key) => SegmentOf(key, out ulong hash).Bans(key, hash);

        public void SetBans(TKey key, int bans, long seen) => SegmentOf(key, out ulong hash).SetBans(key, hash, bans, seen);

        private SourceSegment<TKey> SegmentOf(TKey key, out ulong hash)
        {
            ObjectDisposedException.ThrowIf(_mapping.IsClosed, this);
            hash = TKey.Hash(key, _rules.Seed);
            int slice = _shift == 64 ? 0 : (int)(hash >> _shift);

            // The remainder of maxCount spread over the first slices, so that the bound is exactly maxCount.
            return _segments[slice] ??= new SourceSegment<TKey>(
                _rules,
                _records,
                (_maxCount / _segments.Length) + (slice < _maxCount % _segments.Length ? 1 : 0),
                _mapping,
                (nint)slice * SourceSegment<TKey>.WindowBytes,
                _scratch);
        }
    }
}
