namespace Holt.Monitor;

/// <summary>
/// One interface's share of <see cref="MonitorStore"/>'s alerts and outbox. Two gateways on one host (and a
/// <c>holt monitor run</c> beside them) keep their state in the same <c>monitor.db</c>; each daemon must restore
/// only its own alerts and send only its own messages, through its own notifiers. Keys and notifier names are
/// stored as <c>INTERFACE/KEY</c> and <c>INTERFACE/NOTIFIER</c>; what the daemon sees has the prefix taken off.
/// </summary>
internal sealed class InterfaceAlerts(MonitorStore store, string interfaceName) : IAlertLedger, IOutbox
{
    private readonly string _prefix = interfaceName + "/";

    public IReadOnlyList<AlertRecord> Load() =>
        [.. store.Load().Where(r => r.Key.StartsWith(_prefix, StringComparison.Ordinal)).Select(r => r with { Key = r.Key[_prefix.Length..] })];

    public void Save(AlertRecord record) => store.Save(record with { Key = _prefix + record.Key });

    public void Append(AlertMessage message) => store.Append(message);

    /// <summary>The interface's own notices: those whose <c>interface</c> label is its name.</summary>
    public IReadOnlyList<AlertMessage> History(DateTimeOffset since) =>
        [.. store.History(since).Where(m => m.Labels.TryGetValue("interface", out string? name) && name == interfaceName)];

    public void Add(string notifier, AlertMessage message, DateTimeOffset now) => store.Add(_prefix + notifier, message, now);

    public IReadOnlyList<OutboxItem> Due(DateTimeOffset now, int max) =>
        [.. store.Due(now, max, _prefix).Select(i => i with { Notifier = i.Notifier[_prefix.Length..] })];

    public void Delivered(long id) => store.Delivered(id);

    public void Retry(long id, int attempts, DateTimeOffset next, string error) => store.Retry(id, attempts, next, error);

    public void Abandon(long id, string reason) => store.Abandon(id, reason);
}
