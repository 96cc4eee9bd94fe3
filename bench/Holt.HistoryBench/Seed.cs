using System.Diagnostics;
using System.Globalization;
using Holt.Monitor;
using Holt.Storage;

namespace Holt.HistoryBench;

/// <summary>
/// <c>seed</c>: a monitor.db with a full history for the dashboard's benchmark, written straight into its tables in
/// one transaction (the daemon's own path, a minute at a time, would take hours for 30 days): for each peer, hour rows
/// for the last D days, minute rows for the last 48 hours (what the store keeps), and a session every day. The peers'
/// keys and names go to a file, one "NAME KEY" a line, for the holt.toml of the same gateway.
/// </summary>
internal static class Seed
{
    /// <example>dotnet run -c Release --project bench/Holt.HistoryBench -- seed --db DIR/monitor.db --interface wg0 --peers 1000 --days 30 --keys-out DIR/keys</example>
    public static int Run(string[] args)
    {
        string? db = null;
        string? keysOut = null;
        string interfaceName = "wg0";
        int peers = 1000;
        int days = 30;
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--db": db = args[i + 1]; break;
                case "--keys-out": keysOut = args[i + 1]; break;
                case "--interface": interfaceName = args[i + 1]; break;
                case "--peers": peers = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--days": days = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"seed: unknown argument {args[i]}"); return 2;
            }
        }

        if (db is null || keysOut is null)
        {
            Console.Error.WriteLine("seed: --db and --keys-out are required");
            return 2;
        }

        var clock = Stopwatch.StartNew();
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        long lastMinute = now - (now % 60);
        long lastHour = now - (now % 3600);
        var random = new Random(15);
        var keys = new List<string>();

        // The schema comes from the store itself; then the rows go in directly.
        MonitorStore.Open(db).Dispose();
        using (SqliteDatabase database = SqliteDatabase.Open(db, TimeSpan.FromSeconds(5)))
        {
            database.Execute("BEGIN");
            using SqliteStatement peer = database.Prepare("INSERT INTO peers (interface, public_key, name) VALUES (?1, ?2, ?3)");
            using SqliteStatement point = database.Prepare(
                "INSERT INTO hours (peer, bucket, rx, tx, peak_rx, peak_tx, up, idle, stale, down, never, disabled, handshake, endpoint, endpoint_changes) " +
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, 0, 0, ?10, ?11, 0)");
            using SqliteStatement minute = database.Prepare(
                "INSERT INTO minutes (peer, bucket, rx, tx, peak_rx, peak_tx, up, idle, stale, down, never, disabled, handshake, endpoint, endpoint_changes) " +
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, 0, 0, ?10, ?11, 0)");
            using SqliteStatement session = database.Prepare(
                "INSERT INTO sessions (peer, start, end, last_seen, endpoint, endpoint_changes, rx, tx) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)");
            for (int p = 1; p <= peers; p++)
            {
                byte[] raw = new byte[32];
                random.NextBytes(raw);
                string key = Convert.ToBase64String(raw);
                string name = "p" + p.ToString(CultureInfo.InvariantCulture);
                keys.Add($"{name} {key}");
                _ = peer.Bind(1, interfaceName).Bind(2, key).Bind(3, name).Execute();
                long id = database.Statement("SELECT last_insert_rowid()").Query(row => row.Int64(0))[0];
                string endpoint = $"198.51.{p / 250}.{p % 250}:51820";
                bool busy = p % 10 < 7;
                for (long hour = lastHour - (days * 86400L); hour <= lastHour; hour += 3600)
                {
                    Row(point, id, hour, 3600, busy, random, endpoint);
                }

                for (long at = lastMinute - (48 * 3600L); at <= lastMinute; at += 60)
                {
                    Row(minute, id, at, 60, busy, random, endpoint);
                }

                for (long day = now - (days * 86400L); day < now; day += 86400)
                {
                    long start = (day + random.Next(0, 3600)) * 1000;
                    long end = start + (random.Next(3600, 80000) * 1000L);
                    _ = session.Bind(1, id).Bind(2, start).Bind(3, end).Bind(4, end).Bind(5, endpoint)
                        .Bind(6, random.Next(1, 500_000_000)).Bind(7, random.Next(1, 200_000_000)).Execute();
                }
            }

            database.Execute("COMMIT");
        }

        File.WriteAllLines(keysOut, keys);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded {db}: {peers} peers on {interfaceName}, {days} days of hours, 48 h of minutes, in {clock.Elapsed.TotalSeconds:0.0} s"));
        return 0;
    }

    private static void Row(SqliteStatement insert, long peer, long bucket, int seconds, bool busy, Random random, string endpoint)
    {
        long rx = busy ? random.Next(0, 50_000) * (long)seconds / 5 : random.Next(0, 400) * (long)seconds / 5;
        long tx = rx / 3;
        _ = insert.Bind(1, peer).Bind(2, bucket).Bind(3, rx).Bind(4, tx).Bind(5, rx / seconds * 4).Bind(6, tx / seconds * 4)
            .Bind(7, busy ? seconds : 0).Bind(8, busy ? 0 : seconds).Bind(9, 0).Bind(10, bucket + seconds - 30).Bind(11, endpoint).Execute();
    }
}
