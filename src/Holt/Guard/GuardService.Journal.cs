namespace Holt.Guard;

/// <summary>The guard's journal sources: a journalctl --follow per jail, each on a thread of its own.</summary>
internal sealed partial class GuardService
{
    /// <summary>A journalctl --follow of one jail's entries, on a thread of its own, restarted when it ends.</summary>
    private sealed class JournalReader(GuardService service, string jail, IGuardFilter filter, IReadOnlyList<string> units)
    {
        private readonly CountReport _skipped = new((logger, count, total) => LogSkipped(
            logger, count, units.Count > 0 ? "the journal (" + string.Join(", ", units) + ")" : "the journal", LineSplitter.MaxLineLength, total));
        private Thread? _thread;

        public string Jail { get; } = jail;

        public IGuardFilter Filter { get; } = filter;

        public string Key { get; } = "journal:" + jail;

        /// <summary>The cursor of the last entry decided on (main thread only).</summary>
        public string? Cursor { get; set; }

        public string? SavedCursor { get; set; }

        public void Start()
        {
            Cursor = SavedCursor = service._store.Position(Key);
            string? resume = Cursor;
            _thread = new Thread(() => Follow(resume)) { IsBackground = true, Name = "holt guard journal " + Jail };
            _thread.Start();
        }

        public void Join() => _thread?.Join();

        private void Follow(string? cursor)
        {
            CancellationToken stop = service._stop.Token;
            string? lastProblem = null;
            TimeSpan retry = s_journalRetry;
            long skippedBefore = 0;
            while (!stop.IsCancellationRequested)
            {
                var source = new JournalSource(service._journalctl);
                try
                {
                    var query = new JournalQuery(AfterCursor: cursor, Follow: true, Units: units.Count > 0 ? units : null);
                    foreach (JournalEntry entry in source.Read(query, stop))
                    {
                        // Waits while the guard has not decided on earlier entries: a journal backlog stays in the pipe.
                        service._journalSlots.Wait(stop);
                        service._entries.Enqueue((this, entry));
                        _ = service._wake.Set();
                        cursor = entry.Cursor ?? cursor;
                        lastProblem = null;
                        retry = s_journalRetry;
                        _skipped.Update(service, skippedBefore + source.SkippedLines);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    // Said once, not every few seconds: a machine without journalctl stays without it. Nor does a
                    // surprise end the thread, which would take the daemon down with it.
                    string problem = e is CommandException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                    if (problem != lastProblem)
                    {
                        LogSourceFailed(service._logger, "the journal", problem);
                        lastProblem = problem;
                    }
                }

                skippedBefore += source.SkippedLines;
                _skipped.Update(service, skippedBefore);
                _ = stop.WaitHandle.WaitOne(retry);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, s_journalRetryMax.Ticks));
            }
        }
    }
}
