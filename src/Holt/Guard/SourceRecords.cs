namespace Holt.Guard;

/// <summary>
/// What a jail keeps of a source beyond its latest failure, for the few that need more: the earlier failures still
/// in the window (a ring of <see cref="SourceRecords.Stride"/> times, kept beside it in the pool), and the source's
/// bans. Times are milliseconds since 0001-01-01 UTC.
/// </summary>
internal struct SourceRecord
{
    /// <summary>Until when the source is banned (0: never banned); failures before then are late lines, ignored.</summary>
    public long BannedUntil;

    /// <summary>How many bans the source has had in this jail: the next ban's length grows from it.</summary>
    public int Bans;

    /// <summary>Failures held: the newest is the slot's own time, the <c>Count - 1</c> before it are in the ring.</summary>
    public int Count;

    /// <summary>Where the ring's oldest time is.</summary>
    public int Head;

    /// <summary>While the record is free, the next free one (-1: none).</summary>
    public int NextFree;
}

/// <summary>
/// The records of one jail's sources, shared by its IPv4 and IPv6 tables, in chunks that are allocated as the records
/// are first needed and kept (so growing never copies, and never holds an old and a new array at once). At most
/// <see cref="Max"/> are in use: the tables make room, by forgetting sources, before they take one more.
/// </summary>
internal sealed class SourceRecords
{
    /// <summary>The most a chunk's ring may take: a jail with a huge maxretry gets small chunks.</summary>
    private const int ChunkRingBytes = 256 * 1024;

    /// <summary>Records per chunk when the ring allows (a chunk of them is 96 KiB).</summary>
    private const int MaxChunkShift = 12;

    private readonly List<SourceRecord[]> _chunks = [];
    private readonly List<long[]> _rings = [];
    private readonly int _chunkShift;
    private readonly int _chunkMask;
    private int _handedOut;
    private int _free = -1;

    /// <param name="stride">The earlier failures a record holds at most: maxretry - 2.</param>
    /// <param name="budget">The bytes all records may take together (header and ring).</param>
    /// <param name="ceiling">The most records there may be whatever the budget (one per tracked source).</param>
    public SourceRecords(int stride, long budget, int ceiling)
    {
        Stride = stride;
        long bytes = Bytes(stride);
        Max = (int)Math.Clamp(budget / bytes, 1, Math.Max(1, ceiling));
        int shift = MaxChunkShift;
        while (shift > 0 && ((long)stride * sizeof(long)) << shift > ChunkRingBytes)
        {
            shift--;
        }

        _chunkShift = shift;
        _chunkMask = (1 << shift) - 1;
    }

    /// <summary>The earlier failures one record holds at most.</summary>
    public int Stride { get; }

    /// <summary>How many records may be in use at once.</summary>
    public int Max { get; }

    public int Used { get; private set; }

    /// <summary>Whether every record is in use: the tables must forget some sources before taking another.</summary>
    public bool Full => Used >= Max;

    /// <summary>What one record costs, its ring included.</summary>
    public static long Bytes(int stride) => System.Runtime.CompilerServices.Unsafe.SizeOf<SourceRecord>() + ((long)stride * sizeof(long));

    public ref SourceRecord this[int index] => ref _chunks[index >> _chunkShift][index & _chunkMask];

    /// <summary>The ring of record <paramref name="index"/>: <see cref="Stride"/> times, oldest at its Head.</summary>
    public Span<long> Ring(int index) => _rings[index >> _chunkShift].AsSpan((index & _chunkMask) * Stride, Stride);

    /// <summary>A cleared record; the caller has made sure one is free (<see cref="Full"/> is false).</summary>
    public int Rent()
    {
        if (Full)
        {
            throw new InvalidOperationException("no source record is free; the table must make room first");
        }

        int index;
        if (_free >= 0)
        {
            index = _free;
            _free = this[index].NextFree;
        }
        else
        {
            index = _handedOut++;
            if (index >> _chunkShift == _chunks.Count)
            {
                _chunks.Add(new SourceRecord[1 << _chunkShift]);
                _rings.Add(new long[Stride << _chunkShift]);
            }
        }

        this[index] = new SourceRecord { NextFree = -1 };
        Used++;
        return index;
    }

    public void Return(int index)
    {
        this[index] = new SourceRecord { NextFree = _free };
        _free = index;
        Used--;
    }
}
