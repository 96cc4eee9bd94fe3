using System.Globalization;

namespace Holt.Monitor;

/// <summary>What the monitor makes of a peer.</summary>
internal enum PeerState
{
    /// <summary>It has a current session, or it keeps one as its keepalive promises.</summary>
    Up,

    /// <summary>No session and nothing to send: a laptop without keepalive that is merely quiet. Not a failure.</summary>
    Idle,

    /// <summary>A peer with keepalive whose handshake is overdue; its session may still carry traffic for a while.</summary>
    Stale,

    /// <summary>Gone: a keepalive peer past every retry, or a peer the gateway tried to reach in vain.</summary>
    Down,

    /// <summary>Configured, but no handshake was ever seen.</summary>
    Never,

    /// <summary>Disabled or expired in holt.toml: not on the interface, by choice.</summary>
    Disabled,
}

/// <summary>
/// WireGuard's timers (the whitepaper, section 6.1), from which every threshold follows: a session's initiator
/// starts a new handshake once it is <see cref="RekeyAfterTime"/> old and it sends; nobody accepts a session older
/// than <see cref="RejectAfterTime"/>; an unanswered initiation is sent again every <see cref="RekeyTimeout"/> for
/// <see cref="RekeyAttemptTime"/>.
/// </summary>
internal static class ProtocolTimers
{
    public static readonly TimeSpan RekeyAfterTime = TimeSpan.FromSeconds(120);
    public static readonly TimeSpan RejectAfterTime = TimeSpan.FromSeconds(180);
    public static readonly TimeSpan RekeyTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan RekeyAttemptTime = TimeSpan.FromSeconds(90);

    /// <summary>Slack for a handshake that needed a retry or two, and for the sampling itself.</summary>
    public static readonly TimeSpan Margin = 3 * RekeyTimeout;
}

/// <summary>One look at a peer on the interface: its latest handshake (null if none yet), counters and endpoint.</summary>
internal readonly record struct PeerSample(DateTimeOffset At, DateTimeOffset? LastHandshake, ulong RxBytes, ulong TxBytes, string? Endpoint);

/// <summary>
/// What the configuration says of a peer: whether it is on the interface, the keepalive its client sends (zero for
/// none), and whether it is an always-on peer.
/// </summary>
internal readonly record struct PeerExpectation(bool Enabled, TimeSpan Keepalive, bool Expected);

/// <summary>A peer's state, why, and since when it has been in it.</summary>
internal sealed record PeerHealth(PeerState State, string Why, DateTimeOffset Since);

/// <summary>
/// One stretch of a peer being up: when it came up and went away (null while it lasts), the endpoint it was last
/// seen at, how often its endpoint changed meanwhile, and what it moved.
/// </summary>
internal sealed record PeerSession(DateTimeOffset Start, DateTimeOffset? End, string? Endpoint, int EndpointChanges, ulong RxBytes, ulong TxBytes);

/// <summary>
/// Follows one peer from sample to sample and says what state it is in. A peer with keepalive must handshake at
/// least every Rekey-After-Time plus its keepalive (the next packet after the session turned old starts the
/// handshake) plus a margin, so a late handshake is a failure: <see cref="PeerState.Stale"/> at first, and
/// <see cref="PeerState.Down"/> once its client would have spent Rekey-Attempt-Time retrying. A peer without
/// keepalive sends only when it has something to send; with its session expired it is <see cref="PeerState.Idle"/>,
/// unless the gateway has been sending to it (data or handshake initiations) for longer than the margin without a
/// handshake coming back, which makes it <see cref="PeerState.Down"/>.
/// </summary>
internal sealed class PeerTracker
{
    private DateTimeOffset? _lastHandshake;
    private ulong _txMark;
    private bool _marked;
    private DateTimeOffset? _unansweredSince;
    private PeerHealth? _health;
    private readonly List<PeerSession> _ended = [];
    private OpenSession? _open;

    /// <summary>How many ended sessions a peer keeps; older ones go (the history keeps them, later).</summary>
    internal const int SessionsKept = 8;

    /// <summary>The peer's recent sessions, oldest first; the last one is still open when the peer is up.</summary>
    public IReadOnlyList<PeerSession> Sessions => _open is null ? [.. _ended] : [.. _ended, _open.Snapshot(end: null)];

    /// <summary>How many sessions opened since the tracker began: a counter, where <see cref="Sessions"/> keeps only the last few.</summary>
    public long SessionsStarted { get; private set; }

    /// <summary>The state after the last sample; null before the first.</summary>
    public PeerHealth? Health => _health;

    /// <summary>
    /// The latest handshake known from before the monitor started (the gateway's saved state): a sample without one
    /// reads as that handshake, not as a peer never seen.
    /// </summary>
    public void Remember(DateTimeOffset handshake) => _lastHandshake ??= handshake;

    /// <summary>Takes a sample in (in time order) and returns the peer's state then.</summary>
    public PeerHealth Observe(PeerSample sample, PeerExpectation expectation)
    {
        if (sample.LastHandshake is null && _lastHandshake is not null)
        {
            // Recreated on the interface, or not on it for a moment (an edit applied before the monitor saw it): the
            // handshake seen last is still the latest there was.
            sample = sample with { LastHandshake = _lastHandshake };
        }

        TrackSending(sample);
        (PeerState state, string why) = Classify(sample, expectation);
        TrackSession(sample, state);
        _health = _health is PeerHealth previous && previous.State == state
            ? previous with { Why = why }
            : new PeerHealth(state, why, sample.At);
        return _health;
    }

