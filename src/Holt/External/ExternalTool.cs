using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;

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
        (Process process, string commandLine) = Start(tool, arguments, installHint);
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

            Finish(process, commandLine);
            return new ToolResult(commandLine, process.ExitCode, output.Result, error.Result);
        }
    }

    /// <summary>
    /// Runs the tool without input and hands its standard output, as it arrives, to <paramref name="read"/>, which
    /// reads it to its end: a listing of megabytes is taken in slices instead of becoming one string. The result's
    /// <see cref="ToolResult.Output"/> is empty. Should <paramref name="read"/> throw, the tool is killed and the
    /// exception passed on.
    /// </summary>
    /// <exception cref="CommandException">The tool is missing or timed out.</exception>
    public static ToolResult TryRunReading(string tool, IEnumerable<string> arguments, Action<Stream> read, string? installHint = null)
    {
        (Process process, string commandLine) = Start(tool, arguments, installHint);
        using (process)
        {
            Task<string> error = process.StandardError.ReadToEndAsync();
            process.StandardInput.Close();

            // A tool that stops writing without exiting is killed at the timeout, which ends the reading too.
            var late = new StrongBox<bool>();
            using (new Timer(_ =>
            {
                late.Value = true;
                Kill(process);
            }, null, s_timeout, Timeout.InfiniteTimeSpan))
            {
                try
                {
                    read(process.StandardOutput.BaseStream);
                }
                catch (Exception e) when (Volatile.Read(ref late.Value))
                {
                    throw new CommandException($"{commandLine} did not finish within {s_timeout.TotalSeconds:0} s", e);
                }
                catch
                {
                    Kill(process);
                    throw;
                }
            }

            if (Volatile.Read(ref late.Value))
            {
                throw new CommandException($"{commandLine} did not finish within {s_timeout.TotalSeconds:0} s");
            }

            Finish(process, commandLine);
            return new ToolResult(commandLine, process.ExitCode, "", error.Result);
        }
    }

    private static (Process Process, string CommandLine) Start(string tool, IEnumerable<string> arguments, string? installHint)
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

        return (process, commandLine);
    }

    /// <summary>Waits for the tool to exit, and for its output to be read; kills it at the timeout.</summary>
    private static void Finish(Process process, string commandLine)
    {
        if (!process.WaitForExit(s_timeout))
        {
            Kill(process);
            throw new CommandException($"{commandLine} did not finish within {s_timeout.TotalSeconds:0} s");
        }

        process.WaitForExit();
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // It exited meanwhile.
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
