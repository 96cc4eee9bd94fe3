using Holt.Guard;
using Holt.Hosting;
using Holt.Monitor;
using Holt.Storage;

namespace Holt.Tests.Monitor;

/// <summary>The monitor's store: how its file is opened, the alert ledger, and the outbox across restarts and processes.</summary>
public sealed class MonitorStoreTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = Private | UnixFileMode.UserExecute;

    private static readonly DateTimeOffset s_start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-monitorstore").FullName;

    private string StorePath => Path.Combine(_directory, "monitor.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Open_CreatesTheDirectory0700_AndTheFileAndItsWalAndShm0600()
    {
        string path = Path.Combine(_directory, "state", MonitorStore.FileName);

        using MonitorStore store = MonitorStore.Open(path);
        store.Add("ops", Message("peer_down:a", s_start), s_start);

        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.Equal(Private, File.GetUnixFileMode(path));
        Assert.Equal(Private, File.GetUnixFileMode(path + "-wal"));
        Assert.Equal(Private, File.GetUnixFileMode(path + "-shm"));
    }

    [Fact]
    public void DefaultPath_IsBesideTheGuardsStore()
    {
        Assert.Equal(Path.GetDirectoryName(BanStore.DefaultPath), Path.GetDirectoryName(MonitorStore.DefaultPath));
        Assert.Equal("monitor.db", Path.GetFileName(MonitorStore.DefaultPath));
    }

    [Fact]
    public void Open_ASymbolicLinkToAnotherFile_IsRefused_AndTheTargetIsUntouched()
    {
        string target = Path.Combine(_directory, "someone-elses");
        File.WriteAllText(target, "not yours");
        File.CreateSymbolicLink(StorePath, target);

        StoreException error = Assert.Throws<StoreException>(() => MonitorStore.Open(StorePath));

        Assert.StartsWith($"{StorePath}: it is a symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Equal("not yours", File.ReadAllText(target));
        Assert.False(File.Exists(target + "-wal"));
    }

    [Fact]
    public void Open_ADanglingSymbolicLink_IsRefused_AndNothingIsCreatedWhereItPoints()
    {
        string target = Path.Combine(_directory, "elsewhere.db");
        File.CreateSymbolicLink(StorePath, target);

        Assert.Throws<StoreException>(() => MonitorStore.Open(StorePath));

        Assert.False(File.Exists(target));
    }

    [Fact]
    public void Open_ARandomBytesFile_SaysToMoveItAside_AndLeavesItAlone()
    {
        byte[] garbage = new byte[8192];
        new Random(11).NextBytes(garbage);
        File.WriteAllBytes(StorePath, garbage);

        StoreException error = Assert.Throws<StoreException>(() => MonitorStore.Open(StorePath));

        Assert.Equal($"{StorePath}: file is not a database (move the file aside to start an empty monitor store)", error.Message);
        Assert.Equal(garbage, File.ReadAllBytes(StorePath));
    }

    [Fact]
    public void Open_ASchemaFromANewerHolt_IsRefused()
    {
        using (MonitorStore.Open(StorePath))
        {
        }

        using (SqliteDatabase database = SqliteDatabase.Open(StorePath, TimeSpan.Zero))
        {
            database.Execute($"PRAGMA user_version = {MonitorStore.SchemaVersion + 1}");
        }

        StoreException error = Assert.Throws<StoreException>(() => MonitorStore.Open(StorePath));

        Assert.StartsWith($"{StorePath}: written by a newer Holt (schema version {MonitorStore.SchemaVersion + 1};", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("move the file aside to start an empty monitor store", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UsesWalJournalMode_AndWritesTheSchemaVersion()
    {
        using (MonitorStore.Open(StorePath))
        {
        }

        using SqliteDatabase database = SqliteDatabase.Open(StorePath, TimeSpan.Zero);
        using SqliteStatement mode = database.Prepare("PRAGMA journal_mode");
        using SqliteStatement version = database.Prepare("PRAGMA user_version");
        Assert.Equal(["wal"], mode.Query(row => row.Text(0)));
        Assert.Equal([(long)MonitorStore.SchemaVersion], version.Query(row => row.Int64(0)));
    }

    [Fact]
    public void Runs_AStartAfterARunThatNeverStopped_IsUnclean_ACleanStopIsNot_AndEachInterfaceCountsItsOwn()
    {
        using (MonitorStore store = MonitorStore.Open(StorePath))
        {
            Assert.Equal(new DaemonRuns(1, 0, false, null), store.StartRun("wg0", s_start));
            Assert.Equal(new DaemonRuns(1, 0, false, null), store.StartRun("wg1", s_start));
        }

        // wg0's first run was never ended (a kill -9); its second ends cleanly, and the third start is clean.
        DateTimeOffset second = s_start.AddMinutes(5);
        using (MonitorStore store = MonitorStore.Open(StorePath))
        {
            Assert.Equal(new DaemonRuns(2, 1, true, second), store.StartRun("wg0", second));
            store.EndRun("wg0", second);
        }

        using (MonitorStore store = MonitorStore.Open(StorePath))
        {
            Assert.Equal(new DaemonRuns(3, 1, false, second), store.StartRun("wg0", s_start.AddMinutes(9)));

            // Ending a run that is not the current one (a second daemon's stop) leaves the current one open.
            store.EndRun("wg0", second);
            Assert.Equal(new DaemonRuns(4, 2, true, s_start.AddMinutes(12)), store.StartRun("wg0", s_start.AddMinutes(12)));
            store.EndRun("wg1", s_start);
            Assert.Equal(new DaemonRuns(2, 0, false, null), store.StartRun("wg1", s_start.AddMinutes(12)));
        }
    }

    [Fact]
    public void Open_AFileOfSchemaVersion1_GetsTheRunsTable_AndKeepsItsAlerts()
    {
        using (MonitorStore store = MonitorStore.Open(StorePath))
        {
            store.Save(new AlertRecord("peer_down:KEY", "peer_down", AlertPhase.Firing, s_start, s_start, null));
        }

        using (SqliteDatabase database = SqliteDatabase.Open(StorePath, TimeSpan.Zero))
        {
            database.Execute("DROP TABLE runs; PRAGMA user_version = 1");
        }

        using MonitorStore reopened = MonitorStore.Open(StorePath);
        Assert.Equal(new DaemonRuns(1, 0, false, null), reopened.StartRun("wg0", s_start));
        Assert.Equal("peer_down:KEY", Assert.Single(reopened.Load()).Key);
    }

    [Fact]
    public void Ledger_SaveLoadAndRemove_RoundTripEveryField_AcrossAReopen()
    {
        AlertMessage firing = Message("peer_down:KEY", s_start);
        using (MonitorStore store = MonitorStore.Open(StorePath))
        {
            store.Save(new AlertRecord("peer_down:KEY", "peer_down", AlertPhase.Firing, s_start.AddMilliseconds(250), s_start, firing));
            store.Save(new AlertRecord("check_failing:web", "check_failing", AlertPhase.Pending, s_start, null, null));
            store.Save(new AlertRecord("peer_stale:OTHER", "peer_stale", AlertPhase.Resolving, s_start, s_start, null));
            store.Save(new AlertRecord("peer_stale:OTHER", "peer_stale", AlertPhase.Inactive, s_start.AddMinutes(5), null, null));
        }

        using MonitorStore reopened = MonitorStore.Open(StorePath);
        IReadOnlyList<AlertRecord> loaded = reopened.Load();

        Assert.Equal(["check_failing:web", "peer_down:KEY"], loaded.Select(r => r.Key));
        AlertRecord down = loaded[1];
        Assert.Equal(("peer_down", AlertPhase.Firing, s_start.AddMilliseconds(250), s_start), (down.Rule, down.Phase, down.Since!.Value, down.FiredAt!.Value));
        Assert.Equal(firing.Summary, down.Last!.Summary);
        Assert.Equal(firing.Labels, down.Last.Labels);
        Assert.Equal(firing.StartsAt, down.Last.StartsAt);
        Assert.Equal(AlertSeverity.Critical, down.Last.Severity);
        Assert.Null(loaded[0].FiredAt);
        Assert.Null(loaded[0].Last);
    }

    [Fact]
    public void Ledger_SaveAgain_ReplacesTheAlertsPhase()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        store.Save(new AlertRecord("peer_down:KEY", "peer_down", AlertPhase.Pending, s_start, null, null));
        store.Save(new AlertRecord("peer_down:KEY", "peer_down", AlertPhase.Firing, s_start.AddMinutes(2), s_start.AddMinutes(2), null));

        AlertRecord only = Assert.Single(store.Load());
        Assert.Equal((AlertPhase.Firing, s_start.AddMinutes(2)), (only.Phase, only.FiredAt!.Value));
    }

    [Fact]
    public void AlertHistory_IsOldestFirst_FromTheGivenTime_ResolvedByTheirEnd()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        AlertMessage early = Message("a", s_start);
        AlertMessage firing = Message("b", s_start.AddHours(1));
        AlertMessage resolved = firing with { EndsAt = s_start.AddHours(3) };
        store.Append(resolved);
        store.Append(early);
        store.Append(firing);

        Assert.Equal(
            [(firing.Key, false), (resolved.Key, true)],
            store.History(s_start.AddMinutes(30)).Select(m => (m.Key, m.Resolved)));
        Assert.Equal(3, store.History(DateTimeOffset.MinValue).Count);
    }

    [Fact]
    public void AlertHistory_OlderThanItsRetention_IsPrunedByTheHistory()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        store.Append(Message("old", s_start));
        store.Append(Message("new", s_start.AddDays(80)));

        store.Prune(s_start.AddDays(91));

        Assert.Equal(["new"], store.History(DateTimeOffset.MinValue).Select(m => m.Key));
    }

    [Fact]
    public void Outbox_AddDueRetryDeliveredAbandon()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        store.Add("ops", Message("a", s_start), s_start);
        store.Add("ntfy", Message("a", s_start), s_start);
        store.Add("ops", Message("b", s_start), s_start.AddSeconds(1));

        IReadOnlyList<OutboxItem> due = store.Due(s_start.AddSeconds(1), 10);
        Assert.Equal([("ops", "a"), ("ntfy", "a"), ("ops", "b")], due.Select(i => (i.Notifier, i.Message.Key)));
        Assert.DoesNotContain(store.Due(s_start, 10), i => i.Message.Key == "b");
        Assert.Equal(2, store.Due(s_start.AddSeconds(1), 2).Count);

        store.Retry(due[0].Id, 1, s_start.AddMinutes(1), "connection refused");
        store.Delivered(due[1].Id);
        store.Abandon(due[2].Id, "notifier removed from holt.toml");

        Assert.Empty(store.Due(s_start.AddSeconds(59), 10));
        OutboxItem retried = Assert.Single(store.Due(s_start.AddMinutes(1), 10));
        Assert.Equal((due[0].Id, 1, s_start.AddMinutes(1)), (retried.Id, retried.Attempts, retried.NextAttempt));
        Assert.Equal(1, store.OutboxCount());
    }

    [Fact]
    public void Outbox_SurvivesACloseAndOpen()
    {
        using (MonitorStore store = MonitorStore.Open(StorePath))
        {
            store.Add("ops", Message("peer_down:KEY", s_start), s_start);
        }

        using MonitorStore reopened = MonitorStore.Open(StorePath);
        OutboxItem item = Assert.Single(reopened.Due(s_start, 10));
        Assert.Equal(("ops", "peer_down:KEY", 0), (item.Notifier, item.Message.Key, item.Attempts));
    }

    [Fact]
    public void Outbox_PastItsCapacity_DropsTheOldest()
    {
        using MonitorStore store = MonitorStore.Open(StorePath, HistoryLimits.Default with { OutboxCapacity = 3 });
        for (int i = 0; i < 5; i++)
        {
            store.Add("ops", Message($"m{i}", s_start), s_start);
        }

        Assert.Equal(["m2", "m3", "m4"], store.Due(s_start, 10).Select(i => i.Message.Key));
    }

    [Fact]
    public void Outbox_ARowThatIsNoMessage_IsDroppedAndTheOthersAreDue()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        store.Add("ops", Message("good", s_start), s_start);
        using (SqliteDatabase database = SqliteDatabase.Open(StorePath, TimeSpan.FromSeconds(5)))
        {
            database.Execute("INSERT INTO outbox (notifier, message, next_attempt) VALUES ('ops', '{\"key\": 1', 0)");
        }

        Assert.Equal(["good"], store.Due(s_start, 10).Select(i => i.Message.Key));
        Assert.Equal(1, store.OutboxCount());
    }

    [Fact]
    public async Task TwoStoresOnOneFile_ADaemonAndACommand_WriteAtOnce_AndSeeEachOthersWrites()
    {
        using MonitorStore daemon = MonitorStore.Open(StorePath);
        using MonitorStore command = MonitorStore.Open(StorePath);
        const int Each = 200;

        Task first = Task.Run(() =>
        {
            for (int i = 0; i < Each; i++)
            {
                daemon.Add("ops", Message($"daemon{i}", s_start), s_start);
                daemon.Save(new AlertRecord($"d{i % 7}", "peer_down", AlertPhase.Firing, s_start, s_start, null));
            }
        });
        Task second = Task.Run(() =>
        {
            for (int i = 0; i < Each; i++)
            {
                command.Add("ops", Message($"command{i}", s_start), s_start);
                command.Append(Message($"c{i}", s_start));
            }
        });
        await Task.WhenAll(first, second);

        Assert.Equal(2 * Each, daemon.Due(s_start, 1000).Count);
        Assert.Equal(2 * Each, command.OutboxCount());
        Assert.Equal(7, command.Load().Count);
        Assert.Equal(Each, daemon.History(DateTimeOffset.MinValue).Count);
    }

    [Fact]
    public void AfterDispose_CallsThrowObjectDisposed()
    {
        MonitorStore store = MonitorStore.Open(StorePath);
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.Add("ops", Message("a", s_start), s_start));
    }

    internal static AlertMessage Message(string key, DateTimeOffset at) => new()
    {
        Key = key,
        Rule = "peer_down",
        Severity = AlertSeverity.Critical,
        Summary = "expected peer home is down",
        Description = "last handshake 300 s ago",
        Labels = new Dictionary<string, string> { ["alertname"] = "HoltPeerDown", ["peer"] = "home", ["interface"] = "wg0" },
        StartsAt = at,
    };
}