    /// <summary>
    /// Notes when the gateway began sending to a peer that has no session: the counters grew past the mark taken
    /// while the session was current (or since the last handshake) and no handshake followed.
    /// </summary>
    private void TrackSending(PeerSample sample)
    {
        if (sample.LastHandshake != _lastHandshake)
        {
            _lastHandshake = sample.LastHandshake;
            _unansweredSince = null;
            Mark(sample.TxBytes);
            return;
        }

        bool sessionCurrent = sample.LastHandshake is DateTimeOffset handshake && sample.At - handshake <= ProtocolTimers.RejectAfterTime;
        if (!_marked || sample.TxBytes < _txMark || sessionCurrent)
        {
            // The first look, a peer recreated on the interface (its counters start again), or a session that still
            // carries what is sent: nothing unanswered yet.
            Mark(sample.TxBytes);
            _unansweredSince = null;
            return;
        }

        if (sample.TxBytes > _txMark)
        {
            _unansweredSince ??= sample.At;
        }
    }

    /// <summary>Opens a session when the peer comes up, follows it while it lasts, and closes it when it goes.</summary>
    private void TrackSession(PeerSample sample, PeerState state)
    {
        if (state == PeerState.Up)
        {
            if (_open is null)
            {
                _open = new OpenSession(sample);
                SessionsStarted++;
            }
            else
            {
                _open.Follow(sample);
            }

            return;
        }

        if (_open is not null)
        {
            _open.Follow(sample);
            _ended.Add(_open.Snapshot(sample.At));
            _open = null;
            if (_ended.Count > SessionsKept)
            {
                _ended.RemoveAt(0);
            }
        }
    }

    private void Mark(ulong tx)
    {
        _txMark = tx;
        _marked = true;
    }

    private (PeerState, string) Classify(PeerSample sample, PeerExpectation expectation)
    {
        if (!expectation.Enabled)
        {
            return (PeerState.Disabled, "disabled in holt.toml");
        }

        TimeSpan? unanswered = _unansweredSince is DateTimeOffset since ? sample.At - since : null;
        if (sample.LastHandshake is not DateTimeOffset handshake)
        {
            return unanswered is TimeSpan waited && waited > ProtocolTimers.Margin
                ? (PeerState.Never, $"never handshaked; the gateway's handshake initiations have gone unanswered for {Seconds(waited)}")
                : (PeerState.Never, "never handshaked");
        }

        TimeSpan age = sample.At - handshake;
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        if (expectation.Keepalive > TimeSpan.Zero)
        {
            TimeSpan due = ProtocolTimers.RekeyAfterTime + expectation.Keepalive + ProtocolTimers.Margin;
            string rhythm = $"with keepalive every {Seconds(expectation.Keepalive)} it handshakes at least every {Seconds(due)}";
            if (age <= due)
            {
                return (PeerState.Up, $"handshake {Seconds(age)} ago");
            }

            return age <= due + ProtocolTimers.RekeyAttemptTime
                ? (PeerState.Stale, $"last handshake {Seconds(age)} ago; {rhythm}")
                : (PeerState.Down, $"last handshake {Seconds(age)} ago, past every retry; {rhythm}");
        }

        if (age <= ProtocolTimers.RejectAfterTime)
        {
            return (PeerState.Up, $"handshake {Seconds(age)} ago");
        }

        if (unanswered is TimeSpan silent && silent > ProtocolTimers.Margin)
        {
            return (PeerState.Down, $"the gateway has sent to it for {Seconds(silent)} without a handshake back; last handshake {Seconds(age)} ago");
        }

        return (PeerState.Idle, $"no traffic since its session ended (handshake {Seconds(age)} ago); without keepalive that is normal");
    }

    /// <summary>A session being followed: counters since it opened, kept whole across a counter reset.</summary>
    private sealed class OpenSession(PeerSample first)
    {
        private readonly DateTimeOffset _start = first.At;
        private string? _endpoint = first.Endpoint;
        private int _changes;
        private ulong _lastRx = first.RxBytes;
        private ulong _lastTx = first.TxBytes;
        private ulong _rx;
        private ulong _tx;

        public void Follow(PeerSample sample)
        {
            _rx += sample.RxBytes >= _lastRx ? sample.RxBytes - _lastRx : sample.RxBytes;
            _tx += sample.TxBytes >= _lastTx ? sample.TxBytes - _lastTx : sample.TxBytes;
            _lastRx = sample.RxBytes;
            _lastTx = sample.TxBytes;
            if (sample.Endpoint is string endpoint && endpoint != _endpoint)
            {
                if (_endpoint is not null)
                {
                    _changes++;
                }

                _endpoint = endpoint;
            }
        }

        public PeerSession Snapshot(DateTimeOffset? end) => new(_start, end, _endpoint, _changes, _rx, _tx);
    }

    private static string Seconds(TimeSpan time) => ((long)time.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s";
}
