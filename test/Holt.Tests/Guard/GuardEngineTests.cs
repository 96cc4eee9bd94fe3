using System.Net;
using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>The guard's decisions: jails, ignore rules, the recidive jail, the ban store and a restart.</summary>
public sealed class GuardEngineTests : IDisposable
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress s_attacker = IPAddress.Parse("203.0.113.9");
    private static readonly IPAddress s_operator = IPAddress.Parse("198.51.100.7");

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-guardengine").FullName;
    private readonly RecordingSink _sink = new();
    private readonly List<string> _log = [];

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void MaxRetryFailures_WithinFindTime_BanForBanTime_InKernelStoreAndLog()
    {
        using BanStore store = Store();
        GuardEngine engine = Engine(Config(maxretry: 3), store);

        Assert.Null(engine.Fail("sshd", new Failure(s_attacker, s_start), s_start));
        Assert.Null(engine.Fail("sshd", new Failure(s_attacker, s_start.AddSeconds(1)), s_start.AddSeconds(1)));
        BanDecision? ban = engine.Fail("sshd", new Failure(s_attacker, s_start.AddSeconds(2)), s_start.AddSeconds(2));

        Assert.NotNull(ban);
        Assert.Equal([(Host(s_attacker), TimeSpan.FromHours(1), "sshd")], _sink.Bans);
        StoredBan stored = Assert.Single(store.Active(s_start.AddSeconds(3)));
        Assert.Equal((Host(s_attacker), "sshd", s_start.AddSeconds(2).AddHours(1), 1), (stored.Network, stored.Jail, stored.ExpiresAt, stored.Count));
        Assert.Equal("banned 203.0.113.9 in jail sshd for 1h (3 failures within 10m; ban #1)", Assert.Single(_log));
        Assert.Equal(3, engine.Failures["sshd"]);
    }

    [Fact]
    public void HeldBans_GoIntoForceTogether_WhenFlushed()
    {
        using BanStore store = Store();
        GuardEngine engine = Engine(Config(maxretry: 1), store);

        engine.Hold();
        Assert.NotNull(engine.Fail("sshd", new Failure(s_attacker, s_start), s_start));
        Assert.NotNull(engine.Fail("sshd", new Failure(s_operator, s_start), s_start));
        Assert.Empty(_sink.Bans);
        Assert.Empty(store.Active(s_start));
        Assert.Empty(_log);

        engine.Flush();
        Assert.Equal(1, _sink.Calls);
        Assert.Equal([Host(s_attacker), Host(s_operator)], _sink.Bans.Select(b => b.Network));
        Assert.Equal(2, store.Active(s_start).Count);
        Assert.Equal(2, _log.Count);

        // Outside a hold, a ban takes effect as it is decided.
        Assert.NotNull(engine.Fail("sshd", new Failure(IPAddress.Parse("192.0.2.44"), s_start), s_start));
        Assert.Equal((2, 3), (_sink.Calls, _sink.Bans.Count));
    }

    [Fact]
    public void FailuresSpreadWiderThanFindTime_AreNoBan()
    {
        GuardEngine engine = Engine(Config(maxretry: 3), store: null);

        for (int i = 0; i < 10; i++)
        {
            DateTimeOffset at = s_start.AddMinutes(6 * i);
            Assert.Null(engine.Fail("sshd", new Failure(s_attacker, at), at));
        }

        Assert.Empty(_sink.Bans);
    }

    [Fact]
    public void IgnoredAddress_NeverCountsOrBans()
    {
        GuardEngine engine = Engine(Config(maxretry: 1), store: null, ignored: a => a.Equals(s_operator) ? "ignoreip" : null);

        for (int i = 0; i < 20; i++)
        {
            Assert.Null(engine.Fail("sshd", new Failure(s_operator, s_start.AddSeconds(i)), s_start.AddSeconds(i)));
        }

        Assert.Empty(_sink.Bans);
        Assert.Equal(20, engine.Ignored);
        Assert.NotNull(engine.Fail("sshd", new Failure(s_attacker, s_start), s_start));
    }

    [Fact]
    public void MappedIPv6Failure_IsBannedAsIPv4()
    {
        GuardEngine engine = Engine(Config(maxretry: 1), store: null);

        _ = engine.Fail("sshd", new Failure(IPAddress.Parse("::ffff:203.0.113.9"), s_start), s_start);

        Assert.Equal(Host(s_attacker), Assert.Single(_sink.Bans).Network);
    }

    [Fact]
    public void IPv6Failures_AreBannedAsOneAddress()
    {
        GuardEngine engine = Engine(Config(maxretry: 2), store: null);
        IPAddress v6 = IPAddress.Parse("2001:db8::9");

        _ = engine.Fail("sshd", new Failure(v6, s_start), s_start);
        _ = engine.Fail("sshd", new Failure(v6, s_start), s_start);

        Assert.Equal(IPNetwork.Parse("2001:db8::9/128"), Assert.Single(_sink.Bans).Network);
    }

    [Fact]
    public void BacklogBan_LastsFromTheFailure_AndOneFullyInThePast_IsNotApplied()
    {
        GuardEngine engine = Engine(Config(maxretry: 1), store: null);

        // A ban earned 20 minutes ago has 40 minutes left; one earned 2 hours ago has none.
        _ = engine.Fail("sshd", new Failure(s_attacker, s_start.AddMinutes(-20)), s_start);
        _ = engine.Fail("sshd", new Failure(s_operator, s_start.AddHours(-2)), s_start);

        Assert.Equal([(Host(s_attacker), TimeSpan.FromMinutes(40), "sshd")], _sink.Bans);
    }

    [Fact]
    public void UnknownJail_IsIgnored()
    {
        GuardEngine engine = Engine(Config(maxretry: 1), store: null);

        Assert.Null(engine.Fail("nginx", new Failure(s_attacker, s_start), s_start));
        Assert.Empty(_sink.Bans);
    }

    [Fact]
    public void RepeatOffender_GetsTheRecidiveBan_WhichReplacesTheShorterOne()
    {
        GuardConfig config = Config(maxretry: 1) with
        {
            Recidive = new JailLimits { MaxRetry = 3, FindTime = TimeSpan.FromDays(1), BanTime = TimeSpan.FromDays(7) },
        };
        GuardEngine engine = Engine(config, store: null);

        for (int i = 0; i < 3; i++)
        {
            // Each ban lasts an hour; the address comes back two hours later.
            DateTimeOffset at = s_start.AddHours(2 * i);
            _ = engine.Fail("sshd", new Failure(s_attacker, at), at);
        }

        Assert.Equal(
            [(Host(s_attacker), TimeSpan.FromHours(1), "sshd"), (Host(s_attacker), TimeSpan.FromHours(1), "sshd"),
             (Host(s_attacker), TimeSpan.FromHours(1), "sshd"), (Host(s_attacker), TimeSpan.FromDays(7), "recidive")],
            _sink.Bans);
        Assert.Contains("banned 203.0.113.9 in jail recidive for 1w (3 bans within 1d; ban #1)", _log);
    }

    [Fact]
    public void BanTimeIncrement_GrowsByTheFactor_UpToMaxTime()
    {
        GuardConfig config = Config(maxretry: 1) with
        {
            Limits = new JailLimits { MaxRetry = 1, BanTime = TimeSpan.FromHours(1), Factor = 24, MaxTime = TimeSpan.FromDays(35) },
            Recidive = null,
        };
        GuardEngine engine = Engine(config, store: null);
        DateTimeOffset at = s_start;
        foreach (TimeSpan expected in new[] { TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(24), TimeSpan.FromDays(35), TimeSpan.FromDays(35) })
        {
            _ = engine.Fail("sshd", new Failure(s_attacker, at), at);
            Assert.Equal(expected, _sink.Bans[^1].Time);
            at += expected + TimeSpan.FromMinutes(1);
        }
    }

    [Fact]
    public void Restart_RestoresActiveBansWithTheirTimeLeft_AndTheBanCount()
    {
        GuardConfig config = Config(maxretry: 1) with
        {
            Limits = new JailLimits { MaxRetry = 1, BanTime = TimeSpan.FromHours(1), Factor = 24, MaxTime = TimeSpan.FromDays(35) },
        };
        using (BanStore store = Store())
        {
            _ = Engine(config, store).Fail("sshd", new Failure(s_attacker, s_start), s_start);
            store.Record(Host(s_operator), "manual", s_start, TimeSpan.FromMinutes(30), 1);
            Assert.True(store.Lift(Host(s_operator), s_start.AddMinutes(1)));
        }

        _sink.Bans.Clear();
        using (BanStore store = Store())
        {
            GuardEngine restarted = Engine(config, store);
            restarted.Restore(s_start.AddMinutes(15));

            // The active ban is back with 45 minutes; the lifted one stays lifted.
            Assert.Equal([(Host(s_attacker), TimeSpan.FromMinutes(45), "sshd")], _sink.Bans);

            // The next ban of that address is its second: a day, not an hour.
            DateTimeOffset later = s_start.AddHours(3);
            _ = restarted.Fail("sshd", new Failure(s_attacker, later), later);
            Assert.Equal(TimeSpan.FromDays(1), _sink.Bans[^1].Time);
        }
    }

    [Fact]
    public void Restart_DeletesBansThatEndedBeforeTheHistoryWindow_AndKeepsTheRest()
    {
        using BanStore store = Store();
        store.Record(Host(s_attacker), "sshd", s_start.AddDays(-90), TimeSpan.FromHours(1), 1);
        store.Record(Host(s_operator), "sshd", s_start.AddDays(-2), TimeSpan.FromHours(1), 1);

        // The default limits look back 35 days (bantime_max): the 90-day-old ban goes, the 2-day-old one stays.
        Engine(Config(maxretry: 1) with { Recidive = null }, store).Restore(s_start);

        Assert.Equal([Host(s_operator)], store.History(DateTimeOffset.MinValue).Select(b => b.Network));
    }

    [Fact]
    public void HeldBans_TheKernelRefuses_AreStillStored_AndRestoredLater()
    {
        using BanStore store = Store();
        var refusing = new RefusingSink();
        var engine = new GuardEngine(Config(maxretry: 1), refusing, store, _ => null, _log.Add);

        engine.Hold();
        _ = engine.Fail("sshd", new Failure(s_attacker, s_start), s_start);
        _ = engine.Fail("sshd", new Failure(s_operator, s_start), s_start);

        Assert.Throws<CommandException>(engine.Flush);
        Assert.Equal(2, store.Active(s_start).Count);
        Assert.Empty(_log);

        refusing.Refuse = false;
        engine.RestoreBans(s_start.AddSeconds(1));
        Assert.Equal([Host(s_operator), Host(s_attacker)], refusing.Bans.Select(b => b.Network).OrderBy(n => n.ToString(), StringComparer.Ordinal).ToList());
    }

    private sealed class RefusingSink : IBanSink
    {
        public bool Refuse { get; set; } = true;

        public List<(IPNetwork Network, TimeSpan Time, string Jail)> Bans { get; } = [];

        public void Ban(IPNetwork network, TimeSpan time, string jail) => BanAll([(network, time, jail)]);

        public void BanAll(IReadOnlyList<(IPNetwork Network, TimeSpan Time, string Jail)> bans)
        {
            if (Refuse)
            {
                throw new CommandException("nft: the ban failed");
            }

            Bans.AddRange(bans);
        }
    }

    [Fact]
    public void Restart_AdoptsTheKernelsBansThatTheStoreLacks_WithTheTimeTheyHaveLeft()
    {
        using BanStore store = Store();
        store.Record(Host(s_operator), "sshd", s_start.AddMinutes(-10), TimeSpan.FromHours(1), 1);
        var kernel = new HoldingSink(
        [
            new Ban(Host(s_operator), "sshd", TimeSpan.FromMinutes(50)),
            new Ban(Host(s_attacker), "sshd", TimeSpan.FromSeconds(600.7)),
            new Ban(Host(IPAddress.Parse("198.51.100.99")), "sshd", TimeSpan.FromMilliseconds(300)),
            new Ban(Host(IPAddress.Parse("192.0.2.50")), "nginx-other-gateway", TimeSpan.FromHours(1)),
            new Ban(Host(IPAddress.Parse("192.0.2.51")), null, TimeSpan.FromHours(1)),
        ]);

        new GuardEngine(Config(maxretry: 3), kernel, store, _ => null, _ => { }).Restore(s_start);

        // The operator's ban was stored already; the attacker's is taken in with its 600 s; one about to end is not,
        // nor those of jails this guard does not have (another gateway's guard shares the kernel's table).
        List<StoredBan> active = [.. store.Active(s_start).OrderBy(b => b.Network.ToString(), StringComparer.Ordinal)];
        Assert.Equal([Host(s_operator), Host(s_attacker)], active.Select(b => b.Network));
        Assert.Equal(s_start.AddSeconds(600), active[1].ExpiresAt);
        Assert.Equal("sshd", active[1].Jail);
    }

    [Fact]
    public void Restart_KeepsTheRecidiveWindow()
    {
        GuardConfig config = Config(maxretry: 1) with
        {
            Recidive = new JailLimits { MaxRetry = 2, FindTime = TimeSpan.FromDays(1), BanTime = TimeSpan.FromDays(7) },
        };
        using (BanStore store = Store())
        {
            _ = Engine(config, store).Fail("sshd", new Failure(s_attacker, s_start), s_start);
        }

        using (BanStore store = Store())
        {
            GuardEngine restarted = Engine(config, store);
            DateTimeOffset later = s_start.AddHours(2);
            restarted.Restore(later);
            _ = restarted.Fail("sshd", new Failure(s_attacker, later), later);

            // One ban before the restart and one after make two within a day.
            Assert.Equal("recidive", _sink.Bans[^1].Jail);
        }
    }

    private static IPNetwork Host(IPAddress address) => new(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);

    private static GuardConfig Config(int maxretry) => new()
    {
        Limits = new JailLimits { MaxRetry = maxretry },
        Recidive = null,
    };

    private BanStore Store() => BanStore.Open(Path.Combine(_directory, "guard.db"));

    private GuardEngine Engine(GuardConfig config, BanStore? store, Func<IPAddress, string?>? ignored = null) =>
        new(config, _sink, store, ignored ?? (_ => null), _log.Add);

    /// <summary>A sink that says which bans it holds, as the kernel's does.</summary>
    private sealed class HoldingSink(IReadOnlyList<Ban> held) : IBanSink
    {
        public void Ban(IPNetwork network, TimeSpan time, string jail)
        {
        }

        public IReadOnlyCollection<IPNetwork>? Held() => held.Select(b => b.Network).ToHashSet();

        public IReadOnlyList<Ban>? HeldBans() => held;
    }
}
