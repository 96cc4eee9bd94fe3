using Holt.Monitor;
using Holt.Monitor.Notify;
using Holt.Storage;

namespace Holt.Tests.Monitor;

/// <summary>A store that refuses writes (a full disk) costs a logged line, never an alert.</summary>
public sealed class SturdyAlertsTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static AlertMessage Message(string key) => new()
    {
        Key = key,
        Rule = "peer_down",
        Severity = AlertSeverity.Critical,
        Summary = "expected peer home is down",
        Description = "why",
        Labels = new Dictionary<string, string> { ["alertname"] = "HoltPeerDown" },
        StartsAt = s_now,
    };

    [Fact]
    public void OutboxThatCannotWrite_KeepsTheMessageInMemory_AndSendsItFromThere()
    {
        var store = new BrokenOutbox();
        var failures = new List<StoreException>();
        var outbox = new SturdyOutbox(store, failures.Add);

        store.Full = true;
        outbox.Add("hook", Message("a"), s_now);
        store.Full = false;
        outbox.Add("hook", Message("b"), s_now);

        IReadOnlyList<OutboxItem> due = outbox.Due(s_now, 10);
        Assert.Equal(["a", "b"], due.Select(i => i.Message.Key));
        Assert.True(due[0].Id < 0);
        Assert.Single(failures);

        outbox.Retry(due[0].Id, 1, s_now.AddSeconds(10), "HTTP 503");
        Assert.Equal(["b"], outbox.Due(s_now, 10).Select(i => i.Message.Key));
        OutboxItem again = Assert.Single(outbox.Due(s_now.AddSeconds(10), 10), i => i.Message.Key == "a");
        outbox.Delivered(again.Id);
        outbox.Delivered(due[1].Id);
        Assert.Empty(outbox.Due(s_now.AddDays(1), 10));
    }

    [Fact]
    public void LedgerThatCannotWrite_IsSaid_AndTheAlertsGoOn()
    {
        var failures = new List<StoreException>();
        var ledger = new SturdyLedger(new BrokenLedger(), failures.Add);
        var sent = new List<AlertMessage>();
        var alerting = new Alerting(AlertRules.Default, "wg0", "gw", ledger, sent.Add);

        for (DateTimeOffset now = s_now; now < s_now.AddMinutes(3); now = now.AddSeconds(5))
        {
            _ = alerting.Evaluate(new AlertInputs { InterfaceUp = true, Peers = [new PeerSignal("home", "KEY", true, true, PeerState.Down, "down", 0, 0, null)] }, now);
        }

        Assert.Single(sent);
        Assert.NotEmpty(failures);
        Assert.All(failures, f => Assert.Equal("monitor.db: database or disk is full", f.Message));
    }

    private sealed class BrokenOutbox : IOutbox
    {
        private readonly MemoryOutbox _inner = new();

        public bool Full { get; set; }

        public void Add(string notifier, AlertMessage message, DateTimeOffset now)
        {
            if (Full)
            {
                throw new StoreException("monitor.db: database or disk is full", 13);
            }

            _inner.Add(notifier, message, now);
        }

        public IReadOnlyList<OutboxItem> Due(DateTimeOffset now, int max) => _inner.Due(now, max);

        public void Delivered(long id) => _inner.Delivered(id);

        public void Retry(long id, int attempts, DateTimeOffset next, string error) => _inner.Retry(id, attempts, next, error);

        public void Abandon(long id, string reason) => _inner.Abandon(id, reason);
    }

    private sealed class BrokenLedger : IAlertLedger
    {
        public IReadOnlyList<AlertRecord> Load() => throw Full();

        public void Save(AlertRecord record) => throw Full();

        public void Append(AlertMessage message) => throw Full();

        public IReadOnlyList<AlertMessage> History(DateTimeOffset since) => [];

        private static StoreException Full() => new("monitor.db: database or disk is full", 13);
    }
}
