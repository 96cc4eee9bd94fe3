namespace Holt.Hosting;

/// <summary>
/// How the daemon itself stands, for the monitor's status, its rules and the metrics: when it started and whether
/// the run before it ended without stopping, the edits of holt.toml it refused (it keeps the last good
/// configuration) and the last one it applied, and its services with their restarts after faults.
/// </summary>
/// <remarks>Written by the host's thread, read by the monitor's and the scrapes': every member is under one lock.</remarks>
internal sealed class DaemonHealth(DateTimeOffset startedAt, Func<IReadOnlyList<ServiceState>> services)
{
    private readonly Lock _sync = new();
    private string? _problem;
    private DateTimeOffset? _problemSince;
    private long _refused;
    private DateTimeOffset _appliedAt = startedAt;
    private IReadOnlyList<string> _changes = [];
    private DaemonRuns? _runs;

    public DateTimeOffset StartedAt { get; } = startedAt;

    /// <summary>What the store says of the daemon's earlier runs (nothing without the store).</summary>
    public void SetRuns(DaemonRuns runs)
    {
        lock (_sync)
        {
            _runs = runs;
        }
    }

    /// <summary>An edit of holt.toml was refused; the services keep the last good configuration.</summary>
    public void Refused(string problem, DateTimeOffset now)
    {
        lock (_sync)
        {
            _problemSince ??= now;
            _problem = problem;
            _refused++;
        }
    }

    /// <summary>
    /// holt.toml reads again; <paramref name="applied"/> when it differed from what ran, and went to the services,
    /// with what changed (<see cref="Config.ConfigDiff"/>).
    /// </summary>
    public void Accepted(DateTimeOffset now, bool applied, IReadOnlyList<string>? changes = null)
    {
        lock (_sync)
        {
            _problem = null;
            _problemSince = null;
            if (applied)
            {
                _appliedAt = now;
                _changes = changes ?? [];
            }
        }
    }

    public DaemonView View()
    {
        IReadOnlyList<ServiceState> states = services();
        lock (_sync)
        {
            return new DaemonView
            {
                StartedAt = StartedAt,
                Runs = _runs,
                ConfigProblem = _problem,
                ConfigProblemSince = _problemSince,
                ConfigRefused = _refused,
                ConfigAppliedAt = _appliedAt,
                ConfigChanges = _changes,
                Services = states,
            };
        }
    }
}

/// <summary>The daemon as <see cref="DaemonHealth"/> last saw it.</summary>
internal sealed record DaemonView
{
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The earlier runs, or null when the monitor's store could not be opened.</summary>
    public DaemonRuns? Runs { get; init; }

    /// <summary>Why holt.toml as it is on disk was refused (the services run the last good one), or null when it reads.</summary>
    public string? ConfigProblem { get; init; }

    public DateTimeOffset? ConfigProblemSince { get; init; }

    /// <summary>Edits of holt.toml refused since the daemon started.</summary>
    public long ConfigRefused { get; init; }

    /// <summary>When the services last got a new configuration (the start, if no edit came since).</summary>
    public DateTimeOffset ConfigAppliedAt { get; init; }

    /// <summary>What that last edit changed ("peer 'phone' added"); empty when none came since the start.</summary>
    public IReadOnlyList<string> ConfigChanges { get; init; } = [];

    public IReadOnlyList<ServiceState> Services { get; init; } = [];
}

/// <summary>
/// What the earlier runs of a gateway's daemon say, as the monitor's store kept them: how many times it started, how
/// many of those followed a run that never stopped (a kill -9, a crash, a power cut), and whether this start did.
/// </summary>
/// <param name="Starts">Starts of the daemon for this interface, this one included.</param>
/// <param name="UncleanStarts">Starts that followed a run that did not stop, this one included when it did.</param>
/// <param name="AfterUncleanStop">Whether the run before this one ended without stopping.</param>
/// <param name="LastUnclean">When the last such start was, or null when there was none.</param>
internal sealed record DaemonRuns(long Starts, long UncleanStarts, bool AfterUncleanStop, DateTimeOffset? LastUnclean);
