using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>The ways a userspace WireGuard interface must shut down cleanly, as wireguard-go does.</summary>
public enum StopMethod
{
    SigTerm,
    SigInt,
    SocketDeleted,
    InterfaceDeleted,
}

/// <summary>
/// A running userspace WireGuard interface: the process of one implementation, its TUN interface and its control
/// socket. Started in the foreground (the process is our child) or as a daemon (found among the namespace's processes).
/// </summary>
internal sealed class TunnelProcess
{
    public const string SocketDirectory = "/var/run/wireguard";

    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(10);

    private readonly BackgroundProcess? _foreground;
    private readonly string? _logFile;
    private IReadOnlyList<int> _daemonPids = [];

    private TunnelProcess(Implementation implementation, NetworkNamespace ns, string name, BackgroundProcess? foreground, string? logFile)
    {
        Implementation = implementation;
        Namespace = ns;
        Name = name;
        _foreground = foreground;
        _logFile = logFile;
    }

    public Implementation Implementation { get; }

    public WireGuardImplementation Launcher => WireGuardImplementation.For(Implementation);

    public NetworkNamespace Namespace { get; }

    public string Name { get; }

    public string SocketPath => Path.Combine(SocketDirectory, Name + ".sock");

    public bool Stopped { get; private set; }

    /// <summary>Launches <c>IMPL -f NAME</c>; call <see cref="WaitUntilReadyAsync"/> next.</summary>
    public static TunnelProcess StartForeground(Implementation implementation, NetworkNamespace ns, string name)
    {
        var launcher = WireGuardImplementation.For(implementation);
        var process = BackgroundProcess.Start(ns.Wrap(launcher.Foreground(name)), WireGuardImplementation.Environment);
        return new TunnelProcess(implementation, ns, name, process, null);
    }

    /// <summary>A tunnel some other command daemonized (the implementation's own daemon mode, or wg-quick up).</summary>
    public static TunnelProcess ForDaemon(Implementation implementation, NetworkNamespace ns, string name, string logFile) =>
        new(implementation, ns, name, null, logFile);

    /// <summary>Records the daemon's process: whatever runs in the namespace now that did not before it started.</summary>
    public async Task AdoptDaemonAsync(IReadOnlyCollection<int> processesBefore)
    {
        _daemonPids = [.. (await Namespace.ProcessIdsAsync()).Except(processesBefore)];
        if (_daemonPids.Count == 0)
        {
            throw new XunitException($"{Describe()} left no process running in {Namespace}: the daemon exited. Log:\n{LogTail()}");
        }
    }

    /// <summary>Waits until the control socket answers <c>wg show</c>; fails at once if the process exits first.</summary>
    public async Task WaitUntilReadyAsync()
    {
        await Poll.UntilAsync(
            async () =>
            {
                if (_foreground is { HasExited: true })
                {
                    throw new XunitException(
                        $"{Describe()} exited with code {_foreground.ExitCode} before its control socket {SocketPath} was ready. " +
                        $"Log:\n{LogTail()}");
                }

                return File.Exists(SocketPath) && (await Namespace.TryExecAsync(Tools.Wg, "show", Name)).Succeeded;
            },
            s_readyTimeout,
            () => $"{Describe()}: control socket {SocketPath} not ready (`wg show {Name}` failing) after {s_readyTimeout.TotalSeconds:0} s");
    }

    /// <summary>
    /// Stops the tunnel the given way and checks it shut down cleanly (see <see cref="ConfirmShutdownAsync"/>).
    /// Returns the problems; whatever is left is removed.
    /// </summary>
    public async Task<IReadOnlyList<string>> StopAsync(StopMethod method)
    {
        var problems = new List<string>();
        string how = method switch
        {
            StopMethod.SigTerm => "SIGTERM",
            StopMethod.SigInt => "SIGINT",
            StopMethod.SocketDeleted => $"rm {SocketPath}",
            _ => $"ip link del {Name}",
        };

        switch (method)
        {
            case StopMethod.SigTerm or StopMethod.SigInt:
                int signal = method == StopMethod.SigTerm ? Signals.SigTerm : Signals.SigInt;
                if (_foreground is not null && !_foreground.Signal(signal))
                {
                    problems.Add($"{Describe()} had already exited (code {_foreground.ExitCode}) before {how}.");
                }

                foreach (int pid in _daemonPids)
                {
                    Signals.Send(pid, signal);
                }

                break;
            case StopMethod.SocketDeleted:
                File.Delete(SocketPath);
                break;
            case StopMethod.InterfaceDeleted:
                await Namespace.IpAsync("link", "del", "dev", Name);
                break;
        }

        problems.AddRange(await ConfirmShutdownAsync(how, checkExitCode: problems.Count == 0));
        return problems;
    }

    /// <summary>
    /// After something asked the tunnel to stop (<paramref name="how"/>): checks that the process exits (with 0
    /// when it is our child), and that the control socket and the interface are gone. Returns the problems and
    /// removes whatever was left.
    /// </summary>
    public async Task<IReadOnlyList<string>> ConfirmShutdownAsync(string how, bool checkExitCode = true)
    {
        Stopped = true;
        var problems = new List<string>();
        if (!await WaitForExitAsync())
        {
            problems.Add($"{Describe()} was still running {s_stopTimeout.TotalSeconds:0} s after {how}; killed.");
            Kill();
        }
        else if (checkExitCode && _foreground is { ExitCode: not 0 } exited)
        {
            problems.Add($"{Describe()} exited with code {exited.ExitCode} after {how}, expected 0.");
        }

        if (File.Exists(SocketPath))
        {
            problems.Add($"{Describe()} left its control socket {SocketPath} behind after {how}.");
            File.Delete(SocketPath);
        }

        // The kernel removes a TUN interface when its last descriptor closes; allow it a moment after the exit.
        bool linkGone = await Poll.TryUntilAsync(async () => !await Namespace.HasLinkAsync(Name), TimeSpan.FromSeconds(3));
        if (!linkGone)
        {
            problems.Add($"{Describe()} left interface {Name} behind in {Namespace} after {how}.");
        }

        return problems;
    }

    /// <summary>Kills the process without ceremony, for cleanup after a failure.</summary>
    public void Kill()
    {
        Stopped = true;
        _foreground?.Dispose();
        foreach (int pid in _daemonPids)
        {
            Signals.Send(pid, Signals.SigKill);
        }
    }

    public string Log()
    {
        if (_foreground is not null)
        {
            return _foreground.Log();
        }

        return _logFile is not null && File.Exists(_logFile) ? File.ReadAllText(_logFile) : "(no output)";
    }

    /// <summary>The end of the log, for a failure message.</summary>
    public string LogTail() => Log().Trim() is { Length: > 0 } log ? Command.Tail(log, 40) : "(no output)";

    /// <summary>"holt (hti-1-2b)": a host's interface and namespace share their name.</summary>
    public string Describe() => Name == Namespace.Name ? $"{Launcher.Name} ({Name})" : $"{Launcher.Name} ({Name} in {Namespace})";

    private async Task<bool> WaitForExitAsync()
    {
        if (_foreground is not null)
        {
            return await _foreground.WaitForExitAsync(s_stopTimeout);
        }

        return await Poll.TryUntilAsync(() => Task.FromResult(!_daemonPids.Any(Signals.IsRunning)), s_stopTimeout);
    }
}
