using Holt.Monitor;

namespace Holt.Tests.Monitor;

/// <summary>A peer's state from its samples, in virtual time: every threshold follows WireGuard's timers.</summary>
public sealed class PeerTrackerTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly PeerExpectation s_keepalive = new(Enabled: true, TimeSpan.FromSeconds(25), Expected: true);
    private static readonly PeerExpectation s_quiet = new(Enabled: true, TimeSpan.Zero, Expected: false);

    [Fact]
    public void KeepalivePeer_HandshakingAsTheProtocolSays_IsUpForAnHour()
    {
        var tracker = new PeerTracker();
        DateTimeOffset handshake = s_start;
        ulong tx = 0;
        for (int second = 0; second <= 3600; second += 5)
        {
            DateTimeOffset now = s_start.AddSeconds(second);
            // The client rekeys with its first keepalive after the session is 120 s old: every 125 s at the worst.
            if (now - handshake >= TimeSpan.FromSeconds(125))
            {
                handshake = now;
            }

            tx += 32;
            PeerHealth health = tracker.Observe(new PeerSample(now, handshake, tx, tx, "198.51.100.7:51820"), s_keepalive);

            Assert.Equal(PeerState.Up, health.State);
        }

        Assert.Equal(s_start, tracker.Health!.Since);
    }

    [Fact]
    public void KeepalivePeer_ThatStopsHandshaking_TurnsStaleWhenOverdue_ThenDownPastEveryRetry()
    {
        var tracker = new PeerTracker();
        var seen = new List<(int Second, PeerState State)>();
        for (int second = 0; second <= 400; second++)
        {
            PeerHealth health = tracker.Observe(new PeerSample(s_start.AddSeconds(second), s_start, 100, 100, "198.51.100.7:51820"), s_keepalive);
            if (seen.Count == 0 || seen[^1].State != health.State)
            {
                seen.Add((second, health.State));
            }
        }

        // Due within 120 + 25 + 15 = 160 s; its client retries for 90 s more.
        Assert.Equal([(0, PeerState.Up), (161, PeerState.Stale), (251, PeerState.Down)], seen);
        Assert.Equal(s_start.AddSeconds(251), tracker.Health!.Since);
        Assert.Equal("last handshake 400 s ago, past every retry; with keepalive every 25 s it handshakes at least every 160 s", tracker.Health.Why);
    }

    [Fact]
    public void PeerWithoutKeepalive_QuietForTenMinutes_IsIdle_NeverDown()
    {
        var tracker = new PeerTracker();
        var states = new HashSet<PeerState>();
        for (int second = 0; second <= 600; second += 5)
        {
            states.Add(tracker.Observe(new PeerSample(s_start.AddSeconds(second), s_start, 4096, 4096, null), s_quiet).State);
        }

        Assert.Equal([PeerState.Up, PeerState.Idle], states.Order());
        Assert.Equal(PeerState.Idle, tracker.Health!.State);
        Assert.Equal(s_start.AddSeconds(185), tracker.Health.Since);
        Assert.Contains("without keepalive that is normal", tracker.Health.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void PeerWithoutKeepalive_TheGatewaySendsInVain_IsDownAfterTheMargin()
    {
        var tracker = new PeerTracker();
        for (int second = 0; second <= 300; second += 5)
        {
            tracker.Observe(new PeerSample(s_start.AddSeconds(second), s_start, 4096, 4096, null), s_quiet);
        }

        // The gateway has something for it: initiations (148 bytes each) every 5 s, never answered.
        ulong tx = 4096;
        PeerHealth health = tracker.Health!;
        for (int second = 305; second <= 320; second += 5)
        {
            tx += 148;
            health = tracker.Observe(new PeerSample(s_start.AddSeconds(second), s_start, 4096, tx, null), s_quiet);
        }

        Assert.Equal(PeerState.Idle, health.State);
        tx += 148;
        health = tracker.Observe(new PeerSample(s_start.AddSeconds(325), s_start, 4096, tx, null), s_quiet);
        Assert.Equal(PeerState.Down, health.State);
        Assert.Equal("the gateway has sent to it for 20 s without a handshake back; last handshake 325 s ago", health.Why);

        // It answers: a fresh session.
        health = tracker.Observe(new PeerSample(s_start.AddSeconds(330), s_start.AddSeconds(329), 4300, tx + 148, "203.0.113.9:4500"), s_quiet);
        Assert.Equal(PeerState.Up, health.State);
    }

    [Fact]
    public void PeerWithoutKeepalive_SendingThatIsAnsweredAtOnce_NeverLooksDown()
    {
        var tracker = new PeerTracker();
        DateTimeOffset handshake = s_start;
        ulong tx = 0;
        for (int second = 0; second <= 3600; second += 5)
        {
            DateTimeOffset now = s_start.AddSeconds(second);
            // Every 10 minutes the gateway has something for it, and it answers within the same sample.
            if (second % 600 == 300)
            {
                tx += 148 + 1000;
                handshake = now;
            }

            Assert.NotEqual(PeerState.Down, tracker.Observe(new PeerSample(now, handshake, tx, tx, null), s_quiet).State);
        }
    }

    [Fact]
    public void NeverHandshaked_IsNever_AndSaysWhenItsInitiationsGoUnanswered()
    {
        var tracker = new PeerTracker();

        PeerHealth first = tracker.Observe(new PeerSample(s_start, null, 0, 0, null), s_keepalive);
        PeerHealth trying = tracker.Observe(new PeerSample(s_start.AddSeconds(5), null, 0, 148, null), s_keepalive);
        PeerHealth waited = tracker.Observe(new PeerSample(s_start.AddSeconds(25), null, 0, 740, null), s_keepalive);

        Assert.Equal((PeerState.Never, "never handshaked"), (first.State, first.Why));
        Assert.Equal((PeerState.Never, "never handshaked"), (trying.State, trying.Why));
        Assert.Equal(PeerState.Never, waited.State);
        Assert.Equal("never handshaked; the gateway's handshake initiations have gone unanswered for 20 s", waited.Why);
        Assert.Equal(s_start, waited.Since);
    }

    [Fact]
    public void Disabled_IsDisabled_WhateverTheCountersSay()
    {
        var tracker = new PeerTracker();

        PeerHealth health = tracker.Observe(new PeerSample(s_start, s_start.AddDays(-3), 1, 1, null), s_keepalive with { Enabled = false });

        Assert.Equal(PeerState.Disabled, health.State);
    }

    [Fact]
    public void CountersStartingAgain_AfterTheSessionEnded_AreNotTakenForSending()
    {
        var tracker = new PeerTracker();
        tracker.Observe(new PeerSample(s_start.AddSeconds(200), s_start, 9000, 9000, null), s_quiet);

        // The peer was recreated on the interface (a restart): its counters start from zero and grow a little.
        tracker.Observe(new PeerSample(s_start.AddSeconds(205), s_start, 0, 0, null), s_quiet);
        PeerHealth health = tracker.Observe(new PeerSample(s_start.AddSeconds(300), s_start, 0, 0, null), s_quiet);

        Assert.Equal(PeerState.Idle, health.State);
    }

    [Fact]
    public void ASessionThatComesBack_StartsTheStateAfresh()
    {
        var tracker = new PeerTracker();
        tracker.Observe(new PeerSample(s_start.AddSeconds(300), s_start, 0, 0, null), s_keepalive);
        Assert.Equal(PeerState.Down, tracker.Health!.State);

        PeerHealth back = tracker.Observe(new PeerSample(s_start.AddSeconds(310), s_start.AddSeconds(309), 32, 32, "198.51.100.8:1024"), s_keepalive);

        Assert.Equal(PeerState.Up, back.State);
        Assert.Equal(s_start.AddSeconds(310), back.Since);
        Assert.Equal("handshake 1 s ago", back.Why);
    }

    [Fact]
    public void Sessions_RecordWhenAPeerCameUpAndWentAway_FromWhere_AndWhatItMoved()
    {
        var tracker = new PeerTracker();
        DateTimeOffset handshake = s_start;
        ulong rx = 1000;
        ulong tx = 2000;
        string endpoint = "198.51.100.7:51820";
        for (int second = 0; second <= 300; second += 5)
        {
            DateTimeOffset now = s_start.AddSeconds(second);
            if (second == 120)
            {
                // It roams, and the interface recreated it (its counters start again).
                handshake = now;
                endpoint = "203.0.113.4:4500";
                rx = 0;
                tx = 0;
            }

            if (second <= 150)
            {
                rx += 100;
                tx += 10;
            }

            tracker.Observe(new PeerSample(now, handshake, rx, tx, endpoint), s_keepalive);
        }

        // Up from 0 s; no handshake after 120 s, so stale at 285 s: the session ended there.
        PeerSession session = Assert.Single(tracker.Sessions);
        Assert.Equal(s_start, session.Start);
        Assert.Equal(s_start.AddSeconds(285), session.End);
        Assert.Equal("203.0.113.4:4500", session.Endpoint);
        Assert.Equal(1, session.EndpointChanges);
        // Counted from the first sample: 23 growths before the reset, the 100 the fresh counters show at 120 s, and
        // 6 growths after it.
        Assert.Equal(30UL * 100, session.RxBytes);
        Assert.Equal(30UL * 10, session.TxBytes);

        // Back: a second session opens, and stays open.
        tracker.Observe(new PeerSample(s_start.AddSeconds(305), s_start.AddSeconds(304), 50, 50, endpoint), s_keepalive);
        Assert.Equal(2, tracker.Sessions.Count);
        Assert.Null(tracker.Sessions[1].End);
        Assert.Equal(s_start.AddSeconds(305), tracker.Sessions[1].Start);
    }

    [Fact]
    public void Sessions_KeepOnlyTheRecentOnes()
    {
        var tracker = new PeerTracker();
        for (int i = 0; i < 20; i++)
        {
            DateTimeOffset up = s_start.AddSeconds(i * 1000);
            tracker.Observe(new PeerSample(up, up, 0, 0, null), s_quiet);
            tracker.Observe(new PeerSample(up.AddSeconds(500), up, 0, 0, null), s_quiet);
        }

        Assert.Equal(PeerTracker.SessionsKept, tracker.Sessions.Count);
        Assert.Equal(s_start.AddSeconds(19_000), tracker.Sessions[^1].Start);
    }

    [Fact]
    public void APeerRecreatedOnTheInterface_KeepsItsLastHandshake_AndIsNotNever()
    {
        var tracker = new PeerTracker();
        tracker.Observe(new PeerSample(s_start, s_start, 500, 500, "198.51.100.7:51820"), s_keepalive);

        PeerHealth gone = tracker.Observe(new PeerSample(s_start.AddSeconds(5), null, 0, 0, null), s_keepalive);
        PeerHealth later = tracker.Observe(new PeerSample(s_start.AddSeconds(200), null, 0, 0, null), s_keepalive);

        Assert.Equal((PeerState.Up, "handshake 5 s ago"), (gone.State, gone.Why));
        Assert.Equal(PeerState.Stale, later.State);
    }
}
