using Holt.Monitor;

namespace Holt.Tests.Monitor;

/// <summary>
/// The history in the monitor's store, fed rounds at explicit times: what a minute and an hour hold (deltas of the
/// counters, resets, peaks, time per state, endpoints), which tier a reading comes from, and what pruning keeps.
/// </summary>
public sealed class MonitorHistoryTests : IDisposable
{
    private const string Interface = "wg0";
    private const string Key = "hFIRSTPEERKEYhFIRSTPEERKEYhFIRSTPEERKEYab=";
    private const string OtherKey = "oOTHERPEERKEYoOTHERPEERKEYoOTHERPEERKEYab=";

    private static readonly DateTimeOffset s_noon = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(5);

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-monitorhistory").FullName;

    private string StorePath => Path.Combine(_directory, "monitor.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void AMinuteOfRounds_IsOneRow_WithTheCountersGrowth_TheTimeUp_AndThePeak()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);

        // 12:00:00 to 12:01:00, 1000 bytes received and 100 sent every round; the 12:01:00 round starts the next minute.
        Feed(store, s_noon, 13, i => Round(rx: 1000UL * (ulong)i, tx: 100UL * (ulong)i));

        HistoryPoint minute = Assert.Single(Minutes(store, s_noon, s_noon.AddMinutes(1)));
        Assert.Equal(s_noon, minute.Start);
        Assert.Equal(60, minute.Seconds);
        Assert.Equal((11_000UL, 1_100UL), (minute.RxBytes, minute.TxBytes));
        Assert.Equal((200L, 20L), (minute.PeakRxRate, minute.PeakTxRate));
        Assert.Equal(55, minute.States.Up);
        Assert.Equal(55, minute.States.Observed);
        Assert.Equal(200, minute.AverageRxRate);
        Assert.Equal("up", minute.States.Mostly());
    }

    [Fact]
    public void ACounterThatGoesBackwards_CountsItsNewValueFromZero()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        ulong[] rx = [5_000, 6_000, 300, 800];

        Feed(store, s_noon, rx.Length, i => Round(rx: rx[i], tx: 0));
        store.Flush(s_noon.AddSeconds(20));

