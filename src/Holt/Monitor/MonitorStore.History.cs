using Holt.Storage;

namespace Holt.Monitor;

/// <summary>
/// The history's part of the store. The monitor hands in every round; a minute's rounds become one row per peer,
/// written with that peer's hour row (added to, so a restart mid-hour loses nothing of it) in one transaction a
/// minute. Once an hour the old rows go, and the oldest history first when the file outgrows its ceiling.
/// </summary>
internal sealed partial class MonitorStore
{
    private const string PointColumns = "bucket, rx, tx, peak_rx, peak_tx, up, idle, stale, down, never, disabled, handshake, endpoint, endpoint_changes";

    private static readonly TimeSpan s_pruneEvery = TimeSpan.FromHours(1);

    private readonly HashSet<string> _sessionsReclaimed = new(StringComparer.Ordinal);
    private DateTimeOffset? _prunedAt;

    /// <summary>
    /// Takes in one round of the monitor at <paramref name="now"/>; writes the minute before it once the round falls
    /// into a new one. A write that fails loses that minute (it is not retried, so memory stays bounded).
    /// </summary>
    /// <exception cref="StoreException">The minute could not be written (a full disk, a lock held too long).</exception>
    public void Record(string interfaceName, DateTimeOffset now, IReadOnlyList<PeerRound> peers)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        lock (_lock)
        {
            if (_recorder.Observe(interfaceName, now, peers) is HistoryBatch batch)
            {
                Write(batch, now);
            }
        }
    }

    /// <summary>Writes the minute so far, the monitor stopping at <paramref name="now"/>: its open sessions end then.</summary>
    /// <exception cref="StoreException">It could not be written.</exception>
    public void Flush(DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_recorder.Flush(now) is HistoryBatch batch)
            {
                Write(batch, now);
            }
        }
    }

    /// <summary>
    /// A peer's history from <paramref name="since"/> to <paramref name="until"/>, in points of
    /// <paramref name="step"/> (rounded up to whole minutes, or whole hours when read from the hour rows): the minute
    /// rows while the span lies within their two days and the step is under an hour, the hour rows otherwise.
    /// </summary>
    public (HistoryTier Tier, TimeSpan Step, IReadOnlyList<HistoryPoint> Points) History(
        string interfaceName, string publicKey, DateTimeOffset since, DateTimeOffset until, TimeSpan step)
    {
        bool hours = step >= TimeSpan.FromHours(1) || since < until - _limits.MinuteRetention;
        long unit = hours ? 3600 : 60;
        long stepSeconds = Math.Max(unit, ((long)Math.Ceiling(step.TotalSeconds) + unit - 1) / unit * unit);
        HistoryTier tier = hours ? HistoryTier.Hours : HistoryTier.Minutes;
        lock (_lock)
        {
            if (PeerId(interfaceName, publicKey) is not long peer)
            {
                return (tier, TimeSpan.FromSeconds(stepSeconds), []);
            }

            // Minute rows name their endpoint only when it changed, and always in an hour's first minute: reading from
            // the hour's start finds the endpoint in force when the span begins.
            long from = Seconds(since);
            long readFrom = hours ? from : from - ((from % 3600) + 3600) % 3600;
            List<StoredPoint> rows = _database.Statement(
                    $"SELECT {PointColumns} FROM {(hours ? "hours" : "minutes")} WHERE peer = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket")
                .Bind(1, peer)
                .Bind(2, readFrom)
                .Bind(3, Seconds(until))
                .Query(ReadPoint);
            return (tier, TimeSpan.FromSeconds(stepSeconds), Group(rows, from, stepSeconds));
        }
    }

    /// <summary>A peer's sessions that overlap <paramref name="since"/> to <paramref name="until"/>, oldest first; an open one has no end.</summary>
    public IReadOnlyList<PeerSession> Sessions(string interfaceName, string publicKey, DateTimeOffset since, DateTimeOffset? until = null)
    {
        lock (_lock)
        {
            if (PeerId(interfaceName, publicKey) is not long peer)
            {
                return [];
            }

            return _database.Statement(
                    "SELECT start, end, endpoint, endpoint_changes, rx, tx FROM sessions " +
                    "WHERE peer = ?1 AND (end IS NULL OR end >= ?2) AND start < ?3 ORDER BY start")
                .Bind(1, peer)
                .Bind(2, Milliseconds(since))
                .Bind(3, until is DateTimeOffset end ? Milliseconds(end) : long.MaxValue)
                .Query(row => new PeerSession(
                    FromMilliseconds(row.Int64(0)),
                    row.NullableInt64(1) is long ended ? FromMilliseconds(ended) : null,
                    row.Text(2),
                    (int)Math.Clamp(row.Int64(3), 0, int.MaxValue),
                    Unsigned(row.Int64(4)),
                    Unsigned(row.Int64(5))));
        }
    }

    /// <summary>
    /// What every peer of <paramref name="interfaceName"/> moved together, hour by hour since <paramref name="since"/>
    /// (the hour rows: one row per peer and hour, so 24 hours of 1,000 peers is 24,000 rows to sum).
    /// </summary>
    public IReadOnlyList<TrafficTotal> Totals(string interfaceName, DateTimeOffset since)
    {
        lock (_lock)
        {
            return _database.Statement(
                    "SELECT h.bucket, SUM(h.rx), SUM(h.tx) FROM hours h JOIN peers p ON p.id = h.peer " +
                    "WHERE p.interface = ?1 AND h.bucket >= ?2 GROUP BY h.bucket ORDER BY h.bucket")
                .Bind(1, interfaceName)
                .Bind(2, Seconds(since) - (Seconds(since) % 3600))
                .Query(row => new TrafficTotal(DateTimeOffset.FromUnixTimeSeconds(row.Int64(0)), (ulong)row.Int64(1), (ulong)row.Int64(2)));
        }
    }

    /// <summary>The peers the history knows on <paramref name="interfaceName"/>, as (public key, latest name), by name.</summary>
    public IReadOnlyList<(string PublicKey, string Name)> Peers(string interfaceName)
    {
        lock (_lock)
        {
            return _database.Statement("SELECT public_key, name FROM peers WHERE interface = ?1 ORDER BY name, public_key")
                .Bind(1, interfaceName)
                .Query(row => (row.Text(0) ?? "", row.Text(1) ?? ""));
        }
    }

    /// <summary>Deletes what has outlived its retention, then the oldest history while the file is over its ceiling.</summary>
    public void Prune(DateTimeOffset now)
    {
        lock (_lock)
        {
            PruneLocked(now);
        }
    }

    private void Write(HistoryBatch batch, DateTimeOffset now)
    {
        _ = _database.InTransaction(() =>
        {
            if (_sessionsReclaimed.Add(batch.Interface))
            {
                // Sessions a killed daemon left open ended when it last saw them.
                _ = _database.Statement(
                        "UPDATE sessions SET end = last_seen WHERE end IS NULL AND peer IN (SELECT id FROM peers WHERE interface = ?1)")
                    .Bind(1, batch.Interface)
                    .Execute();
            }

            long minute = Seconds(batch.Minute);
            foreach (BucketRow row in batch.Rows)
            {
                long peer = EnsurePeer(batch.Interface, row.PublicKey, row.Name);
                AddPoint("minutes", peer, minute, row);
                AddPoint("hours", peer, minute - (minute % 3600), row);
            }

            foreach (SessionRow session in batch.Sessions)
            {
                SaveSession(EnsurePeer(batch.Interface, session.PublicKey, session.Name), session);
            }

            return batch.Rows.Count;
        });

        if (_prunedAt is not DateTimeOffset pruned || now - pruned >= s_pruneEvery || now < pruned)
        {
            _prunedAt = now;
            PruneLocked(now);
        }
    }

    /// <summary>Adds a minute to its row in <paramref name="table"/>: a new row, or sums and maxima with the row already there.</summary>
    private void AddPoint(string table, long peer, long bucket, BucketRow row)
    {
        SqliteStatement add = _database.Statement(
                $"INSERT INTO {table} ({PointColumns}, peer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) " +
                "ON CONFLICT (peer, bucket) DO UPDATE SET rx = rx + excluded.rx, tx = tx + excluded.tx, " +
                "peak_rx = MAX(peak_rx, excluded.peak_rx), peak_tx = MAX(peak_tx, excluded.peak_tx), " +
                "up = up + excluded.up, idle = idle + excluded.idle, stale = stale + excluded.stale, down = down + excluded.down, " +
                "never = never + excluded.never, disabled = disabled + excluded.disabled, " +
                "handshake = COALESCE(MAX(handshake, excluded.handshake), handshake, excluded.handshake), " +
                "endpoint = COALESCE(excluded.endpoint, endpoint), endpoint_changes = endpoint_changes + excluded.endpoint_changes")
            .Bind(1, bucket)
            .Bind(2, Signed(row.RxBytes))
            .Bind(3, Signed(row.TxBytes))
            .Bind(4, row.PeakRxRate)
            .Bind(5, row.PeakTxRate)
            .Bind(6, row.States.Up)
            .Bind(7, row.States.Idle)
            .Bind(8, row.States.Stale)
            .Bind(9, row.States.Down)
            .Bind(10, row.States.Never)
            .Bind(11, row.States.Disabled)
            .Bind(13, row.Endpoint)
            .Bind(14, row.EndpointChanges)
            .Bind(15, peer);
        _ = row.LatestHandshake is DateTimeOffset handshake ? add.Bind(12, Seconds(handshake)) : add.BindNull(12);
        _ = add.Execute();
    }

    private void SaveSession(long peer, SessionRow row)
    {
        PeerSession session = row.Session;
        SqliteStatement save = _database.Statement(
                "INSERT INTO sessions (peer, start, end, last_seen, endpoint, endpoint_changes, rx, tx) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) " +
                "ON CONFLICT (peer, start) DO UPDATE SET end = excluded.end, last_seen = excluded.last_seen, endpoint = excluded.endpoint, " +
                "endpoint_changes = excluded.endpoint_changes, rx = excluded.rx, tx = excluded.tx")
            .Bind(1, peer)
            .Bind(2, Milliseconds(session.Start))
            .Bind(4, Milliseconds(row.LastSeen))
            .Bind(5, session.Endpoint)
            .Bind(6, session.EndpointChanges)
            .Bind(7, Signed(session.RxBytes))
            .Bind(8, Signed(session.TxBytes));
        _ = session.End is DateTimeOffset end ? save.Bind(3, Milliseconds(end)) : save.BindNull(3);
        _ = save.Execute();
    }

    /// <summary>The peer's id in the peers table, added the first time, its name kept current.</summary>
    private long EnsurePeer(string interfaceName, string publicKey, string name)
    {
        List<(long Id, string? Name)> found = _database.Statement("SELECT id, name FROM peers WHERE interface = ?1 AND public_key = ?2")
            .Bind(1, interfaceName)
            .Bind(2, publicKey)
            .Query(row => (row.Int64(0), row.Text(1)));
        if (found.Count == 0)
        {
            _ = _database.Statement("INSERT INTO peers (interface, public_key, name) VALUES (?1, ?2, ?3)")
                .Bind(1, interfaceName)
                .Bind(2, publicKey)
                .Bind(3, name)
                .Execute();
            return _database.Statement("SELECT last_insert_rowid()").Query(row => row.Int64(0))[0];
        }

        if (found[0].Name != name)
        {
            _ = _database.Statement("UPDATE peers SET name = ?2 WHERE id = ?1").Bind(1, found[0].Id).Bind(2, name).Execute();
        }

        return found[0].Id;
    }

    private long? PeerId(string interfaceName, string publicKey)
    {
        List<long> ids = _database.Statement("SELECT id FROM peers WHERE interface = ?1 AND public_key = ?2")
            .Bind(1, interfaceName)
            .Bind(2, publicKey)
            .Query(row => row.Int64(0));
        return ids.Count == 0 ? null : ids[0];
    }

    private void PruneLocked(DateTimeOffset now)
    {
        _ = _database.InTransaction(() =>
        {
            List<long> peers = _database.Statement("SELECT id FROM peers").Query(row => row.Int64(0));
            DeleteBefore(peers, "minutes", now - _limits.MinuteRetention);
            DeleteBefore(peers, "hours", now - _limits.HourRetention);
            _ = _database.Statement("DELETE FROM sessions WHERE COALESCE(end, last_seen) < ?1")
                .Bind(1, Milliseconds(now - _limits.SessionRetention))
                .Execute();
            PruneAlerts(now);

            // Past the ceiling: a day of the oldest hour rows at a time, then an hour of the oldest minute rows, until
            // the live pages fit. Their freed pages are reused by the next writes, so the file stops growing.
            DateTimeOffset hoursFrom = now - _limits.HourRetention;
            DateTimeOffset minutesFrom = now - _limits.MinuteRetention;
            while (UsedBytesLocked() > _limits.MaxBytes && minutesFrom < now)
            {
                if (hoursFrom < now - _limits.MinuteRetention)
                {
                    hoursFrom += TimeSpan.FromDays(1);
                    DeleteBefore(peers, "hours", hoursFrom);
                }
                else
                {
                    minutesFrom += TimeSpan.FromHours(1);
                    DeleteBefore(peers, "minutes", minutesFrom);
                    DeleteBefore(peers, "hours", minutesFrom);
                }
            }

            return _database.Statement(
                    "DELETE FROM peers WHERE NOT EXISTS (SELECT 1 FROM minutes WHERE peer = peers.id) " +
                    "AND NOT EXISTS (SELECT 1 FROM hours WHERE peer = peers.id) AND NOT EXISTS (SELECT 1 FROM sessions WHERE peer = peers.id)")
                .Execute();
        });
    }

    /// <summary>Deletes a tier's rows older than <paramref name="before"/>, peer by peer: each a range of the primary key, no table scan.</summary>
    private void DeleteBefore(List<long> peers, string table, DateTimeOffset before)
    {
        SqliteStatement delete = _database.Statement($"DELETE FROM {table} WHERE peer = ?1 AND bucket < ?2").Bind(2, Seconds(before));
        foreach (long peer in peers)
        {
            _ = delete.Bind(1, peer).Execute();
        }
    }

    /// <summary>Sums stored rows into points of <paramref name="step"/> seconds from <paramref name="from"/>; earlier rows only lend their endpoint.</summary>
    private static List<HistoryPoint> Group(List<StoredPoint> rows, long from, long step)
    {
        var points = new List<HistoryPoint>();
        string? endpoint = null;
        HistoryPoint? current = null;
        foreach (StoredPoint row in rows)
        {
            endpoint = row.Point.Endpoint ?? endpoint;
            if (row.Bucket < from)
            {
                continue;
            }

            long slot = row.Bucket - (((row.Bucket % step) + step) % step);
            HistoryPoint point = row.Point with { Endpoint = endpoint };
            if (current is not null && current.Start.ToUnixTimeSeconds() == slot)
            {
                current = current with
                {
                    RxBytes = current.RxBytes + point.RxBytes,
                    TxBytes = current.TxBytes + point.TxBytes,
                    PeakRxRate = Math.Max(current.PeakRxRate, point.PeakRxRate),
                    PeakTxRate = Math.Max(current.PeakTxRate, point.PeakTxRate),
                    States = current.States + point.States,
                    LatestHandshake = Later(current.LatestHandshake, point.LatestHandshake),
                    Endpoint = endpoint,
                    EndpointChanges = current.EndpointChanges + point.EndpointChanges,
                };
                points[^1] = current;
                continue;
            }

            current = point with { Start = FromSeconds(slot), Seconds = step };
            points.Add(current);
        }

        return points;
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static StoredPoint ReadPoint(SqliteStatement row) => new(row.Int64(0), new HistoryPoint
    {
        Start = FromSeconds(row.Int64(0)),
        Seconds = 0,
        RxBytes = Unsigned(row.Int64(1)),
        TxBytes = Unsigned(row.Int64(2)),
        PeakRxRate = row.Int64(3),
        PeakTxRate = row.Int64(4),
        States = new StateTime
        {
            Up = row.Int64(5),
            Idle = row.Int64(6),
            Stale = row.Int64(7),
            Down = row.Int64(8),
            Never = row.Int64(9),
            Disabled = row.Int64(10),
        },
        LatestHandshake = row.NullableInt64(11) is long handshake ? FromSeconds(handshake) : null,
        Endpoint = row.Text(12),
        EndpointChanges = (int)Math.Clamp(row.Int64(13), 0, int.MaxValue),
    });

    private readonly record struct StoredPoint(long Bucket, HistoryPoint Point);
}
