namespace Holt.Monitor.Checks;

/// <summary>What a check's result says about the tunnel: which peer its target sits behind, and whether it handshakes.</summary>
internal interface ITunnelPeers
{
    /// <summary>The [[peer]] the check's target sits behind: its own <c>peer</c>, or the peer whose addresses hold the target; null when none.</summary>
    string? PeerOf(CheckConfig check);

    /// <summary>Whether <paramref name="peer"/> has a current session now; null when that cannot be told.</summary>
    bool? IsHandshaking(string peer);
}

/// <summary>
/// Runs every configured check at its own interval, a few at a time (<see cref="DefaultParallel"/>), and keeps the
/// latest result of each. A check still running when its next turn comes skips that turn. Each result records the
/// target's peer and whether it was handshaking as the run ended. A reload keeps the checks that did not change
/// (their schedule and last result) and restarts the rest; results of removed checks go with them.
/// </summary>
internal sealed class CheckRunner(ICheckExecutor executor, ITunnelPeers tunnel, TimeProvider time, int parallel = CheckRunner.DefaultParallel) : IDisposable
{
    public const int DefaultParallel = 4;

    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _slots = new(parallel, parallel);
    private List<Scheduled> _scheduled = [];

    /// <summary>Runs <paramref name="checks"/> from now on, in place of the previous list.</summary>
    public void Reload(IReadOnlyList<CheckConfig> checks)
    {
        lock (_sync)
        {
            var kept = new List<Scheduled>(checks.Count);
            var old = new List<Scheduled>(_scheduled);
            foreach (CheckConfig check in checks)
            {
                int same = old.FindIndex(s => s.Check == check);
                if (same >= 0)
                {
                    kept.Add(old[same]);
                    old.RemoveAt(same);
                    continue;
                }

                var scheduled = new Scheduled(check);
                scheduled.Timer = time.CreateTimer(_ => Fire(scheduled), null, TimeSpan.Zero, check.Interval);
                kept.Add(scheduled);
            }

            foreach (Scheduled removed in old)
            {
                removed.Dispose();
            }

            _scheduled = kept;
        }
    }

    /// <summary>Stops every check; runs under way are abandoned and their results dropped.</summary>
    public void Stop() => Reload([]);

    public void Dispose()
    {
        Stop();
        _slots.Dispose();
    }

    /// <summary>Every check in the order configured, with its latest result (null before its first run ends).</summary>
    public IReadOnlyList<(CheckConfig Check, CheckResult? Result)> Latest()
    {
        lock (_sync)
        {
            return _scheduled.Select(s => (s.Check, s.Latest)).ToList();
        }
    }

    /// <summary>Runs every check of <paramref name="checks"/> once, a few at a time, and returns the results in order.</summary>
    public async Task<IReadOnlyList<CheckResult>> RunOnceAsync(IReadOnlyList<CheckConfig> checks, CancellationToken stop) =>
        await Task.WhenAll(checks.Select(c => RunOneAsync(c, stop))).ConfigureAwait(false);

    private void Fire(Scheduled scheduled)
    {
        if (!scheduled.TryBegin())
        {
            return;
        }

        // Off the timer's thread: a fake clock fires its timers inside the call that advances it.
        _ = Task.Run(async () =>
        {
            try
            {
                CheckResult result = await RunOneAsync(scheduled.Check, scheduled.Token).ConfigureAwait(false);
                // The result and the end of the run together: whoever sees the one sees the other.
                lock (_sync)
                {
                    if (!scheduled.Token.IsCancellationRequested)
                    {
                        scheduled.Latest = result;
                    }

                    scheduled.Finish();
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped or reloaded away while it waited or ran.
            }
            finally
            {
                scheduled.Finish();
            }
        });
    }

    private async Task<CheckResult> RunOneAsync(CheckConfig check, CancellationToken stop)
    {
        await _slots.WaitAsync(stop).ConfigureAwait(false);
        CheckResult result;
        try
        {
            result = await executor.RunAsync(check, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not OutOfMemoryException)
        {
            result = CheckResult.Failed(time.GetUtcNow(), "the check failed to run: " + CheckExecutor.OneLine(e));
        }
        finally
        {
            _slots.Release();
        }

        stop.ThrowIfCancellationRequested();
        string? peer = null;
        bool? handshaking = null;
        try
        {
            peer = tunnel.PeerOf(check);
            handshaking = peer is null ? null : tunnel.IsHandshaking(peer);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The interface could not be read (gone, or not ours to read): the tunnel's part stays unknown.
        }

        return result with { Peer = peer, PeerHandshaking = handshaking };
    }

    /// <summary>One check on its schedule, with its latest result.</summary>
    private sealed class Scheduled : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();

        public Scheduled(CheckConfig check)
        {
            Check = check;
            Token = _stop.Token;
        }

        public CheckConfig Check { get; }

        public ITimer? Timer { get; set; }

        public CheckResult? Latest { get; set; }

        /// <summary>Cancelled when the check leaves the schedule; taken once, so it outlives the source's disposal.</summary>
        public CancellationToken Token { get; }

        private int _running;

        /// <summary>Marks a run as under way; false when one already is.</summary>
        public bool TryBegin() => Interlocked.CompareExchange(ref _running, 1, 0) == 0;

        public void Finish() => Volatile.Write(ref _running, 0);

        /// <summary>Ends the schedule: no more turns, and the run under way (if any) is cancelled before the source goes.</summary>
        public void Dispose()
        {
            Timer?.Dispose();
            _stop.Cancel();
            _stop.Dispose();
        }
    }
}