        Assert.Equal(1_000UL + 300 + 500, Assert.Single(Minutes(store, s_noon, s_noon.AddMinutes(1))).RxBytes);
    }

    [Fact]
    public void APeerMissingFromTheInterfaceForARound_IsNotTakenForACounterReset()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        ulong?[] rx = [5_000, null, 6_000];

        Feed(store, s_noon, rx.Length, i => Round(rx: rx[i], tx: rx[i]));
        store.Flush(s_noon.AddSeconds(15));

        HistoryPoint minute = Assert.Single(Minutes(store, s_noon, s_noon.AddMinutes(1)));
        Assert.Equal(1_000UL, minute.RxBytes);

        // 1000 bytes over the 10 s since the counters were last read, not over the last 5 s.
        Assert.Equal(100, minute.PeakRxRate);
    }

    [Fact]
    public void ABurst_IsThePeak_WhileTheAverageIsOverTheWholeMinute()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        ulong[] rx = [0, 0, 0, 50_000, 50_000, 50_000, 50_000, 50_000, 50_000, 50_000, 50_000, 50_000, 50_000];

        Feed(store, s_noon, rx.Length, i => Round(rx: rx[i], tx: 0));

        HistoryPoint minute = Assert.Single(Minutes(store, s_noon, s_noon.AddMinutes(1)));
        Assert.Equal(10_000, minute.PeakRxRate);
        Assert.Equal(50_000 / 55, minute.AverageRxRate);
    }

    [Fact]
    public void TheTimeInEachState_IsCounted_AndAGapIsCountedInNone()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);

        // 30 s up, 25 s down; then the monitor is away for ten minutes.
        Feed(store, s_noon, 12, i => Round(rx: 0, tx: 0, state: i <= 6 ? PeerState.Up : PeerState.Down));
        store.Record(Interface, s_noon.AddMinutes(11), [Round(rx: 0, tx: 0, state: PeerState.Down)]);
        store.Flush(s_noon.AddMinutes(11));

        List<HistoryPoint> points = Minutes(store, s_noon, s_noon.AddMinutes(12));
        Assert.Equal([s_noon], points.Select(p => p.Start));
        Assert.Equal((30L, 25L, 0.5455), (points[0].States.Up, points[0].States.Down, Math.Round(points[0].States.UpFraction!.Value, 4)));
    }

    [Fact]
    public void ByTheHour_TheMinutesAreSummed_AndAReadingOfAHourStepOrALongSpan_ComesFromTheHourRows()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);

        // Two hours and a minute of rounds, 10 bytes a round: 12 rounds a minute, 720 an hour.
        Feed(store, s_noon, 2 * 720 + 13, i => Round(rx: 10UL * (ulong)i, tx: 0));

        (HistoryTier tier, TimeSpan step, IReadOnlyList<HistoryPoint> hours) = store.History(Interface, Key, s_noon, s_noon.AddHours(3), TimeSpan.FromHours(1));
        Assert.Equal((HistoryTier.Hours, TimeSpan.FromHours(1)), (tier, step));
        Assert.Equal([s_noon, s_noon.AddHours(1), s_noon.AddHours(2)], hours.Select(p => p.Start));
        Assert.Equal([7_190UL, 7_200UL, 120UL], hours.Select(p => p.RxBytes));
        Assert.Equal([3_595L, 3_600L, 60L], hours.Select(p => p.States.Up));

        List<HistoryPoint> minutes = Minutes(store, s_noon, s_noon.AddHours(3));
        Assert.Equal(2 * 60 + 1, minutes.Count);
        Assert.Equal(hours.Sum(h => (long)h.RxBytes), minutes.Sum(m => (long)m.RxBytes));

        // A span longer than the minutes are kept reads the hours, whatever step is asked for.
        Assert.Equal(HistoryTier.Hours, store.History(Interface, Key, s_noon.AddDays(-7), s_noon.AddHours(3), TimeSpan.FromMinutes(5)).Tier);

        // A 30-minute step sums the minute rows.
        (HistoryTier halfTier, _, IReadOnlyList<HistoryPoint> halves) = store.History(Interface, Key, s_noon, s_noon.AddHours(1), TimeSpan.FromMinutes(30));
        Assert.Equal(HistoryTier.Minutes, halfTier);
        Assert.Equal([3_590UL, 3_600UL], halves.Select(p => p.RxBytes));
        Assert.Equal([1_800L, 1_800L], halves.Select(p => p.Seconds));
    }

    [Fact]
    public void AnHourInterruptedByARestart_HoldsBothParts()
    {
        using (MonitorStore store = MonitorStore.Open(StorePath))
        {
            Feed(store, s_noon, 25, i => Round(rx: 100UL * (ulong)i, tx: 0));
            store.Flush(s_noon.AddMinutes(2));
        }

        using (MonitorStore store = MonitorStore.Open(StorePath))
        {
            // The engine restarted too: its counters begin again.
            Feed(store, s_noon.AddMinutes(30), 25, i => Round(rx: 100UL * (ulong)i, tx: 0));
            store.Flush(s_noon.AddMinutes(32));
        }

        using MonitorStore reader = MonitorStore.Open(StorePath);
        HistoryPoint hour = Assert.Single(reader.History(Interface, Key, s_noon, s_noon.AddHours(1), TimeSpan.FromHours(1)).Points);
        Assert.Equal(2 * 2_400UL, hour.RxBytes);
        Assert.Equal(2 * 120L, hour.States.Up);
    }

    [Fact]
    public void TheEndpoint_IsTheLatestInEachPoint_ItsChangesCounted_EvenWhenTheRowsLeaveItOut()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);

        // From 198.51.100.7 to 203.0.113.9 at 12:00:30, then ten quiet minutes.
        Feed(store, s_noon, 12 * 10 + 1, i => Round(rx: 0, tx: 0, endpoint: i < 6 ? "198.51.100.7:51820" : "203.0.113.9:40000"));

        List<HistoryPoint> minutes = Minutes(store, s_noon.AddMinutes(5), s_noon.AddMinutes(10));
        Assert.Equal(5, minutes.Count);
        Assert.All(minutes, p => Assert.Equal("203.0.113.9:40000", p.Endpoint));
        Assert.All(minutes, p => Assert.Equal(0, p.EndpointChanges));
        HistoryPoint first = Assert.Single(Minutes(store, s_noon, s_noon.AddMinutes(1)));
        Assert.Equal(("203.0.113.9:40000", 1), (first.Endpoint, first.EndpointChanges));
        HistoryPoint hour = Assert.Single(store.History(Interface, Key, s_noon, s_noon.AddHours(1), TimeSpan.FromHours(1)).Points);
        Assert.Equal(("203.0.113.9:40000", 1), (hour.Endpoint, hour.EndpointChanges));
    }

    [Fact]
    public void TheLatestHandshake_IsTheNewestSeenInThePoint()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);

        Feed(store, s_noon, 13, i => Round(rx: 0, tx: 0, handshake: s_noon.AddSeconds(i < 8 ? 0 : 40)));

        Assert.Equal(s_noon.AddSeconds(40), Assert.Single(Minutes(store, s_noon, s_noon.AddMinutes(1))).LatestHandshake);
    }

    [Fact]
    public void EachPeer_HasItsOwnRows_AndItsLatestName()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);

        Feed(store, s_noon, 13, i => Round(rx: 10UL * (ulong)i, tx: 0), i => Round(rx: 20UL * (ulong)i, tx: 0) with { PublicKey = OtherKey, Name = i < 6 ? "phone" : "tablet" });

        Assert.Equal(110UL, Assert.Single(Minutes(store, s_noon, s_noon.AddMinutes(1))).RxBytes);
        Assert.Equal(220UL, Assert.Single(store.History(Interface, OtherKey, s_noon, s_noon.AddMinutes(1), TimeSpan.FromMinutes(1)).Points).RxBytes);
        Assert.Equal([(Key, "home"), (OtherKey, "tablet")], store.Peers(Interface));
        Assert.Empty(store.History("wg1", Key, s_noon, s_noon.AddMinutes(1), TimeSpan.FromMinutes(1)).Points);
    }

    [Fact]
    public void Prune_DeletesMinutesOlderThanTwoDays_AndHoursOlderThanNinetyDays()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        Feed(store, s_noon, 13, i => Round(rx: 10UL * (ulong)i, tx: 0));

        store.Prune(s_noon.AddHours(47));
        Assert.Single(Minutes(store, s_noon, s_noon.AddMinutes(1)));

        store.Prune(s_noon.AddHours(49));
        Assert.Empty(Minutes(store, s_noon, s_noon.AddMinutes(1)));
        Assert.Single(store.History(Interface, Key, s_noon, s_noon.AddHours(1), TimeSpan.FromHours(1)).Points);

        store.Prune(s_noon.AddDays(91));
        Assert.Empty(store.History(Interface, Key, s_noon, s_noon.AddHours(1), TimeSpan.FromHours(1)).Points);

        // Nothing refers to the peer any more: it is forgotten too.
        Assert.Empty(store.Peers(Interface));
    }

    [Fact]
    public void Prune_OverTheSizeCeiling_DropsTheOldestHistoryFirst_UntilItFits()
    {
        const long Ceiling = 160 * 1024;
        using MonitorStore store = MonitorStore.Open(StorePath, HistoryLimits.Default with { MaxBytes = Ceiling });

        // Ten peers, one round a minute for four days: well over the ceiling before any pruning.
        DateTimeOffset start = s_noon;
        for (int minute = 0; minute <= 4 * 24 * 60; minute++)
        {
            DateTimeOffset now = start.AddMinutes(minute);
            store.Record(Interface, now, [.. Enumerable.Range(0, 10).Select(p => Round(rx: (ulong)(minute * 1000), tx: 0) with { PublicKey = $"peer{p}", Name = $"p{p}" })]);
        }

        DateTimeOffset end = start.AddDays(4);
        store.Prune(end);

        Assert.True(store.UsedBytes <= Ceiling, $"{store.UsedBytes} bytes in use, over the ceiling of {Ceiling}");
        Assert.Empty(store.History(Interface, "peer0", start, start.AddDays(1), TimeSpan.FromHours(1)).Points);
        Assert.NotEmpty(store.History(Interface, "peer0", end.AddMinutes(-10), end, TimeSpan.FromMinutes(1)).Points);
    }

    [Fact]
    public void ASessionThatCloses_IsSaved_AndTheOpenOne_IsSavedOpen_ThenEndedAtFlush()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        var first = new PeerSession(s_noon, null, "198.51.100.7:51820", 0, 0, 0);
        var second = new PeerSession(s_noon.AddSeconds(30), null, "203.0.113.9:40000", 0, 0, 0);

        // Up from 12:00:00, down at 12:00:20, up again at 12:00:30 and still at 12:01:05.
        Feed(store, s_noon, 14, i => i switch
        {
            < 4 => Round(rx: 0, tx: 0) with { Session = first with { RxBytes = (ulong)i * 10 } },
            4 => Round(rx: 0, tx: 0, state: PeerState.Down) with { Session = first with { End = s_noon.AddSeconds(20), RxBytes = 40 } },
            5 => Round(rx: 0, tx: 0, state: PeerState.Down) with { Session = first with { End = s_noon.AddSeconds(20), RxBytes = 40 } },
            _ => Round(rx: 0, tx: 0) with { Session = second with { TxBytes = (ulong)i } },
        });

        IReadOnlyList<PeerSession> written = store.Sessions(Interface, Key, s_noon);
        Assert.Equal(2, written.Count);
        Assert.Equal(first with { End = s_noon.AddSeconds(20), RxBytes = 40 }, written[0]);
        Assert.Equal(second with { TxBytes = 11 }, written[1]);

        store.Flush(s_noon.AddSeconds(70));

        Assert.Equal(second with { End = s_noon.AddSeconds(70), TxBytes = 13 }, store.Sessions(Interface, Key, s_noon)[1]);
        Assert.Empty(store.Sessions(Interface, Key, s_noon.AddMinutes(2)));
    }

    [Fact]
    public void ASessionLeftOpenByAKilledDaemon_EndsWhereItWasLastSeen_AtTheNextStart()
    {
        var open = new PeerSession(s_noon, null, "198.51.100.7:51820", 0, 0, 0);
        using (MonitorStore killed = MonitorStore.Open(StorePath))
        {
            // Written open at the minute's end, last seen at 12:00:55; the daemon dies before it ever flushes.
            Feed(killed, s_noon, 13, _ => Round(rx: 0, tx: 0) with { Session = open });
            Assert.Null(Assert.Single(killed.Sessions(Interface, Key, s_noon)).End);
        }

        using MonitorStore restarted = MonitorStore.Open(StorePath);
        Feed(restarted, s_noon.AddMinutes(10), 13, _ => Round(rx: 0, tx: 0, state: PeerState.Down));

        Assert.Equal(s_noon.AddSeconds(55), Assert.Single(restarted.Sessions(Interface, Key, s_noon)).End);
    }

    [Fact]
    public void Sessions_OlderThanTheirRetention_ArePruned()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        var session = new PeerSession(s_noon, null, null, 0, 0, 0);
        Feed(store, s_noon, 2, _ => Round(rx: 0, tx: 0) with { Session = session });
        store.Flush(s_noon.AddSeconds(10));

        store.Prune(s_noon.AddDays(89));
        Assert.Single(store.Sessions(Interface, Key, DateTimeOffset.MinValue));

        store.Prune(s_noon.AddDays(91));
        Assert.Empty(store.Sessions(Interface, Key, DateTimeOffset.MinValue));
    }

    /// <summary>Rounds every 5 s from <paramref name="from"/>, each peer's made by its function of the round's index.</summary>
    private static void Feed(MonitorStore store, DateTimeOffset from, int count, params Func<int, PeerRound>[] peers)
    {
        for (int i = 0; i < count; i++)
        {
            store.Record(Interface, from + (i * s_interval), [.. peers.Select(p => p(i))]);
        }
    }

    private static PeerRound Round(ulong? rx, ulong? tx, PeerState state = PeerState.Up, string? endpoint = "198.51.100.7:51820", DateTimeOffset? handshake = null) =>
        new(Key, "home", rx, tx, state, handshake ?? s_noon, endpoint);

    private static List<HistoryPoint> Minutes(MonitorStore store, DateTimeOffset since, DateTimeOffset until)
    {
        (HistoryTier tier, _, IReadOnlyList<HistoryPoint> points) = store.History(Interface, Key, since, until, TimeSpan.FromMinutes(1));
        Assert.Equal(HistoryTier.Minutes, tier);
        return [.. points];
    }
}
