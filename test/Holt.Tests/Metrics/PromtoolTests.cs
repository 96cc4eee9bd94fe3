using Holt.Metrics;
using Holt.Status;

namespace Holt.Tests.Metrics;

/// <summary>Prometheus' own linter finds nothing wrong with what Holt exposes.</summary>
public sealed class PromtoolTests
{
    [PromtoolFact]
    public void TheExposition_PassesPromtoolCheckMetrics()
    {
        string text = Exposition.Write(MetricsModel.Snapshot(laptopName: "ann's \"work\" \\ laptop\nsecond line"), []);

        (int exitCode, string output) = Promtool.CheckMetrics(text);

        Assert.True(exitCode == 0 && output.Length == 0, $"promtool check metrics exited {exitCode}:\n{output}");
    }

    [PromtoolFact]
    public void TheCheck_CanFail()
    {
        // The linter used above does find problems: a counter without _total and a sample without help.
        (int exitCode, string output) = Promtool.CheckMetrics("# TYPE demo_bytes counter\ndemo_bytes 1\n");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("demo_bytes", output, StringComparison.Ordinal);
    }

    [PromtoolFact]
    public void AnEmptyGateway_PassesToo()
    {
        var status = new HoltStatus { Config = "/etc/holt/holt.toml" };

        (int exitCode, string output) = Promtool.CheckMetrics(Exposition.Write(new MetricsSnapshot(status, null, null), []));

        Assert.True(exitCode == 0, $"promtool check metrics exited {exitCode}:\n{output}");
    }
}
