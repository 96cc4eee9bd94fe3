using System.Text.Json;
using Holt.Monitor;
using Holt.Monitor.Notify;
using Holt.Tests.Support;
using Holt.Tests.Uapi.Support;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Monitor.Notify;

/// <summary>
/// The dispatcher on test time against loopback receivers: one outbox entry per notifier, retries that back off,
/// what is given up and why, Alertmanager's re-posts, and no secret in any log line or outbox reason.
/// </summary>
public sealed class NotifyDispatcherTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(TestAlerts.Fired);
    private readonly RecordingOutbox _outbox = new();
    private readonly RecordingLogger _log = new();
    private readonly NotifyHttp _http = new(TimeSpan.FromSeconds(2));

    public void Dispose() => _http.Dispose();

    [Fact]
    public void Enqueue_PutsOneEntryPerNotifier_AndResolvedOnlyWhereWanted()
    {
        using NotifyDispatcher dispatcher = Dispatcher(
            Webhook("a", new Uri("http://127.0.0.1:9/")),
            Webhook("b", new Uri("http://127.0.0.1:9/")) with { Resolved = false });

        dispatcher.Enqueue(TestAlerts.Firing());
        dispatcher.Enqueue(TestAlerts.Resolved());

        Assert.Equal(["a", "b", "a"], _outbox.Items.Select(i => i.Notifier));
        Assert.Equal([false, false, true], _outbox.Items.Select(i => i.Message.Resolved));
        Assert.All(_outbox.Items, i => Assert.Equal(TestAlerts.Fired, i.NextAttempt));
    }

    [Fact]
    public async Task FailingReceiver_IsRetriedWithGrowingDelays_ThenDelivered_AndSaidOnce()
    {
        int calls = 0;
        using var receiver = new LoopbackHttp(_ => Interlocked.Increment(ref calls) <= 3 ? new HttpAnswer(503, "down for maintenance") : HttpAnswer.Ok);
        using NotifyDispatcher dispatcher = Dispatcher(Webhook("hook", receiver.Url("/")));
        dispatcher.Enqueue(TestAlerts.Firing());

        var waits = new List<TimeSpan>();
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(0, await dispatcher.PumpAsync(CancellationToken.None));
            OutboxItem item = Assert.Single(_outbox.Items);
            Assert.Equal(attempt, item.Attempts);
            waits.Add(item.NextAttempt - _time.GetUtcNow());

            // Not due before its time: nothing is sent.
            _time.Advance(item.NextAttempt - _time.GetUtcNow() - TimeSpan.FromSeconds(1));
            Assert.Equal(0, await dispatcher.PumpAsync(CancellationToken.None));
            Assert.Equal(attempt, calls);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(1, await dispatcher.PumpAsync(CancellationToken.None));
        Assert.Empty(_outbox.Items);
        Assert.Equal(4, calls);
        Assert.InRange(waits[0].TotalSeconds, 8, 12);
        Assert.InRange(waits[1].TotalSeconds, 16, 24);
        Assert.InRange(waits[2].TotalSeconds, 32, 48);
        Assert.Equal(["HTTP 503: down for maintenance", "HTTP 503: down for maintenance", "HTTP 503: down for maintenance"], _outbox.Retries);
        Assert.Single(_log.Lines, l => l.Contains("hook failed to take 1 message(s): HTTP 503: down for maintenance; trying again in", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1, 0.5, 10)]
    [InlineData(2, 0.5, 20)]
    [InlineData(6, 0.5, 320)]
    [InlineData(7, 0.5, 600)]
    [InlineData(40, 0.5, 600)]
    [InlineData(1, 0, 8)]
    [InlineData(1, 1, 12)]
    [InlineData(40, 1, 720)]
    public void Backoff_DoublesFromTenSeconds_ToTenMinutes_WithJitter(int attempts, double jitter, double seconds) =>
        Assert.Equal(seconds, NotifyDispatcher.Backoff(attempts, jitter).TotalSeconds, precision: 6);

    [Fact]
    public async Task RefusingReceiver_IsGivenUpAtOnce_WithOneLine()
    {
        using var receiver = new LoopbackHttp(_ => new HttpAnswer(404, "no such hook"));
        using NotifyDispatcher dispatcher = Dispatcher(Webhook("hook", receiver.Url("/")));
        dispatcher.Enqueue(TestAlerts.Firing());

        await dispatcher.PumpAsync(CancellationToken.None);

        Assert.Empty(_outbox.Items);
        Assert.Equal(["HTTP 404: no such hook"], _outbox.Abandoned);
        Assert.Single(_log.Lines, l => l == "Error: notify: hook refused peer_down:home: HTTP 404: no such hook; given up");
        _time.Advance(TimeSpan.FromHours(1));
        await dispatcher.PumpAsync(CancellationToken.None);
        Assert.Single(receiver.Calls);
    }

    [Fact]
    public async Task MessageOlderThanADay_IsGivenUpUnsent()
    {
        using var receiver = new LoopbackHttp();
        using NotifyDispatcher dispatcher = Dispatcher(Webhook("hook", receiver.Url("/")));
        _time.Advance(TimeSpan.FromHours(25));
        dispatcher.Enqueue(TestAlerts.Firing());

        await dispatcher.PumpAsync(CancellationToken.None);

        Assert.Empty(receiver.Calls);
        Assert.Empty(_outbox.Items);
        Assert.Equal(["not delivered within 1d"], _outbox.Abandoned);
        Assert.Contains(_log.Lines, l => l.Contains("hook did not take peer_down:home within 1d (0 attempts); given up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NotifierRemovedFromHoltToml_LosesItsMessages_OthersKeepTheirs()
    {
        using var receiver = new LoopbackHttp();
        using NotifyDispatcher dispatcher = Dispatcher(Webhook("old", receiver.Url("/old")), Webhook("kept", receiver.Url("/kept")));
        dispatcher.Enqueue(TestAlerts.Firing());

        dispatcher.Reload([Webhook("kept", receiver.Url("/kept"))]);
        await dispatcher.PumpAsync(CancellationToken.None);

        Assert.Equal("/kept", receiver.Single().Target);
        Assert.Equal(["notifier old is no longer in holt.toml"], _outbox.Abandoned);
        Assert.Contains(_log.Lines, l => l.Contains("1 message(s) for old given up: the notifier is no longer in holt.toml", StringComparison.Ordinal));
        Assert.Equal(["kept"], dispatcher.Names);
    }

    [Fact]
    public async Task Batch_GoesToTheWebhookAsOnePayload()
    {
        using var receiver = new LoopbackHttp();
        using NotifyDispatcher dispatcher = Dispatcher(Webhook("hook", receiver.Url("/")));
        dispatcher.Enqueue(TestAlerts.Firing("a"));
        dispatcher.Enqueue(TestAlerts.Firing("b"));
        dispatcher.Enqueue(TestAlerts.Resolved("c"));

        Assert.Equal(3, await dispatcher.PumpAsync(CancellationToken.None));

        using JsonDocument json = JsonDocument.Parse(receiver.Single().Body);
        Assert.Equal(["a", "b", "c"], json.RootElement.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("labels").GetProperty("peer").GetString()));
    }

    [Fact]
    public async Task TelegramToken_IsInNoLogLineAndNoOutboxReason()
    {
        const string Token = "424242:TopSecret_bot-token";
        using var echoes = new LoopbackHttp(call => new HttpAnswer(500, "upstream failed for " + call.Target));
        var dead = new LoopbackHttp();
        Uri deadUrl = dead.Url("/");
        dead.Dispose();
        using NotifyDispatcher dispatcher = Dispatcher(
            new NotifierConfig { Name = "tg", Type = NotifierType.Telegram, Url = echoes.Url("/"), Token = Token, ChatId = "7" },
            new NotifierConfig { Name = "tg-dead", Type = NotifierType.Telegram, Url = deadUrl, Token = Token, ChatId = "7" });
        dispatcher.Enqueue(TestAlerts.Firing());

        await dispatcher.PumpAsync(CancellationToken.None);

        Assert.Equal(2, _outbox.Retries.Count);
        Assert.Contains("HTTP 500: upstream failed for /bot***/sendMessage", _outbox.Retries);
        Assert.All(_outbox.Retries, r => Assert.DoesNotContain("TopSecret", r, StringComparison.Ordinal));
        Assert.Equal(2, _log.Lines.Count(l => l.Contains("failed to take", StringComparison.Ordinal)));
        _log.AssertNoneContain(Token, "TopSecret", "424242");
    }

    [Fact]
    public async Task Alertmanager_GetsFiringAlertsAgainEveryMinute_UntilResolved()
    {
        using var receiver = new LoopbackHttp();
        using NotifyDispatcher dispatcher = Dispatcher(
            new NotifierConfig { Name = "am", Type = NotifierType.Alertmanager, Url = receiver.Url("/") },
            Webhook("hook", receiver.Url("/hook")));
        AlertMessage firing = TestAlerts.Firing();
        dispatcher.Refresh([firing, AlertText.TestMessage("gw1", TestAlerts.Fired)]);

        await dispatcher.RefreshDueAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(59));
        await dispatcher.RefreshDueAsync(CancellationToken.None);
        Assert.Single(receiver.Calls);
        _time.Advance(TimeSpan.FromSeconds(1));
        await dispatcher.RefreshDueAsync(CancellationToken.None);

        HttpCall[] calls = [.. receiver.Calls];
        Assert.Equal(2, calls.Length);
        Assert.All(calls, c => Assert.Equal("/api/v2/alerts", c.Target));
        using JsonDocument second = JsonDocument.Parse(calls[1].Body);
        JsonElement alert = Assert.Single(second.RootElement.EnumerateArray().ToList());
        Assert.Equal("2026-03-01T12:05:00.000Z", alert.GetProperty("endsAt").GetString());

        // Its resolution is queued: from then on it is never posted as firing again.
        dispatcher.Enqueue(firing with { EndsAt = _time.GetUtcNow() });
        _time.Advance(TimeSpan.FromMinutes(2));
        await dispatcher.RefreshDueAsync(CancellationToken.None);
        Assert.Equal(2, receiver.Calls.Count);
    }

    [Fact]
    public void Loop_SendsAsSoonAsAMessageIsQueued_AndLeavesItQueuedWhenStopped()
    {
        using var receiver = new LoopbackHttp();
        using NotifyDispatcher dispatcher = Dispatcher(Webhook("hook", receiver.Url("/")));
        dispatcher.Start();

        dispatcher.Enqueue(TestAlerts.Firing());

        Wait.Until(() => _outbox.Items.Count == 0, "the loop delivered the message");
        Assert.Single(receiver.Calls);
        dispatcher.Stop();
        dispatcher.Enqueue(TestAlerts.Resolved());
        Assert.Single(_outbox.Items);
    }

    private static NotifierConfig Webhook(string name, Uri url) => new() { Name = name, Type = NotifierType.Webhook, Url = url };

    private NotifyDispatcher Dispatcher(params NotifierConfig[] notifiers) => new(notifiers, _outbox, _time, _log, _http);

    /// <summary>An in-memory outbox that also keeps why each message was retried or given up.</summary>
    private sealed class RecordingOutbox : IOutbox
    {
        private readonly MemoryOutbox _inner = new();

        public List<string> Retries { get; } = [];

        public List<string> Abandoned { get; } = [];

        public IReadOnlyList<OutboxItem> Items => _inner.Items;

        public void Add(string notifier, AlertMessage message, DateTimeOffset now) => _inner.Add(notifier, message, now);

        public IReadOnlyList<OutboxItem> Due(DateTimeOffset now, int max) => _inner.Due(now, max);

        public void Delivered(long id) => _inner.Delivered(id);

        public void Retry(long id, int attempts, DateTimeOffset next, string error)
        {
            lock (Retries)
            {
                Retries.Add(error);
            }

            _inner.Retry(id, attempts, next, error);
        }

        public void Abandon(long id, string reason)
        {
            lock (Abandoned)
            {
                Abandoned.Add(reason);
            }

            _inner.Abandon(id, reason);
        }
    }
}
