using Holt.Monitor.Notify;
using Holt.Storage;

namespace Holt.Monitor;

/// <summary>
/// The alert ledger as the monitor uses it: a write the store refuses (a full disk, a locked or damaged file) is
/// said through <c>failed</c> and the round goes on. The alert's state stays right in memory; only a restart
/// before the store takes writes again would forget it.
/// </summary>
internal sealed class SturdyLedger(IAlertLedger inner, Action<StoreException> failed) : IAlertLedger
{
    public IReadOnlyList<AlertRecord> Load()
    {
        try
        {
            return inner.Load();
        }
        catch (StoreException e)
        {
            failed(e);
            return [];
        }
    }

    public void Save(AlertRecord record) => Try(() => inner.Save(record));

    public void Append(AlertMessage message) => Try(() => inner.Append(message));

    public IReadOnlyList<AlertMessage> History(DateTimeOffset since) => inner.History(since);

    private void Try(Action write)
    {
        try
        {
            write();
        }
        catch (StoreException e)
        {
            failed(e);
        }
    }
}

/// <summary>
/// The outbox as the monitor uses it: a message the store cannot take (a full disk) waits in memory instead and is
/// sent from there, so no alert is lost while the daemon runs. Messages in memory have negative ids.
/// </summary>
internal sealed class SturdyOutbox(IOutbox inner, Action<StoreException> failed) : IOutbox
{
    private readonly MemoryOutbox _spilled = new();

    public void Add(string notifier, AlertMessage message, DateTimeOffset now)
    {
        try
        {
            inner.Add(notifier, message, now);
        }
        catch (StoreException e)
        {
            failed(e);
            _spilled.Add(notifier, message, now);
        }
    }

    public IReadOnlyList<OutboxItem> Due(DateTimeOffset now, int max)
    {
        List<OutboxItem> due = [.. _spilled.Due(now, max).Select(i => i with { Id = -i.Id })];
        if (due.Count < max)
        {
            try
            {
                due.AddRange(inner.Due(now, max - due.Count));
            }
            catch (StoreException e)
            {
                failed(e);
            }
        }

        return due;
    }

    public void Delivered(long id) => On(id, () => _spilled.Delivered(-id), () => inner.Delivered(id));

    public void Retry(long id, int attempts, DateTimeOffset next, string error) =>
        On(id, () => _spilled.Retry(-id, attempts, next, error), () => inner.Retry(id, attempts, next, error));

    public void Abandon(long id, string reason) => On(id, () => _spilled.Abandon(-id, reason), () => inner.Abandon(id, reason));

    private void On(long id, Action spilled, Action stored)
    {
        if (id < 0)
        {
            spilled();
            return;
        }

        try
        {
            stored();
        }
        catch (StoreException e)
        {
            failed(e);
        }
    }
}
