using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Holt.Gateway;
using Holt.Interop;
using Holt.Logging;
using Holt.Storage;
using Microsoft.Extensions.Logging;

namespace Holt.Guard;

/// <summary>
/// The running guard: follows each jail's logs (files across rotation, or the journal), feeds what the filters
/// find to the <see cref="GuardEngine"/>, and keeps every source's read position in the ban store, so a restart
/// resumes after the last line handled. One thread does all the deciding; journal readers are threads of their own
/// that hand entries over. Files are polled ten times a second: a ban lands well within a second of the failure
/// that earned it, and a poll costs one stat and one read.
/// </summary>
internal sealed partial class GuardService : IDisposable
{
    /// <summary>Journal entries read but not yet decided on, at most: a reader waits for the guard beyond that.</summary>
    private const int MaxQueuedEntries = 4096;

    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_positionSaveInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long a recurring problem stays unsaid after it was said.</summary>
    private static readonly TimeSpan s_repeatQuiet = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan s_journalRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_journalRetryMax = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_sessionRefresh = TimeSpan.FromSeconds(5);

    private readonly GuardConfig _config;
    private readonly BanStore _store;
    private readonly GuardEngine _engine;
    private readonly ILogger _logger;
    private readonly IgnorePolicy _ignore;
    private readonly List<FileSource> _files = [];
    private readonly List<JournalReader> _journals = [];
    private readonly ConcurrentQueue<(JournalReader Reader, JournalEntry Entry)> _entries = new();
    private readonly SemaphoreSlim _journalSlots = new(MaxQueuedEntries, MaxQueuedEntries);
    private readonly AutoResetEvent _wake = new(false);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly TimeProvider _time;
    private readonly RepeatFilter _repeats;
    private readonly string _journalctl;
    private readonly Dictionary<string, List<string>> _sources = new(StringComparer.Ordinal);
    private long _statusWritten = -1;
    private int _restoreRequested;
    private ITimer? _pollTimer;

    /// <param name="config">The [guard] section (enabled or not: the caller decides whether to start it).</param>
    /// <param name="ignore">What is never banned.</param>
    /// <param name="store">The ban store; the service owns it from here on.</param>
    /// <param name="sink">Where bans take effect.</param>
    /// <param name="logger">The daemon's log.</param>
    /// <param name="time">The clock (tests pass their own).</param>
    /// <param name="journalctl">journalctl, or a stand-in (tests).</param>
    public GuardService(
        GuardConfig config, IgnorePolicy ignore, BanStore store, IBanSink sink, ILogger logger, TimeProvider? time = null, string journalctl = "journalctl")
    {
        _journalctl = journalctl;
        _config = config;
        _store = store;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _repeats = new RepeatFilter(_time, s_repeatQuiet);
        _ignore = ignore;
        _engine = new GuardEngine(config, sink, store, _ignore.Explain, line => LogBan(_logger, line));
        _thread = new Thread(Run) { IsBackground = true, Name = "holt guard" };
    }

    /// <summary>
    /// Called when the guard's thread fails with an unexpected exception (a defect): the thread ends, and the host
    /// restarts the guard. Without it the exception is rethrown, as in tests.
    /// </summary>
    public Action<Exception>? Faulted { get; init; }

    /// <summary>Tests only (see <see cref="GuardRunner.FaultFile"/>): when it returns true, the next round throws.</summary>
    internal Func<bool>? FaultHook { get; init; }

    /// <summary>Makes a jail's filter instead of its configured one (tests: a filter with a defect).</summary>
    internal Func<JailConfig, IGuardFilter>? FilterFactory { get; init; }

    private void Wake()
    {
        try
        {
            _ = _wake.Set();
        }
        catch (ObjectDisposedException)
        {
            // The timer raced with Dispose.
        }
    }

    /// <summary>Asks the guard's thread to put back every active ban the kernel lost (its table was removed or recreated).</summary>
    public void RequestBanRestore()
    {
        _ = Interlocked.Exchange(ref _restoreRequested, 1);
        _ = _wake.Set();
    }

    /// <summary>The file sources, for tests: which paths are followed.</summary>
    internal IEnumerable<string> FollowedFiles => _files.Select(f => f.Follower.Path);

    /// <summary>Whether any jail reads the journal.</summary>
    internal bool ReadsJournal => _journals.Count > 0;

    internal GuardEngine Engine => _engine;

