namespace Holt.Metrics;

/// <summary>The whole exposition of one scrape: the WireGuard exporter's families, Holt's own, then every other source's.</summary>
internal static class Exposition
{
    public static string Write(MetricsSnapshot snapshot, IReadOnlyList<IMetricSource> sources)
    {
        // Roughly what 1,000 peers take, so the text is not copied while it grows.
        var writer = new ExpositionWriter(64 * 1024);
        WireGuardFamilies.Write(writer, snapshot.Status);
        HoltFamilies.Write(writer, snapshot);
        foreach (IMetricSource source in sources)
        {
            source.WriteTo(writer);
        }

        return writer.Text;
    }
}
