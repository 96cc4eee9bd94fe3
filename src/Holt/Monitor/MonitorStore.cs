using Holt.Gateway;
using Holt.Storage;
using Microsoft.Extensions.Logging;

namespace Holt.Monitor;

/// <summary>
/// The monitor's memory across restarts, an SQLite file beside the guard's (<c>/var/lib/holt/monitor.db</c>, mode
/// 0600): where each alert stands and what fired and resolved (<see cref="IAlertLedger"/>), the messages waiting for
/// their notifiers (<see cref="IOutbox"/>), and every peer's history: a row per peer and minute for two days, a row
/// per peer and hour for three months, and its connection sessions. The daemon writes it and commands read it (or
/// queue a test message) at the same time: it runs in WAL mode, each write is one statement or one transaction, and
/// a lock is waited for. Everything in it is bounded by age (<see cref="HistoryLimits"/>), the outbox by length, and
/// the whole file by <see cref="HistoryLimits.MaxBytes"/>. Safe to use from several threads; calls are serialized.
/// </summary>
internal sealed partial class MonitorStore : IDisposable
{
    public const string FileName = "monitor.db";

    /// <summary>The schema this Holt writes, kept in the file's <c>user_version</c>; a newer file is refused.</summary>
    public const int SchemaVersion = 2;

    /// <summary>The columns of a history table, the same for the minutes and the hours: one row per peer and bucket.</summary>
    private const string PointColumnsSchema = """
        peer INTEGER NOT NULL, bucket INTEGER NOT NULL, rx INTEGER NOT NULL, tx INTEGER NOT NULL,
        peak_rx INTEGER NOT NULL, peak_tx INTEGER NOT NULL, up INTEGER NOT NULL, idle INTEGER NOT NULL,
        stale INTEGER NOT NULL, down INTEGER NOT NULL, never INTEGER NOT NULL, disabled INTEGER NOT NULL,
        handshake INTEGER, endpoint TEXT, endpoint_changes INTEGER NOT NULL, PRIMARY KEY (peer, bucket)
        """;

    private const string Schema = $"""
        CREATE TABLE alerts (
            key TEXT NOT NULL PRIMARY KEY,
            rule TEXT NOT NULL,
            phase TEXT NOT NULL,
            since INTEGER,
            fired_at INTEGER,
            last TEXT
        ) WITHOUT ROWID;
        CREATE TABLE alert_history (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            message TEXT NOT NULL
        );
        CREATE INDEX alert_history_by_time ON alert_history (at);
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            notifier TEXT NOT NULL,
            message TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt INTEGER NOT NULL,
            last_error TEXT
        );
        CREATE INDEX outbox_by_due ON outbox (next_attempt, id);
        CREATE TABLE peers (
            id INTEGER PRIMARY KEY,
            interface TEXT NOT NULL,
            public_key TEXT NOT NULL,
            name TEXT NOT NULL,
            UNIQUE (interface, public_key)
        );
        CREATE TABLE minutes ({PointColumnsSchema}) WITHOUT ROWID;
        CREATE TABLE hours ({PointColumnsSchema}) WITHOUT ROWID;
        CREATE TABLE sessions (
            peer INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER,
            last_seen INTEGER NOT NULL,
            endpoint TEXT,
            endpoint_changes INTEGER NOT NULL,
            rx INTEGER NOT NULL,
            tx INTEGER NOT NULL,
            PRIMARY KEY (peer, start)
        ) WITHOUT ROWID;
        """;

    private readonly SqliteDatabase _database;
    private readonly Lock _lock = new();
    private readonly HistoryLimits _limits;
    private readonly HistoryRecorder _recorder = new();

    private MonitorStore(SqliteDatabase database, HistoryLimits limits)
    {
        _database = database;
        _limits = limits;
    }

    /// <summary>The store's file in Holt's state directory (<c>HOLT_STATE_DIR</c> moves it), beside the guard's.</summary>
    public static string DefaultPath => System.IO.Path.Combine(StateStore.StateDirectory(), FileName);

    public string Path => _database.Path;

    /// <summary>
    /// Opens the store at <paramref name="path"/>, creating it (its directory 0700, the file 0600) if it is missing,
    /// and its tables if they are.
    /// </summary>
    /// <exception cref="StoreException">The file cannot be created or opened, is not a database, or comes from a newer Holt.</exception>
    public static MonitorStore Open(string path, HistoryLimits? limits = null) =>
        new(SqliteStore.OpenPrivate(path, SchemaVersion, Migrate, "monitor store"), limits ?? HistoryLimits.Default);

    /// <summary>
    /// For the daemon: the store at <see cref="DefaultPath"/>, or null when it cannot be opened, said in one line;
    /// the monitor then runs without history and alerts without memory, and the gateway is not held back.
    /// </summary>
    public static MonitorStore? TryOpen(ILogger logger)
    {
        try
        {
            return Open(DefaultPath);
        }
        catch (StoreException e)
        {
            LogOpenFailed(logger, e.Message);
            return null;
        }
    }

    /// <summary>How many bytes the file's live pages take (free pages left out): what <see cref="HistoryLimits.MaxBytes"/> bounds.</summary>
    public long UsedBytes
    {
        get
        {
            lock (_lock)
            {
                return UsedBytesLocked();
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _database.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "monitor: no history this time: {Problem}")]
    private static partial void LogOpenFailed(ILogger logger, string problem);

    private static void Migrate(SqliteDatabase database, long from)
    {
        if (from == 0)
        {
            database.Execute(Schema);
        }

        // Version 2: the daemon's runs.
        if (from < 2)
        {
            database.Execute(RunsSchema);
        }
    }

    private long UsedBytesLocked()
    {
        long Pragma(string name) => _database.Statement($"PRAGMA {name}").Query(row => row.Int64(0))[0];
        return (Pragma("page_count") - Pragma("freelist_count")) * Pragma("page_size");
    }

    private static long Milliseconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMilliseconds(long milliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(milliseconds, DateTimeOffset.MinValue.ToUnixTimeMilliseconds(), DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));

    private static long Seconds(DateTimeOffset time) => time.ToUnixTimeSeconds();

    private static DateTimeOffset FromSeconds(long seconds) =>
        DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, DateTimeOffset.MinValue.ToUnixTimeSeconds(), DateTimeOffset.MaxValue.ToUnixTimeSeconds()));

    /// <summary>A counter as SQLite's signed integer keeps it; no WireGuard counter comes near 2^63.</summary>
    private static long Signed(ulong value) => (long)Math.Min(value, long.MaxValue);

    private static ulong Unsigned(long value) => value < 0 ? 0 : (ulong)value;
}
