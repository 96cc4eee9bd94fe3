namespace Holt.Audit;

/// <summary>
/// Runs the full audit for the daemon and keeps its report (<see cref="AuditStore"/>). One run at a time: a run asked
/// for while another is under way (the dashboard's button pressed twice, or while the periodic one runs) gets that
/// run's report instead of starting a second, so two audits never run <c>sshd -T</c> and walk /proc side by side.
/// </summary>
/// <param name="audit">The full audit of this machine (<see cref="Auditor.Run"/>); a test gives its own.</param>
/// <param name="store">Where the report is kept.</param>
internal sealed class AuditRunner(Func<AuditReport> audit, AuditStore store)
{
    private readonly Lock _sync = new();
    private Task<AuditReport>? _running;

    public AuditStore Store { get; } = store;

    /// <summary>
    /// Runs the audit on the thread pool, or joins the run under way, and keeps its report.
    /// </summary>
    /// <exception cref="CommandException">The report could not be kept (the audit's own failures pass through as they are).</exception>
    public Task<AuditReport> RunAsync()
    {
        lock (_sync)
        {
            if (_running is { IsCompleted: false } running)
            {
                return running;
            }

            _running = Task.Run(RunAndKeep);
            return _running;
        }
    }

    private AuditReport RunAndKeep()
    {
        AuditReport report = audit();
        try
        {
            Store.Save(report);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"the audit ran, but {Store.Path} could not be written: {e.Message}", e);
        }

        return report;
    }
}
