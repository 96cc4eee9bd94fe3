namespace Holt.Bench;

/// <summary>
/// A clock that moves forward by <see cref="Step"/> every time it is read. Repeated handshakes between the same
/// two devices need it: a responder refuses a second initiation from a peer within 20 ms, and one whose TAI64N
/// timestamp is not strictly newer than the last, so on a real clock back-to-back handshakes would be rejected.
/// </summary>
internal sealed class SteppingClock : TimeProvider
{
    private long _utcTicks = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero).UtcTicks;
    private long _timestamp;

    public SteppingClock(TimeSpan step) => Step = step;

    /// <summary>How far each read moves the clock; <see cref="TimeSpan.Zero"/> stops it.</summary>
    public TimeSpan Step { get; set; }

    // Timestamps count in TimeSpan ticks, so a step converts without rounding.
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _utcTicks, Step.Ticks), TimeSpan.Zero);

    public override long GetTimestamp() => Interlocked.Add(ref _timestamp, Step.Ticks);
}
