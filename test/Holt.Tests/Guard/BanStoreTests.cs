using System.Net;
using Holt.Guard;
using Holt.Storage;

namespace Holt.Tests.Guard;

public sealed class BanStoreTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = Private | UnixFileMode.UserExecute;

    private static readonly DateTimeOffset s_start = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly IPNetwork s_host = IPNetwork.Parse("203.0.113.9/32");
    private static readonly IPNetwork s_other = IPNetwork.Parse("198.51.100.7/32");

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-banstore").FullName;

    public BanStoreTests() => StorePath = Path.Combine(_directory, "guard.db");

    private string StorePath { get; }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Record_ThenHistory_RoundTripsEveryField()
    {
        using BanStore store = BanStore.Open(StorePath);

        store.Record(s_host, "sshd", s_start, TimeSpan.FromHours(1), count: 3);

        StoredBan ban = Assert.Single(store.History(DateTimeOffset.MinValue));
        Assert.Equal(new StoredBan(s_host, "sshd", s_start, s_start.AddHours(1), 3, null), ban);
    }

    [Fact]
    public void RecordAll_WritesEveryBan_AsRecordWould()
    {
        using BanStore store = BanStore.Open(StorePath);
        StoredBan[] bans =
        [
            new(s_host, "sshd", s_start, s_start.AddHours(1), 1, null),
            new(s_other, "recidive", s_start.AddMilliseconds(300), s_start.AddDays(7).AddMilliseconds(300), 2, null),
        ];

        store.RecordAll(bans);

        Assert.Equal(
            [bans[0], bans[1] with { BannedAt = s_start, ExpiresAt = s_start.AddDays(7).AddSeconds(1) }],
            store.History(DateTimeOffset.MinValue));
    }

    [Fact]
    public void RecordAll_ABadBan_WritesNone()
    {
        using BanStore store = BanStore.Open(StorePath);

        Assert.Throws<ArgumentOutOfRangeException>(() => store.RecordAll(
        [
            new(s_host, "sshd", s_start, s_start.AddHours(1), 1, null),
            new(s_other, "sshd", s_start, s_start, 1, null),
        ]));
        Assert.Empty(store.History(DateTimeOffset.MinValue));
    }

    [Fact]
    public void Record_ExpiryBetweenSeconds_IsRoundedUp_NeverEarlier()
    {
        using BanStore store = BanStore.Open(StorePath);

        store.Record(s_host, "sshd", s_start.AddMilliseconds(300), TimeSpan.FromSeconds(10), count: 1);

        StoredBan ban = Assert.Single(store.History(DateTimeOffset.MinValue));
        Assert.Equal(s_start, ban.BannedAt);
        Assert.Equal(s_start.AddSeconds(11), ban.ExpiresAt);
    }

    [Fact]
    public void Active_ExcludesExpiredAndLiftedBans()
    {
        using BanStore store = BanStore.Open(StorePath);
        IPNetwork lifted = IPNetwork.Parse("192.0.2.1/32");
        store.Record(s_host, "sshd", s_start, TimeSpan.FromHours(1), 1);
        store.Record(s_other, "sshd", s_start, TimeSpan.FromMinutes(10), 1);
        store.Record(lifted, "manual", s_start, TimeSpan.FromHours(1), 1);
        Assert.True(store.Lift(lifted, s_start.AddMinutes(5)));

        IReadOnlyList<StoredBan> active = store.Active(s_start.AddMinutes(10));

        Assert.Equal([s_host], active.Select(b => b.Network));
        Assert.Equal(s_start.AddMinutes(5), store.History(s_start).Single(b => b.Network == lifted).LiftedAt);
    }

    [Fact]
    public void Active_OneBanPerNetwork_TheOneEndingLast()
    {
        using BanStore store = BanStore.Open(StorePath);
        store.Record(s_host, "sshd", s_start, TimeSpan.FromHours(1), 1);
        store.Record(s_host, "nginx-http-auth", s_start.AddMinutes(1), TimeSpan.FromDays(1), 1);
        store.Record(s_host, "sshd", s_start.AddMinutes(2), TimeSpan.FromHours(2), 2);

        StoredBan ban = Assert.Single(store.Active(s_start.AddMinutes(3)));

        Assert.Equal(("nginx-http-auth", s_start.AddMinutes(1).AddDays(1)), (ban.Jail, ban.ExpiresAt));
    }

    [Fact]
    public void Active_AfterARestart_GivesTheRemainingTime()
    {
        using (BanStore store = BanStore.Open(StorePath))
        {
            store.Record(s_host, "sshd", s_start, TimeSpan.FromHours(1), 1);
        }

        using BanStore reopened = BanStore.Open(StorePath);
        DateTimeOffset restart = s_start.AddMinutes(20).AddMilliseconds(250);
        StoredBan ban = Assert.Single(reopened.Active(restart));

        Assert.Equal(TimeSpan.FromMinutes(40) - TimeSpan.FromMilliseconds(250), ban.RemainingAt(restart));
        Assert.Equal(TimeSpan.Zero, ban.RemainingAt(s_start.AddHours(2)));
        Assert.Empty(reopened.Active(s_start.AddHours(1)));
    }

    [Fact]
    public void Lift_MarksEveryActiveBanOfTheNetwork_FalseWhenNoneWasActive()
    {
        using BanStore store = BanStore.Open(StorePath);
        store.Record(s_host, "sshd", s_start, TimeSpan.FromHours(1), 1);
        store.Record(s_host, "manual", s_start, TimeSpan.FromHours(2), 1);
        store.Record(s_other, "sshd", s_start, TimeSpan.FromMinutes(1), 1);

        Assert.True(store.Lift(s_host, s_start.AddMinutes(5)));
        Assert.False(store.Lift(s_host, s_start.AddMinutes(6)));
        Assert.False(store.Lift(s_other, s_start.AddMinutes(5)));
        Assert.False(store.Lift(IPNetwork.Parse("192.0.2.0/24"), s_start));

        Assert.All(store.History(s_start).Where(b => b.Network == s_host), b => Assert.Equal(s_start.AddMinutes(5), b.LiftedAt));
        Assert.Null(store.History(s_start).Single(b => b.Network == s_other).LiftedAt);
    }

    [Fact]
    public void Open_CreatesTheDirectory0700_AndTheFileAndItsWalAndShm0600()
    {
        string path = Path.Combine(_directory, "state", "guard.db");

        using BanStore store = BanStore.Open(path);
        store.Record(s_host, "sshd", s_start, TimeSpan.FromHours(1), 1);

        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.Equal(Private, File.GetUnixFileMode(path));
        Assert.Equal(Private, File.GetUnixFileMode(path + "-wal"));
        Assert.Equal(Private, File.GetUnixFileMode(path + "-shm"));
    }

    [Fact]
    public void Open_UsesWalJournalMode()
    {
        using (BanStore.Open(StorePath))
        {
        }

        using SqliteDatabase database = SqliteDatabase.Open(StorePath, TimeSpan.Zero);
        using SqliteStatement mode = database.Prepare("PRAGMA journal_mode");
        Assert.Equal(["wal"], mode.Query(row => row.Text(0)));
    }

    [Fact]
    public void Positions_RoundTrip_AndUpdate()
    {
        using BanStore store = BanStore.Open(StorePath);

        Assert.Null(store.Position("journal"));
        store.SavePosition("journal", "s=0a1b;i=42");
        store.SavePosition("file:/var/log/auth.log", "inode=1234 offset=0");
        store.SavePosition("file:/var/log/auth.log", "inode=1234 offset=8192");

        Assert.Equal("s=0a1b;i=42", store.Position("journal"));
        Assert.Equal("inode=1234 offset=8192", store.Position("file:/var/log/auth.log"));
        Assert.Null(store.Position("file:/var/log/nginx/error.log"));
    }

    [Fact]
    public void Reopen_AfterDispose_KeepsBansAndPositions()
    {
        using (BanStore store = BanStore.Open(StorePath))
        {
            store.Record(s_host, "sshd", s_start, TimeSpan.FromHours(1), 1);
            store.Record(s_other, "sshd", s_start, TimeSpan.FromHours(1), 1);
            Assert.True(store.Lift(s_other, s_start.AddMinutes(1)));
            store.SavePosition("journal", "cursor");
        }

        using BanStore reopened = BanStore.Open(StorePath);

        Assert.Equal(2, reopened.History(DateTimeOffset.MinValue).Count);
        Assert.Equal([s_host], reopened.Active(s_start.AddMinutes(2)).Select(b => b.Network));
        Assert.Equal("cursor", reopened.Position("journal"));
    }

    [Fact]
    public void Open_ARandomBytesFile_IsAClearStoreException_AndTheFileIsLeftAlone()
    {
        byte[] garbage = new byte[8192];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(StorePath, garbage);

        StoreException error = Assert.Throws<StoreException>(() => BanStore.Open(StorePath));

        Assert.Equal($"{StorePath}: file is not a database (move the file aside to start an empty ban store)", error.Message);
        Assert.Equal(garbage, File.ReadAllBytes(StorePath));
    }

    [Fact]
    public void Open_ASchemaFromANewerHolt_IsRefused()
    {
        using (BanStore.Open(StorePath))
        {
        }

        using (SqliteDatabase database = SqliteDatabase.Open(StorePath, TimeSpan.Zero))
        {
            database.Execute($"PRAGMA user_version = {BanStore.SchemaVersion + 1}");
        }

        StoreException error = Assert.Throws<StoreException>(() => BanStore.Open(StorePath));

        Assert.StartsWith($"{StorePath}: written by a newer Holt (schema version {BanStore.SchemaVersion + 1};", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AFileInAMissingPlaceThatCannotBeCreated_IsAStoreException()
    {
        string blocker = Path.Combine(_directory, "not-a-directory");
        File.WriteAllText(blocker, "");

        StoreException error = Assert.Throws<StoreException>(() => BanStore.Open(Path.Combine(blocker, "guard.db")));

        Assert.StartsWith(Path.Combine(blocker, "guard.db") + ": ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2001:db8::1/128", "2001:db8::1/128")]
    [InlineData("2001:db8::/64", "2001:db8::/64")]
    [InlineData("198.51.100.0/24", "198.51.100.0/24")]
    [InlineData("::ffff:203.0.113.9/128", "203.0.113.9/32")]
    [InlineData("::ffff:203.0.113.0/120", "203.0.113.0/24")]
    public void Networks_IPv6AndSubnets_AreKeptAsCanonicalCidr(string recorded, string stored)
    {
        using BanStore store = BanStore.Open(StorePath);

        store.Record(IPNetwork.Parse(recorded), "sshd", s_start, TimeSpan.FromHours(1), 1);

        Assert.Equal(stored, Assert.Single(store.Active(s_start)).Network.ToString());
        Assert.True(store.Lift(IPNetwork.Parse(recorded), s_start));
    }

    [Fact]
    public void TwoStoresOnOneFile_WriteAtOnce_AndSeeEachOthersWrites()
    {
        using BanStore daemon = BanStore.Open(StorePath);
        using BanStore command = BanStore.Open(StorePath);
        const int Each = 100;

        Parallel.For(0, 2, side =>
        {
            BanStore store = side == 0 ? daemon : command;
            for (int i = 0; i < Each; i++)
            {
                var network = new IPNetwork(new IPAddress([10, (byte)side, (byte)(i >> 8), (byte)i]), 32);
                store.Record(network, side == 0 ? "sshd" : "manual", s_start, TimeSpan.FromHours(1), 1);
                store.SavePosition($"file:/log/{side}", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        });

        Assert.Equal(2 * Each, daemon.Active(s_start).Count);
        Assert.Equal(2 * Each, command.Active(s_start).Count);
        Assert.Equal("99", daemon.Position("file:/log/1"));
        Assert.Equal("99", command.Position("file:/log/0"));
    }

    [Fact]
    public async Task Write_WhileAnotherConnectionHoldsTheWriteLock_WaitsForIt_ThenSucceeds()
    {
        using BanStore store = BanStore.Open(StorePath);
        using SqliteDatabase other = SqliteDatabase.Open(StorePath, TimeSpan.Zero);
        other.Execute("BEGIN IMMEDIATE; INSERT INTO positions (source, value) VALUES ('journal', 'other')");

        Task write = Task.Run(() => store.Record(s_host, "manual", s_start, TimeSpan.FromHours(1), 1));
        // The write cannot finish while the lock is held; this only gives it time to start waiting.
        await Task.Delay(200);
        Assert.False(write.IsCompleted);
        other.Execute("COMMIT");
        await write;

        Assert.Single(store.Active(s_start));
        Assert.Equal("other", store.Position("journal"));
    }

    [Fact]
    public void BanCount_CountsTheHostsBansInThatJail_SinceTheGivenTime()
    {
        using BanStore store = BanStore.Open(StorePath);
        IPAddress address = s_host.BaseAddress;
        store.Record(s_host, "sshd", s_start, TimeSpan.FromHours(1), 1);
        store.Record(s_host, "sshd", s_start.AddDays(1), TimeSpan.FromHours(1), 2);
        Assert.True(store.Lift(s_host, s_start.AddDays(1).AddMinutes(1)));
        store.Record(s_host, "sshd", s_start.AddDays(2), TimeSpan.FromHours(1), 3);
        store.Record(s_host, "nginx-http-auth", s_start.AddDays(2), TimeSpan.FromHours(1), 1);
        store.Record(IPNetwork.Parse("203.0.113.0/24"), "sshd", s_start.AddDays(2), TimeSpan.FromHours(1), 1);

        Assert.Equal(3, store.BanCount(address, "sshd", DateTimeOffset.MinValue));
        Assert.Equal(2, store.BanCount(address, "sshd", s_start.AddDays(1)));
        Assert.Equal(1, store.BanCount(address, "sshd", s_start.AddDays(1).AddSeconds(1)));
        Assert.Equal(0, store.BanCount(address, "sshd", s_start.AddDays(3)));
        Assert.Equal(1, store.BanCount(address, "nginx-http-auth", DateTimeOffset.MinValue));
        Assert.Equal(3, store.BanCount(address.MapToIPv6(), "sshd", DateTimeOffset.MinValue));
        Assert.Equal(0, store.BanCount(IPAddress.Parse("203.0.113.10"), "sshd", DateTimeOffset.MinValue));
    }

    [Fact]
    public void Prune_DeletesOnlyBansThatExpiredBeforeTheCutoff()
    {
        using BanStore store = BanStore.Open(StorePath);
        store.Record(s_host, "sshd", s_start, TimeSpan.FromHours(1), 1);
        store.Record(s_other, "sshd", s_start, TimeSpan.FromDays(2), 1);
        store.SavePosition("journal", "cursor");

        Assert.Equal(0, store.Prune(s_start.AddHours(1)));
        Assert.Equal(1, store.Prune(s_start.AddDays(1)));

        Assert.Equal([s_other], store.History(DateTimeOffset.MinValue).Select(b => b.Network));
        Assert.Equal("cursor", store.Position("journal"));
    }

    [Fact]
    public void Record_RefusesWhatNoBanCanBe()
    {
        using BanStore store = BanStore.Open(StorePath);

        _ = Assert.Throws<ArgumentOutOfRangeException>(() => store.Record(s_host, "sshd", s_start, TimeSpan.Zero, 1));
        _ = Assert.Throws<ArgumentOutOfRangeException>(() => store.Record(s_host, "sshd", s_start, TimeSpan.FromHours(1), 0));
        _ = Assert.Throws<ArgumentException>(() => store.Record(s_host, "", s_start, TimeSpan.FromHours(1), 1));
    }

    [Fact]
    public void AfterDispose_CallsThrowObjectDisposed()
    {
        BanStore store = BanStore.Open(StorePath);
        store.Dispose();

        _ = Assert.Throws<ObjectDisposedException>(() => store.Position("journal"));
    }
}
