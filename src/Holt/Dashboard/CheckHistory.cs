using Holt.Monitor;
using Holt.Monitor.Checks;

namespace Holt.Dashboard;

/// <summary>
/// The recent results of each <c>[[monitor.check]]</c>, for the Checks page's latency charts: taken from the
/// monitor's rounds (each result once, by its time), kept in memory for the last <see cref="Span"/> and at most
/// <see cref="MaxPoints"/> a check, so it stays small whatever the schedule. A restart starts it afresh.
/// </summary>
internal sealed class CheckHistory
{
    public const int MaxPoints = 1440;

    public const int MaxChecks = 256;

    public static readonly TimeSpan Span = TimeSpan.FromHours(24);

    private readonly Lock _sync = new();
    private readonly Dictionary<string, Queue<CheckPoint>> _points = new(StringComparer.Ordinal);

    /// <summary>Takes the results of <paramref name="status"/> that are new.</summary>
    public void Record(MonitorStatus? status)
    {
        if (status is null)
        {
            return;
        }

        lock (_sync)
        {
            // A check taken out of holt.toml goes from the history first, making room for the others.
            var present = new HashSet<string>(status.Checks.Select(c => c.Name), StringComparer.Ordinal);
            foreach (string gone in _points.Keys.Where(k => !present.Contains(k)).ToList())
            {
                _ = _points.Remove(gone);
            }

            foreach (CheckView check in status.Checks)
            {
                if (check.At is not DateTimeOffset at)
                {
                    continue;
                }

                if (!_points.TryGetValue(check.Name, out Queue<CheckPoint>? points))
                {
                    if (_points.Count >= MaxChecks)
                    {
                        continue;
                    }

                    points = new Queue<CheckPoint>();
                    _points[check.Name] = points;
                }

                if (points.Count > 0 && points.Last().At >= at)
                {
                    continue;
                }

                points.Enqueue(new CheckPoint(at, check.Ok == true, check.LatencyMs));
                while (points.Count > MaxPoints || (points.Count > 0 && at - points.Peek().At > Span))
                {
                    _ = points.Dequeue();
                }
            }

        }
    }

    /// <summary>Every check's points, oldest first.</summary>
    public IReadOnlyList<CheckSeries> Read()
    {
        lock (_sync)
        {
            return [.. _points.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new CheckSeries(p.Key, [.. p.Value]))];
        }
    }
}

/// <summary>One result: when, whether it passed, and how long it took (null when it failed before any answer).</summary>
internal sealed record CheckPoint(DateTimeOffset At, bool Ok, double? LatencyMs);

internal sealed record CheckSeries(string Check, IReadOnlyList<CheckPoint> Points);

/// <summary>The Checks page: the checks' latest results and recent points, the alerts now, and the notices sent.</summary>
internal sealed record ChecksPage
{
    public required IReadOnlyList<CheckView> Checks { get; init; }

    public required IReadOnlyList<CheckSeries> History { get; init; }

    public required IReadOnlyList<ActiveAlert> Alerts { get; init; }

    public required IReadOnlyList<AlertMessage> Notices { get; init; }

    /// <summary>The notifiers a test notice goes to, by name.</summary>
    public required IReadOnlyList<string> Notifiers { get; init; }
}
