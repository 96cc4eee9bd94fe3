using System.Text.Json;
using Holt.Storage;

namespace Holt.Monitor;

/// <summary>The alerts' part of the store: where each stands, what fired and resolved, and the outbox.</summary>
internal sealed partial class MonitorStore : IAlertLedger, IOutbox
{
    public IReadOnlyList<AlertRecord> Load()
    {
        lock (_lock)
        {
            var records = new List<AlertRecord>();
            foreach (AlertRecord? record in _database.Statement("SELECT key, rule, phase, since, fired_at, last FROM alerts ORDER BY key").Query(ReadAlert))
            {
                if (record is not null)
                {
                    records.Add(record);
                }
            }

            return records;
        }
    }

    public void Save(AlertRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrEmpty(record.Key);
        lock (_lock)
        {
            if (record.Phase == AlertPhase.Inactive)
            {
                _ = _database.Statement("DELETE FROM alerts WHERE key = ?1").Bind(1, record.Key).Execute();
                return;
            }

            SqliteStatement save = _database.Statement(
                    "INSERT INTO alerts (key, rule, phase, since, fired_at, last) VALUES (?1, ?2, ?3, ?4, ?5, ?6) " +
                    "ON CONFLICT (key) DO UPDATE SET rule = excluded.rule, phase = excluded.phase, since = excluded.since, " +
                    "fired_at = excluded.fired_at, last = excluded.last")
                .Bind(1, record.Key)
                .Bind(2, record.Rule)
                .Bind(3, PhaseText(record.Phase))
                .Bind(6, record.Last is null ? null : JsonSerializer.Serialize(record.Last, AlertJson.Default.AlertMessage));
            BindOptional(save, 4, record.Since);
            BindOptional(save, 5, record.FiredAt);
            _ = save.Execute();
        }
    }

    public void Append(AlertMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            _ = _database.Statement("INSERT INTO alert_history (at, message) VALUES (?1, ?2)")
                .Bind(1, Milliseconds(message.EndsAt ?? message.StartsAt))
                .Bind(2, JsonSerializer.Serialize(message, AlertJson.Default.AlertMessage))
                .Execute();
        }
    }

    public IReadOnlyList<AlertMessage> History(DateTimeOffset since)
    {
        lock (_lock)
        {
            return [.. _database.Statement("SELECT message FROM alert_history WHERE at >= ?1 ORDER BY at, id")
                .Bind(1, Milliseconds(since))
                .Query(row => Message(row.Text(0)))
                .OfType<AlertMessage>()];
        }
    }

    public void Add(string notifier, AlertMessage message, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(notifier);
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            _ = _database.InTransaction(() =>
            {
                _ = _database.Statement("INSERT INTO outbox (notifier, message, next_attempt) VALUES (?1, ?2, ?3)")
                    .Bind(1, notifier)
                    .Bind(2, JsonSerializer.Serialize(message, AlertJson.Default.AlertMessage))
                    .Bind(3, Milliseconds(now))
                    .Execute();

                // A notifier that has been failing for days must not fill the disk: the oldest messages give way.
                return _database.Statement("DELETE FROM outbox WHERE id NOT IN (SELECT id FROM outbox ORDER BY id DESC LIMIT ?1)")
                    .Bind(1, _limits.OutboxCapacity)
                    .Execute();
            });
        }
    }

    public IReadOnlyList<OutboxItem> Due(DateTimeOffset now, int max) => Due(now, max, "");

    /// <summary>The messages due whose notifier's name starts with <paramref name="prefix"/>: one daemon's share of a shared store.</summary>
    internal IReadOnlyList<OutboxItem> Due(DateTimeOffset now, int max, string prefix)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        lock (_lock)
        {
            var items = new List<OutboxItem>();
            List<(long Id, string Notifier, string? Json, long Attempts, long Next)> rows = _database.Statement(
                    "SELECT id, notifier, message, attempts, next_attempt FROM outbox " +
                    "WHERE next_attempt <= ?1 AND substr(notifier, 1, length(?3)) = ?3 ORDER BY id LIMIT ?2")
                .Bind(1, Milliseconds(now))
                .Bind(2, max)
                .Bind(3, prefix)
                .Query(row => (row.Int64(0), row.Text(1) ?? "", row.Text(2), row.Int64(3), row.Int64(4)));
            foreach ((long id, string notifier, string? json, long attempts, long next) in rows)
            {
                if (Message(json) is AlertMessage message)
                {
                    items.Add(new OutboxItem(id, notifier, message, (int)Math.Clamp(attempts, 0, int.MaxValue), FromMilliseconds(next)));
                }
                else
                {
                    // A row no Holt could send (edited by hand): it would block nothing, but would never leave.
                    _ = _database.Statement("DELETE FROM outbox WHERE id = ?1").Bind(1, id).Execute();
                }
            }

            return items;
        }
    }

    public void Delivered(long id) => Remove(id);

    public void Retry(long id, int attempts, DateTimeOffset next, string error)
    {
        lock (_lock)
        {
            _ = _database.Statement("UPDATE outbox SET attempts = ?2, next_attempt = ?3, last_error = ?4 WHERE id = ?1")
                .Bind(1, id)
                .Bind(2, attempts)
                .Bind(3, Milliseconds(next))
                .Bind(4, error)
                .Execute();
        }
    }

    public void Abandon(long id, string reason) => Remove(id);

    /// <summary>How many messages wait, due or not: for status and tests.</summary>
    public int OutboxCount()
    {
        lock (_lock)
        {
            return (int)_database.Statement("SELECT COUNT(*) FROM outbox").Query(row => row.Int64(0))[0];
        }
    }

    private void Remove(long id)
    {
        lock (_lock)
        {
            _ = _database.Statement("DELETE FROM outbox WHERE id = ?1").Bind(1, id).Execute();
        }
    }

    /// <summary>Deletes the alert history older than <see cref="HistoryLimits.AlertRetention"/>. Called with the lock held.</summary>
    private void PruneAlerts(DateTimeOffset now) =>
        _ = _database.Statement("DELETE FROM alert_history WHERE at < ?1").Bind(1, Milliseconds(now - _limits.AlertRetention)).Execute();

    private static string PhaseText(AlertPhase phase) => phase switch
    {
        AlertPhase.Pending => "pending",
        AlertPhase.Firing => "firing",
        AlertPhase.Resolving => "resolving",
        _ => "inactive",
    };

    /// <summary>One row of the alerts table; null for one no Holt could have written (a phase it does not know).</summary>
    private static AlertRecord? ReadAlert(SqliteStatement row)
    {
        AlertPhase? phase = row.Text(2) switch
        {
            "pending" => AlertPhase.Pending,
            "firing" => AlertPhase.Firing,
            "resolving" => AlertPhase.Resolving,
            _ => null,
        };
        if (phase is not AlertPhase known)
        {
            return null;
        }

        return new AlertRecord(
            row.Text(0) ?? "",
            row.Text(1) ?? "",
            known,
            row.NullableInt64(3) is long since ? FromMilliseconds(since) : null,
            row.NullableInt64(4) is long fired ? FromMilliseconds(fired) : null,
            Message(row.Text(5)));
    }

    /// <summary>A stored message; null for text that is not one, so one bad row never hides the others.</summary>
    private static AlertMessage? Message(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, AlertJson.Default.AlertMessage);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void BindOptional(SqliteStatement statement, int index, DateTimeOffset? time)
    {
        if (time is DateTimeOffset value)
        {
            _ = statement.Bind(index, Milliseconds(value));
        }
        else
        {
            _ = statement.BindNull(index);
        }
    }
}
