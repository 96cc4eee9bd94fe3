using System.Diagnostics;

namespace Holt.Tests.Metrics;

/// <summary>
/// A test that checks an exposition with Prometheus' own linter, <c>promtool check metrics</c> (Debian's
/// <c>prometheus</c> package). Without it the test is skipped with the reason, except on CI (CI=true), which
/// installs the package, so there it runs and fails.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute()
    {
        if (!Promtool.IsCi && !File.Exists(Promtool.Path))
        {
            Skip = $"needs promtool at {Promtool.Path} (apt-get install prometheus)";
        }
    }
}

internal static class Promtool
{
    public const string Path = "/usr/bin/promtool";

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs <c>promtool check metrics</c> on <paramref name="exposition"/>: its exit code and every problem it printed.</summary>
    public static (int ExitCode, string Output) CheckMetrics(string exposition)
    {
        var start = new ProcessStartInfo(Path, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(exposition);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill();
            throw new TimeoutException("promtool check metrics did not finish in a minute");
        }

        return (process.ExitCode, output.Result + error.Result);
    }
}
