namespace Holt.Monitor;

/// <summary>
/// Builds <see cref="HistoryReport"/>s from the monitor's store for <c>holt monitor history</c> (a screenful of
/// rows) and the dashboard's charts (a chart's width of points): the stored minutes or hours summed into steps
/// that give at most the rows asked for.
/// </summary>
internal static class HistoryReports
{
    /// <summary>The steps a span is cut into, finest first: each divides a day or is whole days.</summary>
    private static readonly TimeSpan[] s_steps =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
        TimeSpan.FromDays(1), TimeSpan.FromDays(2), TimeSpan.FromDays(7),
    ];

    /// <summary>The finest step that cuts <paramref name="span"/> into at most <paramref name="maxRows"/> rows.</summary>
    public static TimeSpan StepFor(TimeSpan span, int maxRows) => s_steps.FirstOrDefault(s => span / s <= maxRows, s_steps[^1]);

    /// <summary>The report for the span that ends at <paramref name="now"/>, its start moved back to a whole step.</summary>
    public static HistoryReport Build(MonitorStore store, string interfaceName, string publicKey, string name, TimeSpan span, DateTimeOffset now, int maxRows)
    {
        TimeSpan wanted = StepFor(span, maxRows);
        long stepSeconds = (long)wanted.TotalSeconds;
        long start = (now - span).ToUnixTimeSeconds();
        var since = DateTimeOffset.FromUnixTimeSeconds(start - (((start % stepSeconds) + stepSeconds) % stepSeconds));
        (HistoryTier tier, TimeSpan step, IReadOnlyList<HistoryPoint> points) = store.History(interfaceName, publicKey, since, now, wanted);
        return new HistoryReport
        {
            Interface = interfaceName,
            Peer = name,
            PublicKey = publicKey,
            Since = since,
            Until = now,
            Tier = tier == HistoryTier.Minutes ? "minutes" : "hours",
            Step = (long)step.TotalSeconds,
            Points = points,
            Sessions = store.Sessions(interfaceName, publicKey, since, now),
        };
    }
}
