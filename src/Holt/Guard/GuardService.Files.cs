using Microsoft.Extensions.Logging;

namespace Holt.Guard;

/// <summary>The guard's file sources: one <see cref="LogFollower"/> per log path, shared by the jails that read it.</summary>
internal sealed partial class GuardService
{
    /// <summary>How often skipped or passed-over lines are reported at most: a log full of garbage says so, but not at every poll.</summary>
    private static readonly TimeSpan s_reportInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Whether the last <see cref="PollOnce"/> stopped reading a file at its budget: the next poll comes at once,
    /// so a backlog of gigabytes is read in bounded slices without waiting a poll interval between them.
    /// </summary>
    internal bool Backlog { get; private set; }

    /// <summary>Reads one file's new lines within its budget and decides on each as it is read.</summary>
    private void PollFile(FileSource source, DateTimeOffset now)
    {
        void Decide(string line)
        {
            foreach ((string jail, IGuardFilter filter) in source.Readers)
            {
                try
                {
                    if (filter.MatchLine(line, now) is Failure failure)
                    {
                        _ = _engine.Fail(jail, failure, now);
                    }
                }
                catch (Exception e)
                {
                    // A defect met on one line (bans are held, so no nft or store runs here): the line is passed over
                    // and said, never a reason to stop following the log, or to read the same line again forever.
                    source.PassedOver++;
                    source.Fault = $"{e.GetType().Name}: {e.Message}";
                }
            }
        }

        try
        {
            _ = source.Follower.ReadAvailable(Decide);
        }
        catch (Exception e)
        {
            // One source's trouble, foreseen or not, must not stop the others, nor the guard: said once, tried again.
            string problem = e is CommandException ? e.Message : $"cannot read {source.Follower.Path}: {e.GetType().Name}: {e.Message}";
            if (problem != source.Problem)
            {
                LogRoundFailed(_logger, problem);
                source.Problem = problem;
            }

            return;
        }

        source.Problem = null;
        Backlog |= source.Follower.MoreAvailable;

        // Skipped bytes move the position too: a restart must not read a run of padding again.
        source.Dirty |= source.Follower.Advanced;
        source.Skipped.Update(this, source.Follower.SkippedLines);
        source.PassedOverReport.Update(this, source.PassedOver);
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "guard: skipped {Count} lines of {Source}: longer than {Limit} bytes, or cut by NUL padding ({Total} since the guard started)")]
    private static partial void LogSkipped(ILogger logger, long count, string source, int limit, long total);

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "guard: passed over {Count} lines of {Source} that the guard failed to decide, the last with {Problem} ({Total} since the guard started); please report it")]
    private static partial void LogPassedOver(ILogger logger, long count, string source, string problem, long total);

    private sealed class FileSource(LogFollower follower, string key)
    {
        public LogFollower Follower { get; } = follower;

        public string Key { get; } = key;

        public List<(string Jail, IGuardFilter Filter)> Readers { get; } = [];

        /// <summary>Whether the position moved since it was last saved.</summary>
        public bool Dirty { get; set; }

        /// <summary>The problem last reported, until a read succeeds again.</summary>
        public string? Problem { get; set; }

        public CountReport Skipped { get; } = new((logger, count, total) => LogSkipped(logger, count, follower.Path, LineSplitter.MaxLineLength, total));

        /// <summary>Lines whose decision threw, since the guard started, and the last problem.</summary>
        public long PassedOver { get; set; }

        public string Fault { get; set; } = "";

        public CountReport PassedOverReport => field ??= new((logger, count, total) => LogPassedOver(logger, count, Follower.Path, Fault, total));
    }

    /// <summary>Says how a source's count of lines grew: at once the first time, then at most once a minute.</summary>
    /// <param name="say">Logs the lines counted since the last report, and the total.</param>
    private sealed class CountReport(Action<ILogger, long, long> say)
    {
        private long _reported;
        private DateTimeOffset _reportedAt = DateTimeOffset.MinValue;

        /// <param name="service">The guard, for its clock and log.</param>
        /// <param name="total">The lines counted since the guard started.</param>
        public void Update(GuardService service, long total)
        {
            DateTimeOffset now = service._time.GetUtcNow();
            if (total == _reported || now - _reportedAt < s_reportInterval)
            {
                return;
            }

            say(service._logger, total - _reported, total);
            _reported = total;
            _reportedAt = now;
        }
    }
}
