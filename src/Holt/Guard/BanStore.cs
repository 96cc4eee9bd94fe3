using System.Net;
using System.Net.Sockets;
using Holt.Gateway;
using Holt.Storage;

namespace Holt.Guard;

/// <summary>One ban as the store keeps it: whom, which jail, when, until when, and the how-many-th ban it was.</summary>
internal sealed record StoredBan(IPNetwork Network, string Jail, DateTimeOffset BannedAt, DateTimeOffset ExpiresAt, int Count, DateTimeOffset? LiftedAt)
{
    /// <summary>The time left at <paramref name="now"/>, what a restored ban gets in the kernel; zero once expired.</summary>
    public TimeSpan RemainingAt(DateTimeOffset now) => ExpiresAt > now ? ExpiresAt - now : TimeSpan.Zero;
}

/// <summary>
/// The guard's memory across restarts, an SQLite file (<c>/var/lib/holt/guard.db</c>, mode 0600): every ban it
/// decided, so the active ones are put back into the kernel with their remaining time and a returning address's
/// next ban grows (fail2ban's bantime.increment), and its read position in each log file and the journal, so it
/// neither reads a line twice nor misses one. The daemon and a <c>holt guard ban</c> command may hold it open at
/// once: it runs in WAL mode, each write is one statement or one transaction, and a lock is waited for
/// (busy_timeout) rather than failed on. Safe to use from several threads; calls are serialized.
/// </summary>
internal sealed class BanStore : IDisposable
{
    public const string FileName = "guard.db";

