namespace Holt.Guard;

/// <summary>What one failure did to its source.</summary>
internal enum FailOutcome
{
    /// <summary>Counted; fewer than maxretry failures within findtime.</summary>
    Counted,

    /// <summary>The maxretry-th failure within findtime: the failures are cleared and the ban count grown.</summary>
    Banned,

    /// <summary>The source is banned until after this failure: a line from before the ban took hold.</summary>
    Ignored,
}

/// <summary>The rules one jail's tables share: how many failures within how long, and the clock they keep.</summary>
internal sealed class SourceRules(int maxRetry, long findTime, ulong seed)
{
    public int MaxRetry { get; } = maxRetry;

    /// <summary>findtime in milliseconds.</summary>
    public long FindTime { get; } = findTime;

    public ulong Seed { get; } = seed;

    /// <summary>The latest failure time any source had: what "now" is when deciding whose failures are stale.</summary>
    public long Now { get; set; }

    /// <summary>Where the eviction's samples go (one jail works on one thread).</summary>
    public long[] Scratch { get; } = new long[SourceEviction.SampleSize];
}

/// <summary>
/// One slice of a jail's table of sources: an open-addressing hash table (linear probing, power-of-two size,
/// deletion by backward shift, so no tombstones) of fixed-size slots. A slot holds the key, the source's latest
/// failure time and one 32-bit word that is either the gap back to its failure before (so the common source with
/// one or two failures in the window needs nothing more) or the index of its <see cref="SourceRecord"/>. The slot
/// array grows by doubling up to a bound and is small enough (64 KiB at most) that growing one slice at a time never
/// holds much twice; past the bound, stale sources are forgotten first (see <see cref="Sweep"/>).
/// </summary>
/// <remarks>
/// The failures of a source form a queue, oldest first, as fail2ban keeps them: at each failure the times at its
/// front that are at or before (failure - findtime) are dropped, then the failure joins at the back. Times are
/// whole milliseconds.
/// </remarks>
internal sealed partial class SourceSegment<TKey> : ISourceSegment
    where TKey : unmanaged, ISourceKey<TKey>
{
    /// <summary>The largest gap, in milliseconds (24.8 days), between two failures that a slot holds by itself.</summary>
    public const long MaxInlineGap = 0x7FFF_FFFE;

    private const int InitialSlots = 16;

    // Aux: 0, one failure (Last); 1 to 0x7FFFFFFF, two failures, the earlier one (Aux - 1) ms before Last;
    // RecordTag | index, the source's record.
    private const uint RecordTag = 0x8000_0000;

    private readonly SourceRules _rules;
    private readonly SourceRecords _records;
    private readonly int _maxCount;
    private readonly int _maxSlots;
    private Slot[] _slots = new Slot[InitialSlots];

    /// <param name="rules">The jail's limits and clock.</param>
    /// <param name="records">The jail's records.</param>
    /// <param name="maxCount">The most sources this slice tracks; its slots grow to hold them at 3/4 load at most.</param>
    public SourceSegment(SourceRules rules, SourceRecords records, int maxCount)
    {
        _rules = rules;
        _records = records;
        _maxCount = maxCount;
        _maxSlots = (int)Math.Max(InitialSlots, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(((long)maxCount * 4 + 2) / 3)));
    }

    public int Count { get; private set; }

    /// <summary>The slots allocated now.</summary>
    public int Capacity => _slots.Length;

    /// <summary>The bytes of one slot: 16 for an IPv4 key, 32 for IPv6.</summary>
    public static int SlotBytes => System.Runtime.CompilerServices.Unsafe.SizeOf<Slot>();

    /// <summary>One failure of <paramref name="key"/> at <paramref name="when"/>; a ban leaves the new count in <paramref name="bans"/>.</summary>
    /// <remarks>The caller has made sure that a record is free (<see cref="SourceRecords.Full"/> is false).</remarks>
    public FailOutcome Fail(TKey key, ulong hash, long when, out int bans)
    {
        bans = 0;
        int at = Find(key, hash);
        if (at < 0)
        {
            at = Add(key, hash, when);
            if (_rules.MaxRetry > 1)
            {
                return FailOutcome.Counted;
            }

            bans = 1;
            ref Slot added = ref _slots[at];
            int record = _records.Rent();
            _records[record].Bans = 1;
            added.Aux = RecordTag | (uint)record;
            return FailOutcome.Banned;
        }

        long windowStart = when - _rules.FindTime;
        ref Slot slot = ref _slots[at];
        return (slot.Aux & RecordTag) == 0 ? FailInline(ref slot, when, windowStart, out bans) : FailRecorded(ref slot, when, windowStart, out bans);
    }

    /// <summary>Bans the source until <paramref name="until"/>; it has just been banned, so it has its record.</summary>
    public void Ban(TKey key, ulong hash, long until)
    {
        int at = Find(key, hash);
        if (at < 0 || (_slots[at].Aux & RecordTag) == 0)
        {
            throw new InvalidOperationException("only a source that has just earned its ban can be banned");
        }

        _records[RecordOf(_slots[at])].BannedUntil = until;
    }

    /// <summary>How many bans the source has had (0 for one not tracked).</summary>
    public int Bans(TKey key, ulong hash)
    {
        int at = Find(key, hash);
        return at < 0 || (_slots[at].Aux & RecordTag) == 0 ? 0 : _records[RecordOf(_slots[at])].Bans;
    }

    /// <summary>Sets the source's ban count (restored from the store); one not tracked yet is seen at <paramref name="seen"/>.</summary>
    /// <remarks>The caller has made sure that a record is free.</remarks>
    public void SetBans(TKey key, ulong hash, int bans, long seen)
    {
        int at = Find(key, hash);
        if (at < 0)
        {
            at = Add(key, hash, seen);
            ref Slot added = ref _slots[at];
            int fresh = _records.Rent();
            added.Aux = RecordTag | (uint)fresh;
            _records[fresh].Bans = bans;
            return;
        }

        ref Slot slot = ref _slots[at];
        if ((slot.Aux & RecordTag) == 0)
        {
            // Its failures move into a record of their own beside the count.
            int record = _records.Rent();
            ref SourceRecord created = ref _records[record];
            created.Count = slot.Aux == 0 ? 1 : 2;
            if (slot.Aux != 0)
            {
                _records.Ring(record)[0] = slot.Last - (slot.Aux - 1);
            }

            slot.Aux = RecordTag | (uint)record;
        }

        _records[RecordOf(slot)].Bans = bans;
    }

    private FailOutcome FailInline(ref Slot slot, long when, long windowStart, out int bans)
    {
        bans = 0;
        Span<long> kept = stackalloc long[2];
        int count = 0;
        long last = slot.Last;
        if (slot.Aux != 0 && last - (slot.Aux - 1) > windowStart)
        {
            kept[count++] = last - (slot.Aux - 1);
            kept[count++] = last;
        }
        else if (last > windowStart)
        {
            kept[count++] = last;
        }

        if (count + 1 >= _rules.MaxRetry)
        {
            bans = 1;
            int record = _records.Rent();
            _records[record].Bans = 1;
            slot.Aux = RecordTag | (uint)record;
            slot.Last = when;
            return FailOutcome.Banned;
        }

        slot.Last = when;
        if (count == 0)
        {
            slot.Aux = 0;
        }
        else if (count == 1 && Gap(kept[0], when) is uint gap)
        {
            slot.Aux = gap;
        }
        else
        {
            int record = _records.Rent();
            ref SourceRecord created = ref _records[record];
            kept[..count].CopyTo(_records.Ring(record));
            created.Count = count + 1;
            slot.Aux = RecordTag | (uint)record;
        }

        return FailOutcome.Counted;
    }

    private FailOutcome FailRecorded(ref Slot slot, long when, long windowStart, out int bans)
    {
        int index = RecordOf(slot);
        ref SourceRecord record = ref _records[index];
        bans = record.Bans;
        if (when < record.BannedUntil)
        {
            // A late line of a banned source (it holds no failures while banned): it was seen, no more.
            if (record.Count == 0 && when > slot.Last)
            {
                slot.Last = when;
            }

            return FailOutcome.Ignored;
        }

        Span<long> ring = _records.Ring(index);
        DropStale(ref slot, ref record, ring, windowStart);
        if (record.Count + 1 >= _rules.MaxRetry)
        {
            record.Count = 0;
            record.Head = 0;
            bans = ++record.Bans;
            slot.Last = when;
            return FailOutcome.Banned;
        }

        if (record.Count > 0)
        {
            int earlier = record.Count - 1;
            int tail = record.Head + earlier;
            ring[tail >= ring.Length ? tail - ring.Length : tail] = slot.Last;
        }
        else
        {
            record.Head = 0;
        }

        record.Count++;
        slot.Last = when;
        Compact(ref slot, ref record, index);
        return FailOutcome.Counted;
    }

    /// <summary>Drops the times at the front of the source's queue that are at or before <paramref name="windowStart"/>.</summary>
    private static void DropStale(ref Slot slot, ref SourceRecord record, Span<long> ring, long windowStart)
    {
        while (record.Count > 1 && ring[record.Head] <= windowStart)
        {
            record.Head = record.Head + 1 == ring.Length ? 0 : record.Head + 1;
            record.Count--;
        }

        if (record.Count == 1 && slot.Last <= windowStart)
        {
            record.Count = 0;
        }

        if (record.Count <= 1)
        {
            record.Head = 0;
        }
    }

    /// <summary>Gives back the record of a source that holds no more than a slot can (no bans, at most two failures).</summary>
    private void Compact(ref Slot slot, ref SourceRecord record, int index)
    {
        if (record.Bans != 0 || record.BannedUntil != 0 || record.Count is 0 or > 2)
        {
            return;
        }

        uint aux = 0;
        if (record.Count == 2)
        {
            if (Gap(_records.Ring(index)[record.Head], slot.Last) is not uint gap)
            {
                return;
            }

            aux = gap;
        }

        slot.Aux = aux;
        _records.Return(index);
    }

    /// <summary>The slot's word for an earlier failure at <paramref name="earlier"/>, or null when it does not fit.</summary>
    private static uint? Gap(long earlier, long last)
    {
        long gap = last - earlier;
        return gap is >= 0 and <= MaxInlineGap ? (uint)(gap + 1) : null;
    }

    private static int RecordOf(in Slot slot) => (int)(slot.Aux & ~RecordTag);

    /// <summary>The slot of <paramref name="key"/>, or a negative number when it is not tracked.</summary>
    private int Find(TKey key, ulong hash)
    {
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        for (int i = (int)hash & mask; ; i = (i + 1) & mask)
        {
            ref Slot slot = ref slots[i];
            if (slot.Last == 0)
            {
                return -1;
            }

            if (slot.Key.Equals(key))
            {
                return i;
            }
        }
    }

    /// <summary>Adds <paramref name="key"/>, not tracked yet, seen at <paramref name="when"/>; makes room first.</summary>
    private int Add(TKey key, ulong hash, long when)
    {
        if (Count >= _maxCount)
        {
            Sweep();
        }

        if ((Count + 1) * 4L > _slots.Length * 3L && _slots.Length < _maxSlots)
        {
            Grow();
        }

        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        int i = (int)hash & mask;
        while (slots[i].Last != 0)
        {
            i = (i + 1) & mask;
        }

        slots[i] = new Slot { Key = key, Aux = 0, Last = when };
        Count++;
        return i;
    }

    private void Grow()
    {
        Slot[] old = _slots;
        var slots = new Slot[old.Length * 2];
        int mask = slots.Length - 1;
        foreach (Slot slot in old)
        {
            if (slot.Last == 0)
            {
                continue;
            }

            int i = (int)TKey.Hash(slot.Key, _rules.Seed) & mask;
            while (slots[i].Last != 0)
            {
                i = (i + 1) & mask;
            }

            slots[i] = slot;
        }

        _slots = slots;
    }

    /// <summary>A slot: 16 bytes with an IPv4 key, 32 with IPv6. Free while <see cref="Last"/> is 0.</summary>
    private struct Slot
    {
        public TKey Key;
        public uint Aux;
        public long Last;
    }
}
