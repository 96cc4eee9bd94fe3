using Holt.Hosting;
using Holt.Storage;

namespace Holt.Monitor;

/// <summary>
/// The daemon's runs, one row per interface: its start and unclean-start counts, and the start of the run that is
/// going on (cleared by a clean stop), so that the next start can tell whether the one before ended cleanly.
/// </summary>
internal sealed partial class MonitorStore
{
    private const string RunsSchema = """
        CREATE TABLE runs (
            interface TEXT NOT NULL PRIMARY KEY,
            starts INTEGER NOT NULL,
            unclean_starts INTEGER NOT NULL,
            running_since INTEGER,
            last_unclean INTEGER
        ) WITHOUT ROWID;
        """;

    /// <summary>Records that the daemon for <paramref name="interfaceName"/> starts now, and says what the runs before it left.</summary>
    public DaemonRuns StartRun(string interfaceName, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        lock (_lock)
        {
            return _database.InTransaction(() =>
            {
                (long Starts, long Unclean, long? Running, long? LastUnclean)? before = _database
                    .Statement("SELECT starts, unclean_starts, running_since, last_unclean FROM runs WHERE interface = ?1")
                    .Bind(1, interfaceName)
                    .Query(row => ((long, long, long?, long?)?)(row.Int64(0), row.Int64(1), row.NullableInt64(2), row.NullableInt64(3)))
                    .FirstOrDefault();
                bool unclean = before?.Running is not null;
                long starts = (before?.Starts ?? 0) + 1;
                long uncleanStarts = (before?.Unclean ?? 0) + (unclean ? 1 : 0);
                long? lastUnclean = unclean ? Milliseconds(now) : before?.LastUnclean;
                SqliteStatement save = _database.Statement(
                        "INSERT INTO runs (interface, starts, unclean_starts, running_since, last_unclean) VALUES (?1, ?2, ?3, ?4, ?5) " +
                        "ON CONFLICT (interface) DO UPDATE SET starts = excluded.starts, unclean_starts = excluded.unclean_starts, " +
                        "running_since = excluded.running_since, last_unclean = excluded.last_unclean")
                    .Bind(1, interfaceName)
                    .Bind(2, starts)
                    .Bind(3, uncleanStarts)
                    .Bind(4, Milliseconds(now));
                _ = (lastUnclean is long at ? save.Bind(5, at) : save.BindNull(5)).Execute();
                return new DaemonRuns(starts, uncleanStarts, unclean, lastUnclean is long last ? FromMilliseconds(last) : null);
            });
        }
    }

    /// <summary>Records that the run which started at <paramref name="startedAt"/> stopped cleanly (another run since is left alone).</summary>
    public void EndRun(string interfaceName, DateTimeOffset startedAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        lock (_lock)
        {
            _ = _database.Statement("UPDATE runs SET running_since = NULL WHERE interface = ?1 AND running_since = ?2")
                .Bind(1, interfaceName)
                .Bind(2, Milliseconds(startedAt))
                .Execute();
        }
    }
}
