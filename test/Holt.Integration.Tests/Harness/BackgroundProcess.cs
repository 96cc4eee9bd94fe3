using System.Diagnostics;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>
/// A long-running child (a foreground tunnel, an iperf3 server) whose output is kept, up to a bound, for the test's
/// log when something fails.
/// </summary>
internal sealed class BackgroundProcess : IDisposable
{
    private const int MaxLines = 3000;

    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private int _droppedLines;

    private BackgroundProcess(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
    }

    public string CommandLine { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static BackgroundProcess Start(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = Command.CreateStartInfo(command, environment);
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = true;
        var process = new Process { StartInfo = startInfo };
        var background = new BackgroundProcess(process, Command.Format(command));
        process.OutputDataReceived += (_, e) => background.Append(e.Data);
        process.ErrorDataReceived += (_, e) => background.Append(e.Data);
        if (!process.Start())
        {
            throw new XunitException($"`{background.CommandLine}` could not be started.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return background;
    }

    /// <summary>Waits for the process to end; false if it still runs at the deadline.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public bool Signal(int signal) => !_process.HasExited && Signals.Send(_process.Id, signal);

    /// <summary>The output so far, oldest first, with a note when the start was dropped.</summary>
    public string Log()
    {
        lock (_lines)
        {
            string dropped = _droppedLines > 0 ? $"({_droppedLines} earlier lines dropped)\n" : "";
            return dropped + string.Join('\n', _lines);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > MaxLines)
            {
                _lines.Dequeue();
                _droppedLines++;
            }
        }
    }
}
