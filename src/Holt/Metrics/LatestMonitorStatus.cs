using Holt.Monitor;

namespace Holt.Metrics;

/// <summary>
/// The monitor's status board as the daemon runs it: every round goes on to the file <c>holt monitor status</c>
/// reads, and the latest is also kept here, in memory, for the scrapes, so a scrape reads the same model without
/// parsing the file again.
/// </summary>
internal sealed class LatestMonitorStatus(IStatusBoard next) : IStatusBoard
{
    private volatile MonitorStatus? _current;

    /// <summary>The monitor's last round, or null before the first (or after it stopped).</summary>
    public MonitorStatus? Current => _current;

    public void Publish(MonitorStatus status)
    {
        // Kept before the file is written: a full disk must not blind the metrics too.
        _current = status;
        next.Publish(status);
    }

    public void Withdraw(string interfaceName)
    {
        _current = null;
        next.Withdraw(interfaceName);
    }
}
