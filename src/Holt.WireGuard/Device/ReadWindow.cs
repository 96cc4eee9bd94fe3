namespace Holt.WireGuard.Device;

/// <summary>
/// How many pooled buffers a reader (the TUN reader, a UDP receiver) offers to its next read. It starts small,
/// doubles after a read that filled it and halves after one that used under a quarter of it, so a busy reader
/// reads whole batches while an idle one, blocked in its read, holds only <see cref="Minimum"/> buffers. The
/// buffers it gives back return to the pool, which frees what stays unused (<see cref="PacketPool.Trim"/>).
/// </summary>
internal struct ReadWindow
{
    /// <summary>The smallest window: a few packets per read, as light traffic brings them.</summary>
    public const int Minimum = 8;

    private readonly int _maximum;
    private readonly int _minimum;

    public ReadWindow(int maximum)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximum, 1);
        _maximum = maximum;
        _minimum = Math.Min(Minimum, maximum);
        Size = _minimum;
    }

    /// <summary>The buffers to offer to the next read.</summary>
    public int Size { get; private set; }

    /// <summary>Adapts the window to a read that returned <paramref name="read"/> packets.</summary>
    public void Update(int read)
    {
        if (read >= Size)
        {
            Size = Math.Min(Size * 2, _maximum);
        }
        else if (read <= Size / 4)
        {
            Size = Math.Max(Size / 2, _minimum);
        }
    }
}
