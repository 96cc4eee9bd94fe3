using System.Diagnostics;
using Xunit.Abstractions;

namespace Holt.WireGuard.Tests.Support;

/// <summary>
/// Runs wireguard-tools' <c>wg</c>, the reference for key text. CI installs it and sets CI=true, so there a missing
/// <c>wg</c> fails the test; on a developer machine the test notes the gap in its output and passes, as xunit 2
/// has no runtime skip.
/// </summary>
internal static class WgTool
{
    /// <summary>The path of <c>wg</c> on PATH, or null after reporting (or failing, on CI) that it is missing.</summary>
    public static string? FindOrReport(ITestOutputHelper output)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, "wg")))
            {
                return Path.Combine(dir, "wg");
            }
        }

        const string Message = "wg (wireguard-tools) is not on PATH; this interop test needs it.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(Message);
        }

        output.WriteLine("SKIPPED: " + Message);
        return null;
    }

    /// <summary>Runs <c>wg</c> with <paramref name="argument"/>, feeding <paramref name="input"/>; returns its trimmed stdout.</summary>
    public static string Run(string wg, string argument, string? input = null)
    {
        var start = new ProcessStartInfo(wg, argument)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {wg}");
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Write('\n');
        }

        process.StandardInput.Close();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            throw new TimeoutException($"wg {argument} did not finish");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wg {argument} exited with {process.ExitCode}: {stderr.Result.Trim()}");
        }

        return stdout.Trim();
    }
}
