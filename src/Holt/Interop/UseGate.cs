namespace Holt.Interop;

/// <summary>
/// Keeps descriptors open while calls use them. A call enters before touching a raw descriptor and leaves after;
/// closing marks the gate closed, after which no call enters, and waits for the calls inside to leave, so a
/// descriptor is never closed (and its number reused) under a blocked read. Entering costs two interlocked
/// operations and allocates nothing.
/// </summary>
internal sealed class UseGate
{
    private int _users;
    private int _closed;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>True if the caller may use the descriptors; it must then call <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        // Increment before reading the flag, and Close sets the flag before reading the count (both are full
        // fences): either the caller sees the gate closed, or Close sees the caller inside.
        Interlocked.Increment(ref _users);
        if (Volatile.Read(ref _closed) != 0)
        {
            Interlocked.Decrement(ref _users);
            return false;
        }

        return true;
    }

    public void Exit() => Interlocked.Decrement(ref _users);

    /// <summary>Closes the gate; false if it was already closed (so exactly one caller tears down).</summary>
    public bool Close() => Interlocked.Exchange(ref _closed, 1) == 0;

    /// <summary>
    /// After <see cref="Close"/> and waking whoever blocks: waits until no call is inside. False on timeout, when
    /// the caller must leave the descriptors open rather than close them under a call.
    /// </summary>
    public bool WaitUntilIdle(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var spin = new SpinWait();
        while (Volatile.Read(ref _users) != 0)
        {
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }

            spin.SpinOnce(sleep1Threshold: 20);
        }

        return true;
    }
}
