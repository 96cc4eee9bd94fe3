namespace Holt.Monitor;

/// <summary>One peer's minute as the history stores it.</summary>
internal readonly record struct BucketRow(
    string PublicKey,
    string Name,
    ulong RxBytes,
    ulong TxBytes,
    long PeakRxRate,
    long PeakTxRate,
    StateTime States,
    DateTimeOffset? LatestHandshake,
    string? Endpoint,
    int EndpointChanges);

/// <summary>A session to save: one that closed, or the open one as it stands (<see cref="PeerSession.End"/> null).</summary>
internal readonly record struct SessionRow(string PublicKey, string Name, PeerSession Session, DateTimeOffset LastSeen);

/// <summary>What one minute of rounds leaves to write, in one transaction: every peer's minute and the sessions that changed.</summary>
internal sealed record HistoryBatch(string Interface, DateTimeOffset Minute, IReadOnlyList<BucketRow> Rows, IReadOnlyList<SessionRow> Sessions);

/// <summary>
/// Turns the monitor's rounds (every few seconds, every peer) into one row per peer and minute, in memory, so the
/// disk sees one transaction a minute rather than one a round. Between two looks at a peer, the counters' growth is
/// what it moved (a counter that went backwards, as after an engine restart, counts its new value from zero), the
/// time counts in the state of the later look, and the growth over the time is a rate whose peak is kept. A gap
/// longer than <see cref="MaxGap"/> (the monitor stopped, the machine slept) counts no time and no rate, though
/// what the counters moved meanwhile is still counted. The pure core of the history: no I/O, times given.
/// </summary>
internal sealed class HistoryRecorder
{
    /// <summary>Twice the longest sampling interval (<see cref="MonitorConfig.MaxInterval"/>).</summary>
    public static readonly TimeSpan MaxGap = 2 * MonitorConfig.MaxInterval;

    private readonly Dictionary<string, PeerLine> _lines = new(StringComparer.Ordinal);
    private readonly List<SessionRow> _closed = [];
    private string? _interface;
    private DateTimeOffset _minute;

    /// <summary>
    /// Takes in one round at <paramref name="now"/>. Returns the minute that ended before it, to be written, once
    /// the round falls into a new minute (or names another interface); null meanwhile.
    /// </summary>
    public HistoryBatch? Observe(string interfaceName, DateTimeOffset now, IReadOnlyList<PeerRound> peers)
    {
        DateTimeOffset minute = MinuteOf(now);
        HistoryBatch? done = null;
        if (_interface is not null && (_interface != interfaceName || _minute != minute))
        {
            done = Take(_interface != interfaceName ? now : null);
        }

        if (_interface != interfaceName)
        {
            _lines.Clear();
            _interface = interfaceName;
        }

        _minute = minute;
        foreach (PeerRound peer in peers)
        {
            if (!_lines.TryGetValue(peer.PublicKey, out PeerLine? line))
            {
                line = new PeerLine();
                _lines[peer.PublicKey] = line;
            }

            line.Take(peer, now, _closed);
        }

        return done;
    }

    /// <summary>
    /// The minute so far, to be written now (the monitor stops): sessions still open are saved as ended at
    /// <paramref name="now"/>. Null when there is nothing.
    /// </summary>
    public HistoryBatch? Flush(DateTimeOffset now) => _interface is null ? null : Take(now);

    /// <summary>The start of the minute <paramref name="time"/> falls in, in whole Unix seconds.</summary>
    public static DateTimeOffset MinuteOf(DateTimeOffset time)
    {
        long seconds = time.ToUnixTimeSeconds();
        return DateTimeOffset.FromUnixTimeSeconds(seconds - ((seconds % 60) + 60) % 60);
    }

    /// <summary>Ends the current minute: its rows and sessions out, the accumulators emptied, peers no longer seen forgotten.</summary>
    private HistoryBatch? Take(DateTimeOffset? endOpenAt)
    {
        var rows = new List<BucketRow>();
        var sessions = new List<SessionRow>(_closed);
        _closed.Clear();
        foreach ((string key, PeerLine line) in _lines.ToList())
        {
            if (line.Row(key, _minute) is BucketRow row)
            {
                rows.Add(row);
            }

            if (line.Open is PeerSession open && line.At is DateTimeOffset seen)
            {
                // A peer gone from the rounds (removed from holt.toml) ends its session where it was last seen.
                DateTimeOffset? end = line.SeenInMinute ? endOpenAt : seen;
                sessions.Add(new SessionRow(key, line.Name, open with { End = end }, seen));
            }

            if (!line.SeenInMinute)
            {
                _ = _lines.Remove(key);
            }

            line.Reset();
        }

        return rows.Count == 0 && sessions.Count == 0 ? null : new HistoryBatch(_interface!, _minute, rows, sessions);
    }