    /// <summary>The schema this Holt writes, kept in the file's <c>user_version</c>; a newer file is refused.</summary>
    public const int SchemaVersion = 1;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS bans (
            id INTEGER PRIMARY KEY,
            network TEXT NOT NULL,
            jail TEXT NOT NULL,
            banned_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            count INTEGER NOT NULL,
            lifted_at INTEGER
        );
        CREATE INDEX IF NOT EXISTS bans_by_network ON bans (network, jail, banned_at);
        CREATE INDEX IF NOT EXISTS bans_by_expiry ON bans (expires_at);
        CREATE TABLE IF NOT EXISTS positions (
            source TEXT NOT NULL PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;
        """;

    private const string BanColumns = "network, jail, banned_at, expires_at, count, lifted_at";

    private readonly SqliteDatabase _database;
    private readonly Lock _lock = new();

    private BanStore(SqliteDatabase database) => _database = database;

    /// <summary>The store's file in Holt's state directory (<c>HOLT_STATE_DIR</c> moves it).</summary>
    public static string DefaultPath => System.IO.Path.Combine(StateStore.StateDirectory(), FileName);

    public string Path => _database.Path;

    /// <summary>
    /// Opens the store at <paramref name="path"/>, creating it (its directory 0700, the file 0600) if it is missing,
    /// and its tables if they are.
    /// </summary>
    /// <exception cref="StoreException">The file cannot be created or opened, is not a database, or comes from a newer Holt.</exception>
    public static BanStore Open(string path) =>
        new(SqliteStore.OpenPrivate(path, SchemaVersion, (database, _) => database.Execute(Schema), "ban store"));

    /// <summary>Records a ban of <paramref name="network"/> decided at <paramref name="at"/>, the <paramref name="count"/>-th of it in that jail.</summary>
    public void Record(IPNetwork network, string jail, DateTimeOffset at, TimeSpan duration, int count)
    {
        ArgumentException.ThrowIfNullOrEmpty(jail);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_lock)
        {
            _ = _database.Statement(
                    "INSERT INTO bans (network, jail, banned_at, expires_at, count) VALUES (?1, ?2, ?3, ?4, ?5)")
                .Bind(1, Key(network))
                .Bind(2, jail)
                .Bind(3, Seconds(at))
                .Bind(4, SecondsUp(at + duration))
                .Bind(5, count)
                .Execute();
        }
    }

    /// <summary>Records <paramref name="bans"/> in one transaction: all of them, or none when it fails.</summary>
    public void RecordAll(IReadOnlyList<StoredBan> bans)
    {
        foreach (StoredBan ban in bans)
        {
            ArgumentException.ThrowIfNullOrEmpty(ban.Jail);
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ban.ExpiresAt, ban.BannedAt);
            ArgumentOutOfRangeException.ThrowIfLessThan(ban.Count, 1);
        }

        lock (_lock)
        {
            _ = _database.InTransaction(() =>
            {
                foreach (StoredBan ban in bans)
                {
                    _ = _database.Statement(
                            "INSERT INTO bans (network, jail, banned_at, expires_at, count) VALUES (?1, ?2, ?3, ?4, ?5)")
                        .Bind(1, Key(ban.Network))
                        .Bind(2, ban.Jail)
                        .Bind(3, Seconds(ban.BannedAt))
                        .Bind(4, SecondsUp(ban.ExpiresAt))
                        .Bind(5, ban.Count)
                        .Execute();
                }

                return bans.Count;
            });
        }
    }

    /// <summary>Marks every active ban of <paramref name="network"/> lifted at <paramref name="at"/> (a manual unban); false when none was active.</summary>
    public bool Lift(IPNetwork network, DateTimeOffset at)
    {
        lock (_lock)
        {
            return _database.Statement(
                    "UPDATE bans SET lifted_at = ?2 WHERE network = ?1 AND lifted_at IS NULL AND expires_at > ?2")
                .Bind(1, Key(network))
                .Bind(2, Seconds(at))
                .Execute() > 0;
        }
    }

    /// <summary>
    /// The bans in force at <paramref name="now"/> (neither lifted nor expired), one per network, the one that
    /// ends last: what to put back into the kernel, each for <see cref="StoredBan.RemainingAt"/>.
    /// </summary>
    public IReadOnlyList<StoredBan> Active(DateTimeOffset now)
    {
        // Expiries are whole seconds, so "expires_at > now" and "expires_at > floor(now)" agree. The bare columns
        // come from the row holding the MAX (https://sqlite.org/lang_select.html#bareagg).
        lock (_lock)
        {
            return ReadBans(_database.Statement(
                    "SELECT network, jail, banned_at, MAX(expires_at), count, lifted_at FROM bans " +
                    "WHERE lifted_at IS NULL AND expires_at > ?1 GROUP BY network ORDER BY 4, network")
                .Bind(1, Seconds(now)));
        }
    }

    /// <summary>
    /// How many bans <paramref name="address"/> itself (not a subnet holding it) has had in <paramref name="jail"/>
    /// since <paramref name="since"/>, lifted ones included: the earlier bans a jail's bantime increment counts.
    /// </summary>
    public int BanCount(IPAddress address, string jail, DateTimeOffset since)
    {
        IPAddress host = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        var network = new IPNetwork(host, host.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        lock (_lock)
        {
            return _database.Statement(
                    "SELECT COUNT(*) FROM bans WHERE network = ?1 AND jail = ?2 AND banned_at >= ?3")
                .Bind(1, Key(network))
                .Bind(2, jail)
                .Bind(3, Seconds(since))
                .Query(row => (int)row.Int64(0))[0];
        }
    }

    /// <summary>Every ban decided since <paramref name="since"/>, lifted and expired ones too, oldest first: for a report.</summary>
    public IReadOnlyList<StoredBan> History(DateTimeOffset since)
    {
        lock (_lock)
        {
            return ReadBans(_database.Statement(
                    $"SELECT {BanColumns} FROM bans WHERE banned_at >= ?1 ORDER BY banned_at, id")
                .Bind(1, Seconds(since)));
        }
    }

    /// <summary>Deletes the bans that expired before <paramref name="before"/>, so the file stays small; returns how many.</summary>
    public int Prune(DateTimeOffset before)
    {
        lock (_lock)
        {
            return _database.Statement("DELETE FROM bans WHERE expires_at < ?1")
                .Bind(1, Seconds(before))
                .Execute();
        }
    }

    /// <summary>The saved read position in <paramref name="source"/> (<c>file:/var/log/auth.log</c>, <c>journal</c>), or null.</summary>
    public string? Position(string source)
    {
        lock (_lock)
        {
            List<string?> values = _database.Statement("SELECT value FROM positions WHERE source = ?1")
                .Bind(1, source)
                .Query(row => row.Text(0));
            return values.Count == 0 ? null : values[0];
        }
    }

    public void SavePosition(string source, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(value);
        lock (_lock)
        {
            _ = _database.Statement(
                    "INSERT INTO positions (source, value) VALUES (?1, ?2) ON CONFLICT (source) DO UPDATE SET value = excluded.value")
                .Bind(1, source)
                .Bind(2, value)
                .Execute();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _database.Dispose();
        }
    }

    private static List<StoredBan> ReadBans(SqliteStatement statement)
    {
        var bans = new List<StoredBan>();
        foreach (StoredBan? ban in statement.Query(ReadBan))
        {
            if (ban is not null)
            {
                bans.Add(ban);
            }
        }

        return bans;
    }

    /// <summary>One row of <see cref="BanColumns"/>; null for a network no IPNetwork can be (a row edited by hand).</summary>
    private static StoredBan? ReadBan(SqliteStatement row)
    {
        // Passed over rather than thrown on: one bad row must not keep every other ban from being restored.
        if (!IPNetwork.TryParse(row.Text(0), out IPNetwork network))
        {
            return null;
        }

        return new StoredBan(
            network,
            row.Text(1) ?? "",
            Time(row.Int64(2)),
            Time(row.Int64(3)),
            (int)Math.Clamp(row.Int64(4), 0, int.MaxValue),
            row.NullableInt64(5) is long lifted ? Time(lifted) : null);
    }

    /// <summary>
    /// The network's text in the table: canonical CIDR (203.0.113.9/32, 2001:db8::/64), an IPv4-mapped IPv6
    /// network as the IPv4 one it is, so one address has one key however it was written.
    /// </summary>
    private static string Key(IPNetwork network)
    {
        if (network.BaseAddress.IsIPv4MappedToIPv6 && network.PrefixLength >= 96)
        {
            network = new IPNetwork(network.BaseAddress.MapToIPv4(), network.PrefixLength - 96);
        }

        return network.ToString();
    }

    private static long Seconds(DateTimeOffset time) => time.ToUnixTimeSeconds();

    /// <summary>Unix seconds rounded up, so an expiry is never earlier than the ban's true end.</summary>
    private static long SecondsUp(DateTimeOffset time)
    {
        long seconds = time.ToUnixTimeSeconds();
        return DateTimeOffset.FromUnixTimeSeconds(seconds) < time ? seconds + 1 : seconds;
    }

    private static DateTimeOffset Time(long seconds) =>
        DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, DateTimeOffset.MinValue.ToUnixTimeSeconds(), DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
}