    /// <summary>Restores the stored bans, opens every jail's sources and starts following them.</summary>
    /// <param name="poll">Start the polling thread (tests leave it off and call <see cref="PollOnce"/> themselves).</param>
    public void Start(bool poll = true)
    {
        _engine.Restore(_time.GetUtcNow());
        foreach (JailConfig jail in _config.Jails.Where(j => j.Enabled))
        {
            IGuardFilter Filter() => FilterFactory?.Invoke(jail) ?? CreateFilter(jail, _config);
            if (jail.Journal || (jail.LogPaths.Count == 0 && !File.Exists(JailConfig.AuthLog)))
            {
                var reader = new JournalReader(this, jail.Name, Filter(), jail.JournalUnits);
                _journals.Add(reader);
                SourcesOf(jail.Name).Add(jail.JournalUnits.Count > 0 ? "journal: " + string.Join(", ", jail.JournalUnits) : "journal");
                LogSource(_logger, jail.Name, jail.JournalUnits.Count > 0 ? "the journal (" + string.Join(", ", jail.JournalUnits) + ")" : "the journal");
                continue;
            }

            foreach (string path in jail.LogPaths.Count > 0 ? jail.LogPaths : [JailConfig.AuthLog])
            {
                FileSource? source = _files.FirstOrDefault(f => f.Follower.Path == path);
                if (source is null)
                {
                    string key = "file:" + path;
                    source = new FileSource(new LogFollower(path, ParsePosition(_store.Position(key))), key);
                    _files.Add(source);
                }

                source.Readers.Add((jail.Name, Filter()));
                SourcesOf(jail.Name).Add(path);
                LogSource(_logger, jail.Name, path);
            }
        }

        foreach (JournalReader reader in _journals)
        {
            reader.Start();
        }

        if (poll)
        {
            WriteStatus();
            _pollTimer = _time.CreateTimer(_ => Wake(), null, PollInterval, PollInterval);
            _thread.Start();
        }
    }

    private List<string> SourcesOf(string jail)
    {
        if (!_sources.TryGetValue(jail, out List<string>? sources))
        {
            sources = [];
            _sources[jail] = sources;
        }

        return sources;
    }

    /// <summary>Writes guard.status when the counts moved since it was last written.</summary>
    private void WriteStatus()
    {
        long total = _engine.Failures.Values.Sum() + _engine.Bans.Values.Sum() + _engine.Ignored;
        if (total == _statusWritten)
        {
            return;
        }

        var jails = _config.Jails.Where(j => j.Enabled).Select(j => new JailStatus(
            j.Name, j.Filter, _sources.GetValueOrDefault(j.Name) ?? [], _engine.Failures.GetValueOrDefault(j.Name), _engine.Bans.GetValueOrDefault(j.Name))).ToList();
        if (_config.Recidive is not null)
        {
            jails.Add(new JailStatus(GuardConfig.RecidiveJail, GuardConfig.RecidiveJail, ["the other jails' bans"], 0, _engine.Bans.GetValueOrDefault(GuardConfig.RecidiveJail)));
        }

        try
        {
            GuardStatus.Write(jails, _engine.Ignored);
            _statusWritten = total;
        }
        catch (IOException e)
        {
            SayRoundFailed($"cannot write {GuardStatus.PathFor()}: {e.Message}");
        }
    }

    /// <summary>Reads what is there now and decides on it, at once (tests call this instead of waiting for a poll).</summary>
    internal void PollOnce()
    {
        DateTimeOffset now = _time.GetUtcNow();
        Backlog = false;
        if (FaultHook?.Invoke() == true)
        {
            throw new InvalidOperationException("a fault injected by a test");
        }

        if (_engine.Unrecorded > 0)
        {
            try
            {
                _engine.RecordPending();
            }
            catch (StoreException e)
            {
                SayRoundFailed(e.Message);
            }
        }

        if (Interlocked.Exchange(ref _restoreRequested, 0) != 0 && _engine.RestoreMissing(now) is int restored and > 0)
        {
            LogRestored(_logger, restored);
        }

        // The bans this round earns go into force together at its end (one nft transaction): a round reads at
        // most a slice of each source, a few milliseconds of work.
        _engine.Hold();
        foreach (FileSource source in _files)
        {
            PollFile(source, now);
        }

        while (_entries.TryDequeue(out (JournalReader Reader, JournalEntry Entry) item))
        {
            _ = _journalSlots.Release();
            if (item.Reader.Filter.MatchEntry(item.Entry.Line) is Failure failure)
            {
                _ = _engine.Fail(item.Reader.Jail, failure, now);
            }

            if (item.Entry.Cursor is string cursor)
            {
                item.Reader.Cursor = cursor;
            }
        }

        _engine.Flush();
    }