    /// <summary>One peer's counters from the last look and its current minute's sums.</summary>
    private sealed class PeerLine
    {
        private ulong _lastRx;
        private ulong _lastTx;
        private DateTimeOffset? _countedAt;
        private string? _lastEndpoint;
        private string? _writtenEndpoint;

        private ulong _rx;
        private ulong _tx;
        private long _peakRx;
        private long _peakTx;
        private readonly long[] _milliseconds = new long[6];
        private DateTimeOffset? _handshake;
        private int _changes;

        public string Name { get; private set; } = "";

        /// <summary>When it was last looked at; null before the first look.</summary>
        public DateTimeOffset? At { get; private set; }

        public PeerSession? Open { get; private set; }

        public bool SeenInMinute { get; private set; }

        public void Take(PeerRound peer, DateTimeOffset now, List<SessionRow> closed)
        {
            Name = peer.Name;
            SeenInMinute = true;
            if (At is DateTimeOffset last)
            {
                TimeSpan gap = now - last;
                if (gap > TimeSpan.Zero && gap <= MaxGap)
                {
                    _milliseconds[(int)peer.State] += (long)gap.TotalMilliseconds;
                }
            }

            if (_countedAt is DateTimeOffset counted && peer.RxBytes is ulong rxNow && peer.TxBytes is ulong txNow)
            {
                ulong rx = Growth(_lastRx, rxNow);
                ulong tx = Growth(_lastTx, txNow);
                _rx += rx;
                _tx += tx;
                long milliseconds = (long)(now - counted).TotalMilliseconds;
                if (milliseconds > 0 && now - counted <= MaxGap)
                {
                    _peakRx = Math.Max(_peakRx, Rate(rx, milliseconds));
                    _peakTx = Math.Max(_peakTx, Rate(tx, milliseconds));
                }
            }

            At = now;
            if (peer.RxBytes is ulong rxSeen && peer.TxBytes is ulong txSeen)
            {
                _lastRx = rxSeen;
                _lastTx = txSeen;
                _countedAt = now;
            }

            if (peer.LatestHandshake is DateTimeOffset handshake && (_handshake is null || handshake > _handshake))
            {
                _handshake = handshake;
            }

            if (peer.Endpoint is string endpoint)
            {
                if (_lastEndpoint is not null && endpoint != _lastEndpoint)
                {
                    _changes++;
                }

                _lastEndpoint = endpoint;
            }

            Open = null;
            if (peer.Session is PeerSession session)
            {
                if (session.End is null)
                {
                    Open = session;
                }
                else if (session.End == now)
                {
                    closed.Add(new SessionRow(peer.PublicKey, peer.Name, session, now));
                }
            }
        }

        /// <summary>
        /// The minute's row; null when the peer was neither watched for any time nor moved anything in it. Its
        /// endpoint is left out (null) while it is the one the row before said, except in an hour's first minute, so a
        /// reader finds it by looking back within the hour and an hour's row always has one.
        /// </summary>
        public BucketRow? Row(string key, DateTimeOffset minute)
        {
            var states = new StateTime
            {
                Up = Seconds(PeerState.Up),
                Idle = Seconds(PeerState.Idle),
                Stale = Seconds(PeerState.Stale),
                Down = Seconds(PeerState.Down),
                Never = Seconds(PeerState.Never),
                Disabled = Seconds(PeerState.Disabled),
            };
            if (states.Observed == 0 && _rx == 0 && _tx == 0)
            {
                return null;
            }

            string? endpoint = null;
            if (_lastEndpoint != _writtenEndpoint || minute.ToUnixTimeSeconds() % 3600 == 0)
            {
                endpoint = _lastEndpoint;
                _writtenEndpoint = _lastEndpoint;
            }

            return new BucketRow(key, Name, _rx, _tx, _peakRx, _peakTx, states, _handshake, endpoint, _changes);
        }

        public void Reset()
        {
            _rx = 0;
            _tx = 0;
            _peakRx = 0;
            _peakTx = 0;
            Array.Clear(_milliseconds);
            _changes = 0;
            SeenInMinute = false;
        }

        private long Seconds(PeerState state) => (_milliseconds[(int)state] + 500) / 1000;

        /// <summary>What a counter moved; one that went backwards started again from zero.</summary>
        private static ulong Growth(ulong before, ulong now) => now >= before ? now - before : now;

        private static long Rate(ulong bytes, long milliseconds) =>
            (long)Math.Min(bytes / (double)milliseconds * 1000, long.MaxValue);
    }
}
