using System.Diagnostics;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>The outcome of one finished command, with its output for messages.</summary>
internal sealed record CommandResult(string CommandLine, int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    public CommandResult EnsureSuccess() => Succeeded ? this : throw new XunitException(Describe());

    public string Describe()
    {
        string text = $"`{CommandLine}` exited with code {ExitCode}";
        if (Error.Trim() is { Length: > 0 } error)
        {
            text += $"; stderr: {Command.Tail(error)}";
        }

        if (Output.Trim() is { Length: > 0 } output)
        {
            text += $"; stdout: {Command.Tail(output)}";
        }

        return text;
    }
}

/// <summary>Runs programs to completion, always with a deadline, never through a shell unless asked.</summary>
internal static class Command
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static async Task<CommandResult> RunAsync(
        IReadOnlyList<string> command,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? input = null)
    {
        var startInfo = CreateStartInfo(command, environment);
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = input is not null;
        string line = Format(command);

        using var process = Process.Start(startInfo) ?? throw new XunitException($"`{line}` could not be started.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        TimeSpan limit = timeout ?? DefaultTimeout;
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            var partial = new CommandResult(line, -1, await output, await error);
            throw new XunitException($"`{line}` did not finish within {limit.TotalSeconds:0} s and was killed. {partial.Describe()}");
        }

        return new CommandResult(line, process.ExitCode, await output, await error);
    }

    /// <summary>Runs a command and fails the test, with its output, unless it exits with 0.</summary>
    public static async Task<string> CheckAsync(IReadOnlyList<string> command, TimeSpan? timeout = null, string? input = null) =>
        (await RunAsync(command, timeout, input: input)).EnsureSuccess().Output;

    /// <summary>
    /// Runs a command that may leave a daemon behind (wg-quick up, a daemonizing tunnel). The daemon would inherit and
    /// hold our output pipes open, so the command's output goes to a file instead, which stays readable afterwards.
    /// </summary>
    public static async Task<CommandResult> RunDetachedOutputAsync(
        IReadOnlyList<string> command,
        string logFile,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        long start = File.Exists(logFile) ? new FileInfo(logFile).Length : 0;
        string[] wrapped = [Requirements.Find("sh"), "-c", "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1", "sh", logFile, .. command];
        CommandResult result = await RunAsync(wrapped, timeout, environment);
        string written = await ReadFromAsync(logFile, start);
        return result with { CommandLine = Format(command), Output = written };
    }

    public static ProcessStartInfo CreateStartInfo(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment)
    {
        var startInfo = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (string argument in command.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["PATH"] = Requirements.ChildPath;
        startInfo.Environment["LC_ALL"] = "C";
        // Keys appear in full in wg's output; these are throwaway keys inside throwaway namespaces.
        startInfo.Environment["WG_HIDE_KEYS"] = "never";
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        return startInfo;
    }

    public static string Format(IEnumerable<string> command) =>
        string.Join(' ', command.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));

    /// <summary>The end of a long text, for one readable failure message.</summary>
    public static string Tail(string text, int maxLines = 15)
    {
        string[] lines = text.TrimEnd().Split('\n');
        return lines.Length <= maxLines
            ? string.Join('\n', lines)
            : $"(last {maxLines} of {lines.Length} lines)\n" + string.Join('\n', lines[^maxLines..]);
    }

    private static async Task<string> ReadFromAsync(string path, long offset)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
