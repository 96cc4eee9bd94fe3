namespace Holt.Guard;

/// <summary>Which sources an eviction may take: those with a record only, and whether banned ones are spared.</summary>
internal readonly record struct EvictionFilter(bool RecordedOnly, bool SpareBanned);

/// <summary>What the eviction needs of a slice of the table, whatever its key.</summary>
internal interface ISourceSegment
{
    int Count { get; }

    /// <summary>Forgets what no longer matters: failures at or before <paramref name="windowStart"/>, sources left with nothing.</summary>
    void Trim(long windowStart, long now);

    /// <summary>How many sources <paramref name="filter"/> lets go.</summary>
    int Candidates(EvictionFilter filter, long now);

    /// <summary>Takes the time of every <paramref name="every"/>-th candidate into <paramref name="sample"/>.</summary>
    void Sample(EvictionFilter filter, long now, int every, ref int skip, Span<long> sample, ref int taken);

    /// <summary>
    /// Forgets the candidates last seen before <paramref name="threshold"/>, and those seen exactly then while
    /// <paramref name="equalQuota"/> lasts; returns how many it forgot.
    /// </summary>
    int Evict(EvictionFilter filter, long now, long threshold, ref int equalQuota);
}

/// <summary>
/// Forgets the least recently seen sources of some slices of a table, by a threshold time found from a sample of
/// them: exact when there are no more candidates than the sample holds (one slice), close otherwise (all the slices
/// a jail's records are spread over), and repeated until enough are gone.
/// </summary>
internal static class SourceEviction
{
    public const int SampleSize = 4096;

    /// <summary>Forgets at least <paramref name="excess"/> candidates (fewer only when there are no more), oldest first.</summary>
    public static void EvictOldest(IReadOnlyList<ISourceSegment> segments, EvictionFilter filter, long now, int excess, long[] scratch)
    {
        while (excess > 0)
        {
            int candidates = 0;
            foreach (ISourceSegment segment in segments)
            {
                candidates += segment.Candidates(filter, now);
            }

            if (candidates == 0)
            {
                return;
            }

            int every = (candidates + scratch.Length - 1) / scratch.Length;
            int skip = 0;
            int taken = 0;
            foreach (ISourceSegment segment in segments)
            {
                segment.Sample(filter, now, every, ref skip, scratch, ref taken);
            }

            Span<long> sample = scratch.AsSpan(0, taken);
            sample.Sort();

            // The excess-th oldest, as far as the sample tells: each sampled time stands for `every` candidates.
            int rank = (int)Math.Clamp(((long)excess + every - 1) / every, 1, taken);
            long threshold = sample[rank - 1];
            int none = 0;
            int forgotten = 0;
            foreach (ISourceSegment segment in segments)
            {
                forgotten += segment.Evict(filter, now, threshold, ref none);
            }

            int quota = excess - forgotten;
            foreach (ISourceSegment segment in segments)
            {
                if (quota <= 0)
                {
                    break;
                }

                forgotten += segment.Evict(filter, now, threshold, ref quota);
            }

            excess -= forgotten;
        }
    }
}

internal sealed partial class SourceSegment<TKey>
{
    /// <summary>
    /// Makes room for one more source when the slice is full. First whatever is stale goes (see <see cref="Trim"/>):
    /// in a long flood most sources' failures are older than findtime and nothing is lost. If that frees less than an
    /// eighth, the least recently seen go until an eighth is free: first among sources not banned now, then (a slice
    /// full of bans in force) among all; a forgotten banned source stays banned in the kernel.
    /// </summary>
    private void Sweep()
    {
        long now = _rules.Now;
        Trim(now - _rules.FindTime, now);
        ISourceSegment[] self = [this];
        int target = _maxCount - Math.Max(1, _maxCount / 8);
        if (Count > target)
        {
            SourceEviction.EvictOldest(self, new EvictionFilter(RecordedOnly: false, SpareBanned: true), now, Count - target, _rules.Scratch);
        }

        if (Count > target)
        {
            SourceEviction.EvictOldest(self, new EvictionFilter(RecordedOnly: false, SpareBanned: false), now, Count - target, _rules.Scratch);
        }
    }

