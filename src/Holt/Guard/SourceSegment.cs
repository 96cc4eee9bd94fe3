using Holt.Interop;

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

    /// <summary>Where the eviction's samples go (one jail works on one thread); made when first needed.</summary>
    public long[] Scratch => field ??= new long[SourceEviction.SampleSize];
}

/// <summary>Where the slices of one family put their slots while one of them grows; made when first needed.</summary>
internal sealed class SourceScratch<TKey>(int slots)
    where TKey : unmanaged
{
    public SourceSlot<TKey>[] Slots => field ??= new SourceSlot<TKey>[slots];
}

/// <summary>A slot of a jail's table: 16 bytes with an IPv4 key, 32 with IPv6. Free while <see cref="Last"/> is 0.</summary>
internal struct SourceSlot<TKey>
    where TKey : unmanaged
{
    public TKey Key;

    /// <summary>
    /// 0: one failure, at <see cref="Last"/>; 1 to 0x7FFFFFFF: two, the earlier one (Aux - 1) ms before Last; the top
    /// bit set: the index of the source's <see cref="SourceRecord"/>.
    /// </summary>
    public uint Aux;

    /// <summary>The latest failure, or when the source was last seen if its record holds no failure (ms).</summary>
    public long Last;
}

/// <summary>
/// One slice of a jail's table of sources: an open-addressing hash table (linear probing, deletion by backward
/// shift, so no tombstones) of fixed-size slots. A slot holds the key, the source's latest failure time and one
/// 32-bit word that is either the gap back to its failure before (so the common source with one or two failures in
/// the window needs nothing more) or the index of its <see cref="SourceRecord"/>. A small slice lives in an array;
/// past 4 KiB it moves into its own 64 KiB window of an <see cref="AnonymousMapping"/> that its family reserved,
/// where it grows in place by a quarter at a time: the kernel backs only the pages it has used, and growing never
/// leaves an old array behind for the collector. Past its bound, stale sources are forgotten first (see
/// <see cref="Sweep"/>).
/// </summary>
/// <remarks>
/// The failures of a source form a queue, oldest first, as fail2ban keeps them: at each failure the times at its
/// front that are at or before (failure - findtime) are dropped, then the failure joins at the back. Times are
/// whole milliseconds.
/// </remarks>
internal sealed unsafe partial class SourceSegment<TKey> : ISourceSegment
    where TKey : unmanaged, ISourceKey<TKey>
{
    /// <summary>The largest gap, in milliseconds (24.8 days), between two failures that a slot holds by itself.</summary>
    public const long MaxInlineGap = 0x7FFF_FFFE;

    /// <summary>The bytes of a slice's window in its family's mapping: the most its slots take.</summary>
    public const int WindowBytes = 64 * 1024;

    private const int InitialSlots = 16;

    /// <summary>Past this many bytes of slots, a slice moves from its array into its window.</summary>
    private const int ArrayBytes = 4 * 1024;

    private const uint RecordTag = 0x8000_0000;

    private readonly SourceRules _rules;
    private readonly SourceRecords _records;
    private readonly AnonymousMapping _mapping;
    private readonly nint _window;
    private readonly SourceScratch<TKey> _scratch;
    private readonly int _maxCount;
    private readonly int _maxSlots;

    // The slots: the array while the slice is small, then _capacity slots at _region.
    private SourceSlot<TKey>[]? _array = new SourceSlot<TKey>[InitialSlots];
    private SourceSlot<TKey>* _region;
    private int _capacity = InitialSlots;

    /// <param name="rules">The jail's limits and clock.</param>
    /// <param name="records">The jail's records.</param>
    /// <param name="maxCount">The most sources this slice tracks; its slots grow to hold them at 4/5 load at most.</param>
    /// <param name="mapping">The family's mapping, which this slice's window is part of.</param>
    /// <param name="window">Where this slice's window starts in it.</param>
    /// <param name="scratch">Where the family's slices put their slots while they grow (one grows at a time).</param>
    public SourceSegment(SourceRules rules, SourceRecords records, int maxCount, AnonymousMapping mapping, nint window, SourceScratch<TKey> scratch)
    {
        _rules = rules;
        _records = records;
        _maxCount = maxCount;
        _mapping = mapping;
        _window = window;
        _scratch = scratch;
        _maxSlots = Math.Clamp((int)(((long)maxCount * 4 + 2) / 3), InitialSlots, MaxSlots);
    }

    /// <summary>The slots a window holds.</summary>
    public static int MaxSlots => WindowBytes / SlotBytes;

    public int Count { get; private set; }

    /// <summary>The slots in use now (allocated in the array, or touched in the window).</summary>
    public int Capacity => _capacity;

    /// <summary>The bytes of one slot: 16 for an IPv4 key, 32 for IPv6.</summary>
    public static int SlotBytes => sizeof(SourceSlot<TKey>);

    private Span<SourceSlot<TKey>> Slots => _array ?? new Span<SourceSlot<TKey>>(_region, _capacity);

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
            ref SourceSlot<TKey> added = ref Slots[at];
            int record = _records.Rent();
            _records[record].Bans = 1;
            added.Aux = RecordTag | (uint)record;
            return FailOutcome.Banned;
        }

        long windowStart = when - _rules.FindTime;
        ref SourceSlot<TKey> slot = ref Slots[at];
        return (slot.Aux & RecordTag) == 0 ? FailInline(ref slot, when, windowStart, out bans) : FailRecorded(ref slot, when, windowStart, out bans);
    }

    /// <summary>Bans the source until <paramref name="until"/>; it has just been banned, so it has its record.</summary>
    public void Ban(TKey key, ulong hash, long until)
    {
        int at = Find(key, hash);
        if (at < 0 || (Slots[at].Aux & RecordTag) == 0)
        {
            throw new InvalidOperationException("only a source that has just earned its ban can be banned");
        }

        _records[RecordOf(Slots[at])].BannedUntil = until;
    }

    /// <summary>How many bans the source has had (0 for one not tracked).</summary>
    public int Bans(TKey key, ulong hash)
    {
        int at = Find(key, hash);
        return at < 0 || (Slots[at].Aux & RecordTag) == 0 ? 0 : _records[RecordOf(Slots[at])].Bans;
    }

    /// <summary>Sets the source's ban count (restored from the store); one not tracked yet is seen at <paramref name="seen"/>.</summary>
    /// <remarks>The caller has made sure that a record is free.</remarks>
    public void SetBans(TKey key, ulong hash, int bans, long seen)
    {
        int at = Find(key, hash);
        if (at < 0)
        {
            at = Add(key, hash, seen);
            ref SourceSlot<TKey> added = ref Slots[at];
            int fresh = _records.Rent();
            added.Aux = RecordTag | (uint)fresh;
            _records[fresh].Bans = bans;
            return;
        }

        ref SourceSlot<TKey> slot = ref Slots[at];
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

    private FailOutcome FailInline(ref SourceSlot<TKey> slot, long when, long windowStart, out int bans)
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

    private FailOutcome FailRecorded(ref SourceSlot<TKey> slot, long when, long windowStart, out int bans)
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
    private static void DropStale(ref SourceSlot<TKey> slot, ref SourceRecord record, Span<long> ring, long windowStart)
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
    private void Compact(ref SourceSlot<TKey> slot, ref SourceRecord record, int index)
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

    private static int RecordOf(in SourceSlot<TKey> slot) => (int)(slot.Aux & ~RecordTag);

    /// <summary>Where <paramref name="hash"/> starts probing among <paramref name="capacity"/> slots (Lemire's multiply-shift).</summary>
    private static int Home(ulong hash, int capacity) => (int)(((ulong)(uint)hash * (uint)capacity) >> 32);

    /// <summary>The slot of <paramref name="key"/>, or a negative number when it is not tracked.</summary>
    private int Find(TKey key, ulong hash)
    {
        Span<SourceSlot<TKey>> slots = Slots;
        for (int i = Home(hash, slots.Length); ; i = i + 1 == slots.Length ? 0 : i + 1)
        {
            ref SourceSlot<TKey> slot = ref slots[i];
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

        // At most 4/5 full: past that, linear probing's runs grow long.
        if ((Count + 1) * 5L > _capacity * 4L && _capacity < _maxSlots)
        {
            Grow();
        }

        int at = Place(Slots, hash);
        Slots[at] = new SourceSlot<TKey> { Key = key, Aux = 0, Last = when };
        Count++;
        return at;
    }

    /// <summary>The free slot where <paramref name="key"/> goes.</summary>
    private static int Place(Span<SourceSlot<TKey>> slots, ulong hash)
    {
        int i = Home(hash, slots.Length);
        while (slots[i].Last != 0)
        {
            i = i + 1 == slots.Length ? 0 : i + 1;
        }

        return i;
    }

    /// <summary>
    /// Doubles a small slice's array, or moves it into its window, or grows it there by a quarter: its slots are
    /// set aside in the family's scratch, the window's used part cleared, and each slot put back where it now goes.
    /// </summary>
    private void Grow()
    {
        int capacity = Math.Min(_maxSlots, _array is not null ? _capacity * 2 : Math.Max(_capacity + 1, _capacity * 5 / 4));
        ReadOnlySpan<SourceSlot<TKey>> old;
        if (_array is not null)
        {
            old = _array;
            if (capacity * SlotBytes <= ArrayBytes)
            {
                _array = new SourceSlot<TKey>[capacity];
            }
            else
            {
                _array = null;
                _region = (SourceSlot<TKey>*)(_mapping.Address + _window);
            }
        }
        else
        {
            SourceSlot<TKey>[] scratch = _scratch.Slots;
            int kept = 0;
            foreach (SourceSlot<TKey> slot in Slots)
            {
                if (slot.Last != 0)
                {
                    scratch[kept++] = slot;
                }
            }

            old = scratch.AsSpan(0, kept);
            Slots.Clear();
        }

        _capacity = capacity;
        Span<SourceSlot<TKey>> slots = Slots;
        foreach (SourceSlot<TKey> slot in old)
        {
            if (slot.Last != 0)
            {
                slots[Place(slots, TKey.Hash(slot.Key, _rules.Seed))] = slot;
            }
        }
    }
}
