using System.Collections.Concurrent;
using Holt.Config;
using Holt.Storage;
using Microsoft.Extensions.Logging;

namespace Holt.Hosting;

/// <summary>
/// The daemon's one host: it starts the services in order, watches holt.toml (the only watcher of the file) and
/// hands each service its own part of every good edit, and isolates the services from each other. A service that
/// throws (in a call of the host's or on a thread of its own) is logged, stopped and started again after a pause
/// that doubles from <see cref="FirstRestartDelay"/> up to <see cref="MaxRestartDelay"/>, while the others, and the
/// tunnel, run on. A broken edit of holt.toml is logged once and changes nothing: every service keeps the last good
/// configuration. Stopping (the token given to <see cref="Run"/>) stops the services in reverse order.
/// </summary>
/// <remarks>
/// Every wait is on the injected <see cref="TimeProvider"/>'s timers, never on a wall-clock timeout, so tests drive
/// restarts and the file watch in virtual time.
/// </remarks>
internal sealed partial class ServiceHost : IDisposable
{
    public static readonly TimeSpan DefaultWatchInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan FirstRestartDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxRestartDelay = TimeSpan.FromMinutes(1);

    /// <summary>A service that ran this long since its last start counts as healthy again: its next pause is the first.</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(5);

    private readonly ConfigStore _store;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly List<Slot> _slots = [];
    private readonly ConcurrentQueue<(string Service, Exception Error)> _faults = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly ITimer _timer;
    private FileStamp _stamp;
    private string? _appliedDigest;
    private string? _lastProblem;
    private HoltConfig? _current;

