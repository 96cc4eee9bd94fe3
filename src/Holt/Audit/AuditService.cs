using Holt.Hosting;
using Microsoft.Extensions.Logging;

namespace Holt.Audit;

/// <summary>When the daemon audits the machine: once soon after it starts, then every <see cref="Interval"/>.</summary>
/// <param name="FirstDelay">
/// After the start: the services (the tunnel's first handshakes, the dashboard) come up first, and <c>holt up</c>
/// returns without waiting for <c>sshd -T</c>.
/// </param>
/// <param name="Interval">Between runs: a machine's exposure changes with installs and edits, hours apart, not seconds.</param>
internal sealed record AuditSchedule(TimeSpan FirstDelay, TimeSpan Interval)
{
    public static AuditSchedule Default { get; } = new(TimeSpan.FromSeconds(15), TimeSpan.FromHours(6));
}

/// <summary>
/// The periodic audit as a service of the daemon (only when it runs as root: the audit reads sshd's host keys,
/// every process's sockets and the accounts). It runs on a timer's thread, never the host's or the tunnel's, and
/// keeps each report through <see cref="AuditRunner"/> for the metrics and the dashboard.
/// </summary>
/// <remarks>
/// A run that throws is logged and the schedule goes on; it is not reported as a fault. A fault would have the host
/// restart the service within a minute, which would run the audit again and again while whatever broke it stays
/// broken; a failed audit is no danger to the daemon, and the report kept from the last good run stays, its
/// <c>holt_audit_last_run_timestamp_seconds</c> growing older for an alert to see.
/// </remarks>
internal sealed partial class AuditService(AuditRunner runner) : IDaemonService<AuditSchedule>, IDisposable
{
    private readonly Lock _sync = new();
    private ITimer? _timer;
    private AuditSchedule? _schedule;
    private ServiceContext? _context;

    public string Name => "audit";

    public void Start(AuditSchedule settings, ServiceContext context)
    {
        lock (_sync)
        {
            _context = context;
            _schedule = settings;
            _timer = context.Time.CreateTimer(_ => Tick(), null, settings.FirstDelay, settings.Interval);
        }
    }

    public void Reload(AuditSchedule settings)
    {
        lock (_sync)
        {
            if (settings == _schedule)
            {
                return;
            }

            // A new interval counts from now: the run at start has been, or is still to come within its delay.
            _schedule = settings;
            _ = _timer?.Change(settings.Interval, settings.Interval);
        }
    }

    public void Stop()
    {
        lock (_sync)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    public void Dispose() => Stop();

    /// <summary>One run; the lock is not held while the audit runs, so stopping never waits for <c>sshd -T</c>.</summary>
    private void Tick()
    {
        ILogger logger;
        lock (_sync)
        {
            if (_timer is null)
            {
                return;
            }

            logger = _context!.Logger;
        }

        try
        {
            AuditReport report = runner.RunAsync().GetAwaiter().GetResult();
            LogAudited(logger, report.Score, report.Critical, report.Warnings, report.Info, runner.Store.Path);
        }
        catch (Exception e)
        {
            LogFailed(logger, e is CommandException ? e.Message : $"{e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "audit: score {Score}/100 ({Critical} critical, {Warnings} warnings, {Info} info), kept in {Path}")]
    private static partial void LogAudited(ILogger logger, int score, int critical, int warnings, int info, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "audit: the periodic audit failed: {Problem}; the last report stays until the next run")]
    private static partial void LogFailed(ILogger logger, string problem);
}
