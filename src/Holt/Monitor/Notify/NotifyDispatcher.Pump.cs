using Holt.Config;
using Microsoft.Extensions.Logging;

namespace Holt.Monitor.Notify;

internal sealed partial class NotifyDispatcher
{
    /// <summary>
    /// One pass: what is due in the outbox is sent, each notifier's batches in turn and the notifiers side by
    /// side, then every outcome is written back to the outbox. Returns how many messages were delivered.
    /// </summary>
    public async Task<int> PumpAsync(CancellationToken cancel)
    {
        DateTimeOffset now = _time.GetUtcNow();
        Dictionary<string, INotifier> notifiers;
        lock (_sync)
        {
            notifiers = _notifiers;
        }

        IReadOnlyList<OutboxItem> due = _outbox.Due(now, PerPass);
        var work = new List<(INotifier Notifier, List<List<OutboxItem>> Batches)>();
        foreach (IGrouping<string, OutboxItem> group in due.GroupBy(i => i.Notifier, StringComparer.Ordinal))
        {
            if (!notifiers.TryGetValue(group.Key, out INotifier? notifier))
            {
                foreach (OutboxItem item in group)
                {
                    _outbox.Abandon(item.Id, $"notifier {group.Key} is no longer in holt.toml");
                }

                LogGone(_logger, group.Count(), group.Key);
                continue;
            }

            var fresh = new List<OutboxItem>();
            foreach (OutboxItem item in group)
            {
                if (now - Born(item.Message) > MaxAge)
                {
                    _outbox.Abandon(item.Id, $"not delivered within {DurationText.Format(MaxAge)}");
                    LogTooOld(_logger, group.Key, item.Message.Key, DurationText.Format(MaxAge), item.Attempts);
                }
                else
                {
                    fresh.Add(item);
                }
            }

            if (fresh.Count > 0)
            {
                work.Add((notifier, fresh.Chunk(Math.Max(1, notifier.MaxBatch)).Select(c => c.ToList()).ToList()));
            }
        }

        var outcomes = await Task.WhenAll(work.Select(w => SendAllAsync(w.Notifier, w.Batches, now, cancel))).ConfigureAwait(false);
        int delivered = 0;
        foreach ((INotifier notifier, List<OutboxItem> batch, SendResult result) in outcomes.SelectMany(o => o))
        {
            delivered += Record(notifier.Config.Name, batch, result, now);
        }

        return delivered;
    }

    /// <summary>
    /// Posts the firing alerts again to each Alertmanager notifier whose last post is <see cref="AlertmanagerNotifier.RefreshEvery"/>
    /// old. A failure is said (not too often) and left to the next refresh; nothing is queued.
    /// </summary>
    public async Task RefreshDueAsync(CancellationToken cancel)
    {
        DateTimeOffset now = _time.GetUtcNow();
        List<AlertMessage> firing;
        List<INotifier> due;
        lock (_sync)
        {
            firing = [.. _firing.Values];
            due = [.. _notifiers.Values.Where(n => n.Config.Type == NotifierType.Alertmanager &&
                (!_refreshed.TryGetValue(n.Config.Name, out DateTimeOffset last) || now - last >= AlertmanagerNotifier.RefreshEvery))];
            if (firing.Count == 0)
            {
                return;
            }

            foreach (INotifier notifier in due)
            {
                _refreshed[notifier.Config.Name] = now;
            }
        }

        foreach (INotifier notifier in due)
        {
            foreach (AlertMessage[] batch in firing.Chunk(notifier.MaxBatch))
            {
                SendResult result = await notifier.SendAsync(batch, now, cancel).ConfigureAwait(false);
                if (!result.Ok && _repeats.ShouldSay(notifier.Config.Name + "\n" + result.Error))
                {
                    LogRefreshFailed(_logger, notifier.Config.Name, result.Error!);
                }
            }
        }
    }

    /// <summary>
    /// The delay before attempt <paramref name="attempts"/> + 1: <see cref="FirstRetry"/> doubled per failure up
    /// to <see cref="MaxRetry"/>, then 80 to 120 % of it.
    /// </summary>
    public static TimeSpan Backoff(int attempts, double jitter)
    {
        double seconds = FirstRetry.TotalSeconds * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        seconds = Math.Min(seconds, MaxRetry.TotalSeconds);
        return TimeSpan.FromSeconds(seconds * (0.8 + (0.4 * Math.Clamp(jitter, 0, 1))));
    }

    /// <summary>When a message was made: a resolved one when it resolved, a firing one when it fired.</summary>
    private static DateTimeOffset Born(AlertMessage message) => message.EndsAt ?? message.StartsAt;

    private static async Task<List<(INotifier, List<OutboxItem>, SendResult)>> SendAllAsync(INotifier notifier, List<List<OutboxItem>> batches, DateTimeOffset now, CancellationToken cancel)
    {
        var results = new List<(INotifier, List<OutboxItem>, SendResult)>(batches.Count);
        SendResult? failed = null;
        foreach (List<OutboxItem> batch in batches)
        {
            // After a failure that is the receiver's (down, slow), the rest of this pass would only wait for it again.
            SendResult result = failed ?? await notifier.SendAsync([.. batch.Select(i => i.Message)], now, cancel).ConfigureAwait(false);
            if (result.Outcome == SendOutcome.Failed)
            {
                failed = result;
            }

            results.Add((notifier, batch, result));
        }

        return results;
    }

    private int Record(string name, List<OutboxItem> batch, SendResult result, DateTimeOffset now)
    {
        switch (result.Outcome)
        {
            case SendOutcome.Delivered:
                foreach (OutboxItem item in batch)
                {
                    _outbox.Delivered(item.Id);
                    LogDelivered(_logger, name, item.Message.Key, item.Message.Resolved ? "resolved" : "firing");
                }

                return batch.Count;
            case SendOutcome.Refused:
                foreach (OutboxItem item in batch)
                {
                    _outbox.Abandon(item.Id, result.Error!);
                    LogRefused(_logger, name, item.Message.Key, result.Error!);
                }

                return 0;
            default:
                TimeSpan? said = null;
                foreach (OutboxItem item in batch)
                {
                    int attempts = item.Attempts + 1;
                    TimeSpan wait = Backoff(attempts, Random.Shared.NextDouble());
                    _outbox.Retry(item.Id, attempts, now + wait, result.Error!);
                    said ??= wait;
                }

                if (_repeats.ShouldSay(name + "\n" + result.Error))
                {
                    LogFailed(_logger, name, batch.Count, result.Error!, DurationText.Format(TimeSpan.FromSeconds(Math.Ceiling(said!.Value.TotalSeconds))));
                }

                return 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "notify: {Name} took {Key} ({Status})")]
    private static partial void LogDelivered(ILogger logger, string name, string key, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "notify: {Name} failed to take {Count} message(s): {Reason}; trying again in {Wait}")]
    private static partial void LogFailed(ILogger logger, string name, int count, string reason, string wait);

    [LoggerMessage(Level = LogLevel.Error, Message = "notify: {Name} refused {Key}: {Reason}; given up")]
    private static partial void LogRefused(ILogger logger, string name, string key, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "notify: {Name} did not take {Key} within {Age} ({Attempts} attempts); given up")]
    private static partial void LogTooOld(ILogger logger, string name, string key, string age, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "notify: {Count} message(s) for {Name} given up: the notifier is no longer in holt.toml")]
    private static partial void LogGone(ILogger logger, int count, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "notify: {Name} failed to take the firing alerts again: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string name, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Problem}")]
    private static partial void LogLoopFailed(ILogger logger, string problem);
}
