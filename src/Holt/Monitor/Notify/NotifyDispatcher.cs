using Holt.Logging;
using Microsoft.Extensions.Logging;

namespace Holt.Monitor.Notify;

/// <summary>
/// Takes the monitor's alert messages to every configured notifier, through the <see cref="IOutbox"/> so none is
/// lost across a restart: <see cref="Enqueue"/> queues one entry per notifier, and a loop sends what is due. A send
/// that fails is tried again after <see cref="FirstRetry"/>, doubling to <see cref="MaxRetry"/> with some jitter (so
/// gateways that lost the same receiver do not return to it in step); one the receiver refuses (a 4xx but 408 and
/// 429), one older than <see cref="MaxAge"/> and one whose notifier left holt.toml are given up with one line each.
/// Scheduling runs on the <see cref="TimeProvider"/>; sockets' timeouts are real time.
/// </summary>
internal sealed partial class NotifyDispatcher : IDisposable
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxRetry = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

    /// <summary>How often the loop looks at the outbox when nothing wakes it.</summary>
    public static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);

    /// <summary>At most this many messages per pass; the rest wait for the next.</summary>
    public const int PerPass = 256;

    private readonly IOutbox _outbox;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NotifyHttp _http;
    private readonly bool _ownsHttp;
    private readonly Func<NotifierConfig, INotifier> _create;
    private readonly RepeatFilter _repeats;
    private readonly Lock _sync = new();
    private readonly Dictionary<string, DateTimeOffset> _refreshed = new(StringComparer.Ordinal);
    private Dictionary<string, INotifier> _notifiers = new(StringComparer.Ordinal);
    private Dictionary<string, AlertMessage> _firing = new(StringComparer.Ordinal);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _stop;
    private Task? _loop;

    /// <param name="create">Makes each notifier's sender; tests give their own, the daemon leaves it null.</param>
    public NotifyDispatcher(IReadOnlyList<NotifierConfig> notifiers, IOutbox outbox, TimeProvider time, ILogger logger, NotifyHttp? http = null, Func<NotifierConfig, INotifier>? create = null)
    {
        _outbox = outbox;
        _time = time;
        _logger = logger;
        _ownsHttp = http is null;
        _http = http ?? new NotifyHttp();
        _create = create ?? (config => Notifiers.Create(config, _http));
        _repeats = new RepeatFilter(time, TimeSpan.FromMinutes(10));
        Reload(notifiers);
    }

    /// <summary>The notifiers' names, in holt.toml's order.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_sync)
            {
                return [.. _notifiers.Keys];
            }
        }
    }

    /// <summary>Starts the loop that sends what the outbox holds, including what an earlier run left in it.</summary>
    public void Start()
    {
        lock (_sync)
        {
            if (_loop is not null)
            {
                return;
            }

            _stop = new CancellationTokenSource();
            CancellationToken token = _stop.Token;
            _loop = Task.Run(() => LoopAsync(token), CancellationToken.None);
        }
    }

    /// <summary>Stops the loop; a send under way is cut short and its message stays in the outbox.</summary>
    public void Stop()
    {
        Task? loop;
        lock (_sync)
        {
            loop = _loop;
            _stop?.Cancel();
            _loop = null;
        }

        try
        {
            loop?.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }

        _stop?.Dispose();
        _stop = null;
    }

    /// <summary>Swaps the set of notifiers; messages left for a removed one are given up on the next pass.</summary>
    public void Reload(IReadOnlyList<NotifierConfig> notifiers)
    {
        var created = new Dictionary<string, INotifier>(StringComparer.Ordinal);
        foreach (NotifierConfig config in notifiers)
        {
            created[config.Name] = _create(config);
        }

        lock (_sync)
        {
            _notifiers = created;
            foreach (string gone in _refreshed.Keys.Where(k => !created.ContainsKey(k)).ToList())
            {
                _ = _refreshed.Remove(gone);
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="message"/> for every notifier (a resolved one only for those with resolved = true)
    /// and wakes the loop. An outbox that cannot write throws, to the caller.
    /// </summary>
    public void Enqueue(AlertMessage message)
    {
        List<NotifierConfig> targets;
        lock (_sync)
        {
            targets = [.. _notifiers.Values.Select(n => n.Config).Where(c => !message.Resolved || c.Resolved)];
            if (message.Resolved)
            {
                // Never re-post an alert as firing once its resolution is on its way.
                _ = _firing.Remove(message.Key);
            }
        }

        DateTimeOffset now = _time.GetUtcNow();
        foreach (NotifierConfig target in targets)
        {
            _outbox.Add(target.Name, message, now);
        }

        lock (_sync)
        {
            _ = _wake.TrySetResult();
        }
    }

    /// <summary>
    /// The alerts firing now, which the monitor gives every round: Alertmanager notifiers post them again once
    /// every <see cref="AlertmanagerNotifier.RefreshEvery"/> so Alertmanager keeps them open.
    /// </summary>
    public void Refresh(IEnumerable<AlertMessage> firing)
    {
        var current = new Dictionary<string, AlertMessage>(StringComparer.Ordinal);
        foreach (AlertMessage message in firing.Where(m => !m.Resolved && !m.Test))
        {
            current[message.Key] = message;
        }

        lock (_sync)
        {
            _firing = current;
        }
    }

    public void Dispose()
    {
        Stop();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Task woken;
            lock (_sync)
            {
                woken = _wake.Task;
            }

            try
            {
                _ = await PumpAsync(stop).ConfigureAwait(false);
                await RefreshDueAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The outbox's store failing (a full disk) must not end the loop: said once, tried again.
                string problem = $"notify: the outbox failed: {e.Message}";
                if (_repeats.ShouldSay(problem))
                {
                    LogLoopFailed(_logger, problem);
                }
            }

            _ = await Task.WhenAny(woken, Task.Delay(PollEvery, _time, stop)).ConfigureAwait(false);
            lock (_sync)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
    }
}
