using System.ComponentModel;
using System.Diagnostics;

namespace Holt.External;

/// <summary>
/// Runs the system's own tools (<c>ip</c>, <c>nft</c>, <c>wg</c>, <c>sysctl</c>) the way a careful script would:
/// arguments passed as a list (never through a shell), input on standard input (keys never on a command line, where
/// any user could read them in /proc), and a failure reported as one line: what ran and the tool's first error line.
/// </summary>
internal static class ExternalTool
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs the tool and returns its standard output.</summary>
    /// <exception cref="CommandException">The tool is missing, failed or timed out.</exception>
    public static string Run(string tool, IEnumerable<string> arguments, string? input = null, string? installHint = null)
    {
        ToolResult result = TryRun(tool, arguments, input, installHint);
        if (result.ExitCode != 0)
        {
            throw new CommandException($"{result.CommandLine} failed: {result.FirstErrorLine}");
        }

        return result.Output;
    }

    /// <summary>Runs the tool and returns what happened, whatever its exit code.</summary>
    /// <param name="tool">The tool, found on PATH.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="input">What it reads on standard input, or null for nothing.</param>
    /// <param name="installHint">How to install it, for the error when it is missing.</param>
    /// <param name="started">Told the tool's process ID once it runs, before it is given its input.</param>
    /// <exception cref="CommandException">The tool is missing or timed out.</exception>
    public static ToolResult TryRun(string tool, IEnumerable<string> arguments, string? input = null, string? installHint = null, Action<int>? started = null)
    {
        var start = new ProcessStartInfo(tool)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // ip, nft and wg print the same words in every locale, so their output and errors read the same.
        start.Environment["LC_ALL"] = "C";
        string commandLine = tool + " " + string.Join(' ', start.ArgumentList);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new CommandException($"could not start {tool}");
        }
        catch (Win32Exception e)
        {
            throw new CommandException($"{tool} is not installed or not on PATH{(installHint is null ? "" : $" ({installHint})")}: {e.Message}", e);
        }

        using (process)
        {
            started?.Invoke(process.Id);
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            try
            {
                if (input is not null)
                {
                    process.StandardInput.Write(input);
                }

                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The tool exited without reading all of its input; its exit code and message say why.
            }

            if (!process.WaitForExit(s_timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new CommandException($"{commandLine} did not finish within {s_timeout.TotalSeconds:0} s");
            }

            process.WaitForExit();
            return new ToolResult(commandLine, process.ExitCode, output.Result, error.Result);
        }
    }
}

internal sealed record ToolResult(string CommandLine, int ExitCode, string Output, string Error)
{
    public string FirstErrorLine
    {
        get
        {
            string? line = Error.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
            return line ?? $"exit code {ExitCode}";
        }
    }
}
