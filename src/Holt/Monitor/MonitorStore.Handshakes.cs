using Holt.Storage;

namespace Holt.Monitor;

internal sealed partial class MonitorStore
{
    /// <summary>
    /// The latest handshake the history holds for each peer of <paramref name="interfaceName"/>, by public key: the
    /// largest handshake of its minute and hour rows (three months of them), which the state file's single value
    /// may have lost when a peer was removed and added again. Opened read-only, so a reader (the audit) never
    /// creates, migrates or locks the daemon's file; a missing file is an empty history.
    /// </summary>
    /// <exception cref="StoreException">The file is there but cannot be opened or is not the monitor's database.</exception>
    public static IReadOnlyDictionary<string, DateTimeOffset> LastHandshakes(string path, string interfaceName)
    {
        if (!File.Exists(path))
        {
            return new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        }

        using SqliteDatabase database = SqliteDatabase.Open(path, SqliteStore.BusyTimeout, followLinks: false, readOnly: true);

        // One pass per table over its primary key (peer, bucket); the handshake column is the bucket's maximum.
        using SqliteStatement query = database.Prepare(
            "SELECT p.public_key, MAX(t.handshake) FROM peers p JOIN " +
            "(SELECT peer, handshake FROM hours UNION ALL SELECT peer, handshake FROM minutes) t ON t.peer = p.id " +
            "WHERE p.interface = ?1 AND t.handshake IS NOT NULL GROUP BY p.public_key");
        var latest = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach ((string key, long seconds) in query.Bind(1, interfaceName).Query(row => (row.Text(0) ?? "", row.Int64(1))))
        {
            latest[key] = FromSeconds(seconds);
        }

        return latest;
    }
}
