namespace Holt.Monitor.Notify;

/// <summary>
/// An outbox in memory: for tests, and for <c>holt monitor run</c>, which has no state store. It holds at most
/// <see cref="Capacity"/> messages; past that the oldest goes, so a notifier that is down for a day cannot grow it
/// without bound.
/// </summary>
internal sealed class MemoryOutbox(int capacity = MemoryOutbox.DefaultCapacity) : IOutbox
{
    public const int DefaultCapacity = 10_000;

    private readonly Lock _sync = new();
    private readonly SortedDictionary<long, OutboxItem> _items = [];
    private long _nextId = 1;

    public int Capacity { get; } = capacity;

    /// <summary>What waits, oldest first.</summary>
    public IReadOnlyList<OutboxItem> Items
    {
        get
        {
            lock (_sync)
            {
                return [.. _items.Values];
            }
        }
    }

    public void Add(string notifier, AlertMessage message, DateTimeOffset now)
    {
        lock (_sync)
        {
            long id = _nextId++;
            _items[id] = new OutboxItem(id, notifier, message, 0, now);
            while (_items.Count > Capacity)
            {
                _ = _items.Remove(_items.Keys.First());
            }
        }
    }

    public IReadOnlyList<OutboxItem> Due(DateTimeOffset now, int max)
    {
        lock (_sync)
        {
            return [.. _items.Values.Where(i => i.NextAttempt <= now).Take(max)];
        }
    }

    public void Delivered(long id)
    {
        lock (_sync)
        {
            _ = _items.Remove(id);
        }
    }

    public void Retry(long id, int attempts, DateTimeOffset next, string error)
    {
        lock (_sync)
        {
            if (_items.TryGetValue(id, out OutboxItem? item))
            {
                _items[id] = item with { Attempts = attempts, NextAttempt = next };
            }
        }
    }

    public void Abandon(long id, string reason)
    {
        lock (_sync)
        {
            _ = _items.Remove(id);
        }
    }
}
