using System.Diagnostics;
using System.Globalization;
using Holt.Monitor;
using Holt.Storage;

namespace Holt.HistoryBench;

/// <summary>
/// The monitor's history on disk (issue #13): fills a fresh monitor.db as the daemon would, N peers sampled every
/// interval for D simulated days (the timestamps are simulated, the writes are real), then prints the file's size,
/// the bytes per peer per day, and what the writes cost. The peers are a mix: most up and moving traffic, some idle,
/// some flapping (a session closed every few minutes), a few roaming to a new endpoint each day.
/// </summary>
internal static class Program
{
    /// <example>dotnet run -c Release --project bench/Holt.HistoryBench -- --peers 1000 --days 2</example>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "seed")
        {
            return Seed.Run(args);
        }

        int peers = 1000;
        double days = 2;
        int interval = 5;
        string directory = Directory.CreateTempSubdirectory("holt-history-bench").FullName;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--peers": peers = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--days": days = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--interval": interval = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--dir": directory = args[i + 1]; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }

        string path = Path.Combine(directory, MonitorStore.FileName);
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var peerSet = new SimulatedPeer[peers];
        var random = new Random(13);
        for (int p = 0; p < peers; p++)
        {
            peerSet[p] = new SimulatedPeer(p, random.Next(100), start);
        }

        long rounds = (long)(days * 86400 / interval);
        var writes = new List<double>();
        double accumulating = 0;
        var total = Stopwatch.StartNew();
        using (MonitorStore store = MonitorStore.Open(path))
        {
            var batch = new PeerRound[peers];
            for (long r = 0; r < rounds; r++)
            {
                DateTimeOffset now = start.AddSeconds(r * interval);
                for (int p = 0; p < peers; p++)
                {
                    batch[p] = peerSet[p].Step(now, random);
                }

                bool writing = r > 0 && HistoryRecorder.MinuteOf(now) != HistoryRecorder.MinuteOf(now.AddSeconds(-interval));
                long before = Stopwatch.GetTimestamp();
                store.Record("wg0", now, batch);
                double elapsed = Stopwatch.GetElapsedTime(before).TotalMilliseconds;
                if (writing)
                {
                    writes.Add(elapsed);
                }
                else
                {
                    accumulating += elapsed;
                }
            }

            store.Flush(start.AddSeconds(rounds * interval));
            Report(store, path, peers, days, interval, rounds, writes, accumulating / Math.Max(1, rounds - writes.Count), total.Elapsed);
        }

        return 0;
    }

    private static void Report(MonitorStore store, string path, int peers, double days, int interval, long rounds, List<double> writes, double perRound, TimeSpan total)
    {
        long file = new FileInfo(path).Length;
        long wal = File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0;
        long used = store.UsedBytes;
        writes.Sort();
        double Percentile(double q) => writes.Count == 0 ? 0 : writes[(int)Math.Min(writes.Count - 1, q * writes.Count)];

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peers {peers}, {days} simulated days, a round every {interval} s: {rounds:N0} rounds, {writes.Count:N0} minute writes, {total.TotalSeconds:0.0} s in all"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"file {file / 1048576.0:0.0} MiB (+ WAL {wal / 1048576.0:0.0} MiB), live pages {used / 1048576.0:0.0} MiB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"per peer per day: {used / (double)peers / days / 1024:0.0} KiB of live pages"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"a minute's write ({peers} peers, one transaction): median {Percentile(0.5):0.0} ms, p99 {Percentile(0.99):0.0} ms, max {Percentile(1):0.0} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"a round that only accumulates in memory: {perRound * 1000:0} us"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"writes: {writes.Sum() / 1000:0.0} s over {days} simulated days = {writes.Sum() / (days * 86400 * 1000) * 100:0.000} % of one core"));

        // Per table, where SQLite has the dbstat table compiled in (Debian's has).
        try
        {
            using SqliteDatabase database = SqliteDatabase.Open(path, TimeSpan.FromSeconds(5));
            using SqliteStatement tables = database.Prepare("SELECT name, SUM(pgsize), COUNT(*) FROM dbstat GROUP BY name ORDER BY 2 DESC");
            foreach ((string? name, long bytes, long pages) in tables.Query(row => (row.Text(0), row.Int64(1), row.Int64(2))))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-28} {bytes / 1048576.0,8:0.0} MiB  {bytes / (double)peers / days / 1024,7:0.0} KiB/peer/day"));
            }

            using SqliteStatement rows = database.Prepare("SELECT (SELECT COUNT(*) FROM minutes), (SELECT COUNT(*) FROM hours), (SELECT COUNT(*) FROM sessions)");
            foreach ((long minutes, long hours, long sessions) in rows.Query(row => (row.Int64(0), row.Int64(1), row.Int64(2))))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rows: minutes {minutes:N0} ({(double)used / Math.Max(1, minutes + hours):0.0} bytes a row, all tables), hours {hours:N0}, sessions {sessions:N0}"));
            }
        }
        catch (StoreException e)
        {
            Console.WriteLine($"(no per-table figures: {e.Message})");
        }
    }

    /// <summary>One peer's behaviour: its kind (by <c>roll</c>: 70 % busy, 20 % idle, 7 % flapping, 3 % roaming), counters and session.</summary>
    private sealed class SimulatedPeer(int index, int roll, DateTimeOffset start)
    {
        private readonly string _key = Convert.ToBase64String(BitConverter.GetBytes((long)index).Concat(new byte[24]).ToArray());
        private readonly string _name = "peer" + index.ToString(CultureInfo.InvariantCulture);
        private ulong _rx;
        private ulong _tx;
        private string _endpoint = $"198.51.{index / 250}.{index % 250}:51820";
        private PeerSession? _session;
        private readonly DateTimeOffset _start = start;
        private DateTimeOffset _handshake = start;

        public PeerRound Step(DateTimeOffset now, Random random)
        {
            bool busy = roll < 70;
            bool flapping = roll is >= 90 and < 97;
            bool roaming = roll >= 97;
            PeerState state = busy || roaming ? PeerState.Up : PeerState.Idle;
            if (flapping)
            {
                state = (now - _start).TotalMinutes % 7 < 4 ? PeerState.Up : PeerState.Down;
            }

            if (state == PeerState.Up)
            {
                _rx += (ulong)random.Next(0, busy ? 50_000 : 2_000);
                _tx += (ulong)random.Next(0, busy ? 20_000 : 1_000);
                if ((now - _handshake).TotalSeconds >= 120)
                {
                    _handshake = now;
                }
            }

            if (roaming && now.TimeOfDay == TimeSpan.FromHours(8))
            {
                _endpoint = $"203.0.113.{random.Next(1, 250)}:{random.Next(1024, 65535)}";
            }

            PeerSession? session = null;
            if (state == PeerState.Up)
            {
                _session ??= new PeerSession(now, null, _endpoint, 0, 0, 0);
                _session = _session with { Endpoint = _endpoint, RxBytes = _session.RxBytes + 1, TxBytes = _session.TxBytes + 1 };
                session = _session;
            }
            else if (_session is not null)
            {
                session = _session with { End = now };
                _session = null;
            }

            return new PeerRound(_key, _name, _rx, _tx, state, _handshake, _endpoint, session);
        }
    }
}