    /// <summary>
    /// Drops every failure at or before <paramref name="windowStart"/>, forgets the sources left with no failure, no
    /// ban count and no ban in force, and gives back the records that a slot can do without.
    /// </summary>
    public void Trim(long windowStart, long now) => RemoveWhere(i =>
    {
        ref SourceSlot<TKey> slot = ref Slots[i];
        if ((slot.Aux & RecordTag) == 0)
        {
            if (slot.Aux != 0 && slot.Last - (slot.Aux - 1) <= windowStart)
            {
                slot.Aux = 0;
            }

            return slot.Aux == 0 && slot.Last <= windowStart;
        }

        int index = RecordOf(slot);
        ref SourceRecord record = ref _records[index];
        if (record.BannedUntil > now)
        {
            return false;
        }

        DropStale(ref slot, ref record, _records.Ring(index), windowStart);
        if (record.Count == 0 && record.Bans == 0)
        {
            return true;
        }

        Compact(ref slot, ref record, index);
        return false;
    });

    public int Candidates(EvictionFilter filter, long now)
    {
        if (!filter.RecordedOnly && !filter.SpareBanned)
        {
            return Count;
        }

        int candidates = 0;
        foreach (ref SourceSlot<TKey> slot in Slots)
        {
            if (slot.Last != 0 && IsCandidate(slot, filter, now))
            {
                candidates++;
            }
        }

        return candidates;
    }

    public void Sample(EvictionFilter filter, long now, int every, ref int skip, Span<long> sample, ref int taken)
    {
        foreach (ref SourceSlot<TKey> slot in Slots)
        {
            if (slot.Last == 0 || !IsCandidate(slot, filter, now))
            {
                continue;
            }

            if (skip > 0)
            {
                skip--;
                continue;
            }

            if (taken < sample.Length)
            {
                sample[taken++] = slot.Last;
            }

            skip = every - 1;
        }
    }

    public int Evict(EvictionFilter filter, long now, long threshold, ref int equalQuota)
    {
        int quota = equalQuota;
        int forgotten = RemoveWhere(i =>
        {
            ref SourceSlot<TKey> slot = ref Slots[i];
            if (!IsCandidate(slot, filter, now) || slot.Last > threshold)
            {
                return false;
            }

            if (slot.Last < threshold)
            {
                return true;
            }

            if (quota == 0)
            {
                return false;
            }

            quota--;
            return true;
        });
        equalQuota = quota;
        return forgotten;
    }

    private bool IsCandidate(in SourceSlot<TKey> slot, EvictionFilter filter, long now)
    {
        if ((slot.Aux & RecordTag) == 0)
        {
            return !filter.RecordedOnly;
        }

        return !filter.SpareBanned || _records[RecordOf(slot)].BannedUntil <= now;
    }

    /// <summary>
    /// Removes, in one pass, every source for which <paramref name="remove"/> says so (it may also change the slot);
    /// returns how many. The pass starts after a free slot, so no run of slots wraps around its start: a removal
    /// shifts later slots of its run back into the hole, and those are looked at where they land, once each.
    /// </summary>
    private int RemoveWhere(Func<int, bool> remove)
    {
        int capacity = _capacity;
        int free = 0;
        while (Slots[free].Last != 0)
        {
            free++;
        }

        int removed = 0;
        for (int i = free + 1 == capacity ? 0 : free + 1; i != free;)
        {
            if (Slots[i].Last != 0 && remove(i))
            {
                Delete(i);
                removed++;
                continue;
            }

            i = i + 1 == capacity ? 0 : i + 1;
        }

        return removed;
    }

    /// <summary>Removes slot <paramref name="at"/>, giving back its record, and shifts the rest of its run back.</summary>
    private void Delete(int at)
    {
        Span<SourceSlot<TKey>> slots = Slots;
        if ((slots[at].Aux & RecordTag) != 0)
        {
            _records.Return(RecordOf(slots[at]));
        }

        int capacity = slots.Length;
        int hole = at;
        for (int j = at + 1 == capacity ? 0 : at + 1; slots[j].Last != 0; j = j + 1 == capacity ? 0 : j + 1)
        {
            // The slot at j may fill the hole unless its home lies after the hole (cyclically, up to j).
            int home = Home(TKey.Hash(slots[j].Key, _rules.Seed), capacity);
            if (Distance(home, j, capacity) >= Distance(hole, j, capacity))
            {
                slots[hole] = slots[j];
                hole = j;
            }
        }

        slots[hole] = default;
        Count--;
    }

    /// <summary>How many steps forward, wrapping around, lead from <paramref name="from"/> to <paramref name="to"/>.</summary>
    private static int Distance(int from, int to, int capacity) => to >= from ? to - from : to - from + capacity;
}
