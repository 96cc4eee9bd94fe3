using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Holt.Bench;

/// <summary>
/// Samples what the process allocates, by type, from the runtime's GCAllocationTick events (one about every
/// 100 KB allocated, naming the type whose allocation crossed the mark). Types that allocate much show up often,
/// so the sampled amounts rank the sources of garbage. The listener allocates for each event it handles, so
/// figures measured while it runs are not clean.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GCKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _bytesByType = new();

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("Sampled allocations (GCAllocationTick), by type:");
        foreach ((string type, long bytes) in _bytesByType.OrderByDescending(p => p.Value).Take(20))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bytes,14:N0} B  {type}"));
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeSource)
        {
            EnableEvents(eventSource, EventLevel.Verbose, GCKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.PayloadNames is null)
        {
            return;
        }

        int typeAt = eventData.PayloadNames.IndexOf("TypeName");
        int amountAt = eventData.PayloadNames.IndexOf("AllocationAmount64");
        if (typeAt < 0 || amountAt < 0 || eventData.Payload is null)
        {
            return;
        }

        string type = eventData.Payload[typeAt] as string ?? "?";
        long amount = Convert.ToInt64(eventData.Payload[amountAt], CultureInfo.InvariantCulture);
        _bytesByType.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