    /// <summary>
    /// Writes the read positions of sources that moved (after their lines were decided on, never before), but not
    /// while a ban decided from them waits for the store: a restart meanwhile (kill -9 on a full disk) must read those
    /// lines again and decide the ban again, or it would be lost. SQLite may well find room for a position in its
    /// write-ahead log where a new ban needs more.
    /// </summary>
    internal void SavePositions()
    {
        if (_engine.Unrecorded > 0)
        {
            return;
        }

        foreach (FileSource source in _files.Where(f => f.Dirty))
        {
            if (source.Follower.Position is FollowPosition position)
            {
                _store.SavePosition(source.Key, FormatPosition(position));
            }

            source.Dirty = false;
        }

        foreach (JournalReader reader in _journals)
        {
            if (reader.Cursor is string cursor && cursor != reader.SavedCursor)
            {
                _store.SavePosition(reader.Key, cursor);
                reader.SavedCursor = cursor;
            }
        }
    }

    public void Dispose()
    {
        _pollTimer?.Dispose();
        _stop.Cancel();
        _ = _wake.Set();
        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        foreach (JournalReader reader in _journals)
        {
            reader.Join();
        }

        try
        {
            PollOnce();
            SavePositions();
        }
        catch (Exception e) when (e is CommandException or StoreException)
        {
            LogSourceFailed(_logger, "the ban store", e.Message);
        }

        foreach (FileSource source in _files)
        {
            source.Follower.Dispose();
        }

        if (_thread.ThreadState != ThreadState.Unstarted)
        {
            try
            {
                File.Delete(GuardStatus.PathFor());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        _store.Dispose();
        _engine.Dispose();
        _wake.Dispose();
        _journalSlots.Dispose();
        _stop.Dispose();
    }

    internal static IGuardFilter CreateFilter(JailConfig jail, GuardConfig config) =>
        config.Filters.FirstOrDefault(f => f.Name == jail.Filter) is FilterConfig custom
            ? new RegexFilter(custom.Name, custom.Regex)
            : FilterCatalog.Create(jail.Filter);

    internal static string FormatPosition(FollowPosition position) => string.Create(
        CultureInfo.InvariantCulture, $"{position.Device}:{position.Inode}:{position.Offset}:{position.Head}");

    internal static FollowPosition? ParsePosition(string? text)
    {
        string[] parts = text?.Split(':') ?? [];
        return parts.Length == 4 &&
            ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ulong device) &&
            ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode) &&
            long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long offset)
            ? new FollowPosition(device, inode, offset, parts[3])
            : null;
    }

    private void Run()
    {
        DateTimeOffset lastSave = _time.GetUtcNow();
        string? unexpected = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                PollOnce();
                if (_time.GetUtcNow() - lastSave >= s_positionSaveInterval)
                {
                    // Before the writes: one that fails (a full disk) is tried again at the next interval, not
                    // at every poll.
                    lastSave = _time.GetUtcNow();
                    SavePositions();
                    WriteStatus();
                }
            }
            catch (Exception e) when (e is CommandException or StoreException)
            {
                // A failed nft call or a busy database: logged, and the next round tries again.
                SayRoundFailed(e.Message);
            }
            catch (Exception e) when (Faulted is not null)
            {
                // A defect: the thread ends here and the host starts the guard again; the VPN is not touched.
                Faulted(e);
                return;
            }
            catch (Exception e)
            {
                // Without a host to restart it (tests), a defect is said once and the guard goes on.
                string problem = $"{e.GetType().Name}: {e.Message}";
                if (problem != unexpected)
                {
                    LogUnexpected(_logger, e);
                    unexpected = problem;
                }

                Backlog = false;
            }

            // A backlog is read in slices, one after the other, with a look at the stop request between them; else
            // the next poll comes from the poll timer (or a journal entry, or a stop).
            if (!Backlog)
            {
                _ = WaitHandle.WaitAny([_wake, _stop.Token.WaitHandle]);
            }
        }
    }

    /// <summary>A round's problem, said once every <see cref="s_repeatQuiet"/> while it lasts (a full disk lasts).</summary>
    private void SayRoundFailed(string problem)
    {
        if (_repeats.ShouldSay(problem))
        {
            LogRoundFailed(_logger, problem);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "guard: put {Count} bans the kernel had lost back in place, with the time they have left")]
    private static partial void LogRestored(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "guard: {Line}")]
    private static partial void LogBan(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Information, Message = "guard: jail {Jail} reads {Source}")]
    private static partial void LogSource(ILogger logger, string jail, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "guard: cannot read {Source}: {Problem}")]
    private static partial void LogSourceFailed(ILogger logger, string source, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "guard: {Problem}")]
    private static partial void LogRoundFailed(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "guard: unexpected error, the guard goes on")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);
}