    /// <param name="store">holt.toml; it need not exist (a guard without a gateway runs on its defaults).</param>
    /// <param name="logger">The daemon's log.</param>
    /// <param name="time">The clock of every wait.</param>
    public ServiceHost(ConfigStore store, ILogger logger, TimeProvider time)
    {
        _store = store;
        _logger = logger;
        _time = time;
        _timer = time.CreateTimer(_ => Wake(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Health = new DaemonHealth(time.GetUtcNow(), () => States);
    }

    /// <summary>The daemon's own signals: its start, the edits refused and applied, its services.</summary>
    public DaemonHealth Health { get; }

    /// <summary>How often holt.toml is checked for a change (a stat; the file is read only when it changed).</summary>
    public TimeSpan WatchInterval { get; init; } = DefaultWatchInterval;

    /// <summary>The last good configuration the services were given (null without a file).</summary>
    public HoltConfig? Current => _current;

    /// <summary>The services and how they stand, for the status.</summary>
    public IReadOnlyList<ServiceState> States => _slots.Select(s => s.State()).ToList();

    /// <summary>Adds a service, started after those added before it and stopped before them.</summary>
    /// <param name="service">The service.</param>
    /// <param name="settingsOf">Its part of holt.toml (the argument is null when there is no file).</param>
    /// <param name="critical">Whether the daemon cannot run without it: if its first start fails, <see cref="Run"/> fails.</param>
    public void Add<TSettings>(IDaemonService<TSettings> service, Func<HoltConfig?, TSettings> settingsOf, bool critical = false) =>
        _slots.Add(new Slot<TSettings>(service, settingsOf, critical));

    /// <summary>
    /// Starts the services with <paramref name="initial"/> (read from the store, whose digest says which text it
    /// was), calls <paramref name="ready"/>, and runs until <paramref name="stop"/> is cancelled.
    /// </summary>
    /// <exception cref="CommandException">A critical service did not start; the ones started are stopped again.</exception>
    public void Run(HoltConfig? initial, CancellationToken stop, Action? ready = null)
    {
        _current = initial;
        _appliedDigest = initial is null ? null : _store.LastDigest;
        _stamp = FileStamp.Of(_store.Path);
        StartAll();
        ready?.Invoke();
        using CancellationTokenRegistration wakeOnStop = stop.Register(Wake);
        DateTimeOffset nextWatch = _time.GetUtcNow() + WatchInterval;
        while (!stop.IsCancellationRequested)
        {
            HandleFaults();
            DateTimeOffset now = _time.GetUtcNow();
            if (now >= nextWatch)
            {
                CheckConfig();
                nextWatch = now + WatchInterval;
            }

            RestartDue(now);
            DateTimeOffset due = _slots.Where(s => s.RestartAt is not null).Select(s => s.RestartAt!.Value).Append(nextWatch).Min();
            TimeSpan wait = due - _time.GetUtcNow();
            _ = _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            if (_faults.IsEmpty && !stop.IsCancellationRequested)
            {
                _ = _wake.WaitOne();
            }
        }

        StopAll();
    }

    public void Dispose()
    {
        _timer.Dispose();
        _wake.Dispose();
    }

    private void Wake()
    {
        try
        {
            _ = _wake.Set();
        }
        catch (ObjectDisposedException)
        {
            // A timer or a service's thread raced with the end of the host.
        }
    }

    private void StartAll()
    {
        foreach (Slot slot in _slots)
        {
            try
            {
                slot.Start(_current, Context(slot));
            }
            catch (Exception e) when (!slot.Critical)
            {
                LogStartFailed(_logger, slot.Name, Describe(e), FirstRestartDelay.TotalSeconds);
                slot.Failed(_time.GetUtcNow(), FirstRestartDelay);
            }
            catch
            {
                StopAll();
                throw;
            }
        }
    }

    private void StopAll()
    {
        for (int i = _slots.Count - 1; i >= 0; i--)
        {
            StopQuietly(_slots[i]);
            _slots[i].RestartAt = null;
        }
    }

    private void StopQuietly(Slot slot)
    {
        try
        {
            slot.Stop();
        }
        catch (Exception e)
        {
            LogStopFailed(_logger, slot.Name, Describe(e));
        }
    }

    private ServiceContext Context(Slot slot) => new(slot.Name, _time, _logger, (name, error) =>
    {
        _faults.Enqueue((name, error));
        Wake();
    });

    /// <summary>Faults reported by services' threads: each service stopped, to start again after its pause.</summary>
    private void HandleFaults()
    {
        while (_faults.TryDequeue(out (string Service, Exception Error) fault))
        {
            Slot? slot = _slots.FirstOrDefault(s => s.Name == fault.Service);
            if (slot is { Running: true })
            {
                Fail(slot, fault.Error);
            }
        }
    }

    private void Fail(Slot slot, Exception error)
    {
        DateTimeOffset now = _time.GetUtcNow();
        StopQuietly(slot);
        TimeSpan delay = slot.NextDelay(now);
        LogFaulted(_logger, slot.Name, Describe(error), delay.TotalSeconds);
        slot.Failed(now, delay);
    }

    private void RestartDue(DateTimeOffset now)
    {
        foreach (Slot slot in _slots.Where(s => s.RestartAt is DateTimeOffset at && at <= now))
        {
            try
            {
                slot.Start(_current, Context(slot));
                LogRestarted(_logger, slot.Name);
            }
            catch (Exception e)
            {
                TimeSpan delay = slot.NextDelay(now);
                LogStartFailed(_logger, slot.Name, Describe(e), delay.TotalSeconds);
                slot.Failed(now, delay);
            }
        }
    }

    /// <summary>Reads holt.toml if it changed; a good new text goes to every running service, a broken one is reported once.</summary>
    private void CheckConfig()
    {
        FileStamp stamp = FileStamp.Of(_store.Path);
        if (stamp == _stamp)
        {
            return;
        }

        _stamp = stamp;
        if (!stamp.Exists)
        {
            Report($"{_store.Path} is gone");
            return;
        }

        HoltConfig loaded;
        try
        {
            using (_store.Lock())
            {
                loaded = _store.Load();
            }
        }
        catch (CommandException e)
        {
            Report(e.Message);
            return;
        }

        _lastProblem = null;
        bool applied = _store.LastDigest != _appliedDigest;
        IReadOnlyList<string> changes = !applied ? [] : _current is null ? ["the whole file"] : ConfigDiff.Describe(_store.Format.Write(_current), _store.Format.Write(loaded));
        Health.Accepted(_time.GetUtcNow(), applied, changes);
        if (!applied)
        {
            return;
        }

        // Confirms an edit (a hand edit above all) was seen and taken, and what it changed; names only, no values.
        LogApplied(_logger, changes.Count == 0 ? "nothing that matters (comments or layout)" : string.Join("; ", changes));
        _current = loaded;
        _appliedDigest = _store.LastDigest;
        foreach (Slot slot in _slots.Where(s => s.Running))
        {
            try
            {
                slot.Reload(_current);
            }
            catch (Exception e)
            {
                Fail(slot, e);
            }
        }
    }

    private void Report(string problem)
    {
        Health.Refused(problem, _time.GetUtcNow());
        if (problem != _lastProblem)
        {
            LogBadConfig(_logger, problem);
            _lastProblem = problem;
        }
    }

    /// <summary>An exception as one line: its message, and its type when it is a programming error rather than an operator's.</summary>
    private static string Describe(Exception e) =>
        e is CommandException ? e.Message : $"{e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}";

    [LoggerMessage(Level = LogLevel.Information, Message = "holt.toml changed and was applied: {Changes}")]
    private static partial void LogApplied(ILogger logger, string changes);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Problem}; keeping the last good configuration")]
    private static partial void LogBadConfig(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Service} failed: {Problem}; restarting it in {Seconds} s (the tunnel runs on)")]
    private static partial void LogFaulted(ILogger logger, string service, string problem, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Service} did not start: {Problem}; trying again in {Seconds} s")]
    private static partial void LogStartFailed(ILogger logger, string service, string problem, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service} restarted")]
    private static partial void LogRestarted(ILogger logger, string service);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service} did not stop cleanly: {Problem}")]
    private static partial void LogStopFailed(ILogger logger, string service, string problem);
}

/// <summary>One service as the host sees it.</summary>
/// <param name="Name">The service's name.</param>
/// <param name="Running">Whether it runs now.</param>
/// <param name="Restarts">How many times it was started again after a fault.</param>
/// <param name="LastFault">When it last failed, if ever.</param>
internal sealed record ServiceState(string Name, bool Running, int Restarts, DateTimeOffset? LastFault);
