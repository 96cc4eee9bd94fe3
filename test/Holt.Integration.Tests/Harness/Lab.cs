using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>
/// One test's world: namespaces joined by veth pairs, the WireGuard processes in them, a scratch directory. Built
/// by the scenario, torn down afterwards whatever happened: tunnels still running get SIGTERM and must remove their
/// socket and interface (a requirement, checked on every test), namespaces are deleted, and when anything failed
/// the implementations' logs go to the test output.
/// </summary>
internal sealed partial class Lab
{
    private static readonly Lazy<Task> s_sweep = new(SweepLeftoversAsync);

    private readonly ITestOutputHelper _output;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<NetworkNamespace> _namespaces = [];
    private readonly List<TunnelProcess> _tunnels = [];
    private readonly List<BackgroundProcess> _processes = [];
    private readonly List<Func<Task<IReadOnlyList<string>>>> _teardownSteps = [];
    private readonly List<string> _logFiles = [];

    private Lab(ITestOutputHelper output)
    {
        _output = output;
        Id = Names.NextLab();
        Directory = System.IO.Directory.CreateTempSubdirectory(Id + ".").FullName;
    }

    /// <summary>"hti-PID-N": the prefix of every namespace and interface name in this lab.</summary>
    public string Id { get; }

    /// <summary>Scratch space for keys and configuration files, removed afterwards.</summary>
    public string Directory { get; }

    /// <summary>Builds a lab, runs the scenario in it, and always tears it down.</summary>
    public static async Task RunAsync(ITestOutputHelper output, Func<Lab, Task> scenario)
    {
        Requirements.EnsureMet();
        await s_sweep.Value;

        // Which holt this run measures, JIT or NativeAOT, heads every test's log.
        string holt = HoltExecutable.Describe();
        var lab = new Lab(output);
        lab.Log("holt: " + holt);
        Exception? failure = null;
        try
        {
            await scenario(lab);
        }
        catch (Exception e)
        {
            failure = e;
        }

        lab.Log(failure is null ? "scenario done, tearing down" : $"scenario failed ({failure.GetType().Name}), tearing down");
        IReadOnlyList<string> problems = await lab.TearDownAsync();
        lab.Log("teardown done");
        foreach (string problem in problems)
        {
            lab.Log("teardown: " + problem);
        }

        if (failure is not null || problems.Count > 0)
        {
            lab.WriteLogs();
        }

        // Only now: the logs read above live in the lab's directory.
        System.IO.Directory.Delete(lab.Directory, recursive: true);

        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        if (problems.Count > 0)
        {
            throw new XunitException("Teardown found problems:\n" + string.Join('\n', problems));
        }
    }

    /// <summary>A line in the test output, stamped with the time since the lab began.</summary>
    public void Log(string message)
    {
        try
        {
            _output.WriteLine($"[{_clock.Elapsed.TotalSeconds,7:0.000} s] {message}");
        }
        catch (InvalidOperationException)
        {
            // The test has already finished (an xunit rule); the line has nowhere to go.
        }
    }

    /// <summary>Starts a helper (an iperf3 server) that is killed at teardown if it has not ended.</summary>
    public BackgroundProcess StartProcess(NetworkNamespace ns, params string[] command)
    {
        var process = BackgroundProcess.Start(ns.Wrap(command));
        _processes.Add(process);
        return process;
    }

    /// <summary>A step of teardown (stopping a gateway daemon), run before the tunnels stop; returns problems found.</summary>
    public void OnTeardown(Func<Task<IReadOnlyList<string>>> step) => _teardownSteps.Add(step);

    /// <summary>A log file written to the test output when the test fails.</summary>
    public void KeepLog(string path) => _logFiles.Add(path);

    private void WriteLogs()
    {
        foreach (string file in _logFiles.Where(File.Exists))
        {
            _output.WriteLine($"----- {Path.GetFileName(file)} -----");
            _output.WriteLine(Command.Tail(File.ReadAllText(file), 300));
        }

        foreach (TunnelProcess tunnel in _tunnels)
        {
            _output.WriteLine($"----- log of {tunnel.Describe()} -----");
            string log = tunnel.Log();
            _output.WriteLine(log.Trim().Length == 0 ? "(no output)" : Command.Tail(log, 300));
        }
    }

    private async Task<IReadOnlyList<string>> TearDownAsync()
    {
        var problems = new List<string>();
        foreach (BackgroundProcess process in _processes)
        {
            process.Dispose();
        }

        foreach (Func<Task<IReadOnlyList<string>>> step in Enumerable.Reverse(_teardownSteps))
        {
            try
            {
                problems.AddRange(await step());
            }
            catch (Exception e) when (e is XunitException or IOException)
            {
                problems.Add(e.Message);
            }
        }

        // Stop the tunnels one way the drop-in contract requires, SIGTERM, and hold them to a clean exit.
        foreach (TunnelProcess tunnel in _tunnels.Where(t => !t.Stopped))
        {
            try
            {
                problems.AddRange(await tunnel.StopAsync(StopMethod.SigTerm));
            }
            catch (Exception e) when (e is XunitException or IOException)
            {
                problems.Add($"Stopping {tunnel.Describe()} failed: {e.Message}");
                tunnel.Kill();
            }
        }

        foreach (NetworkNamespace ns in Enumerable.Reverse(_namespaces))
        {
            if (await ns.DeleteAsync() is { } problem)
            {
                problems.Add(problem);
            }
        }

        if (System.IO.Directory.Exists(TunnelProcess.SocketDirectory))
        {
            foreach (string socket in System.IO.Directory.EnumerateFiles(TunnelProcess.SocketDirectory, Id + "*.sock"))
            {
                File.Delete(socket);
            }
        }

        return problems;
    }

    /// <summary>
    /// Removes what runs killed before their teardown left: namespaces and sockets named by a process that no
    /// longer exists. Only names with our prefix are touched.
    /// </summary>
    private static async Task SweepLeftoversAsync()
    {
        CommandResult list = await Command.RunAsync([Tools.Ip, "netns", "list"]);
        foreach (string line in list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = line.Split(' ')[0];
            if (Names.OwnerOf(name) is int owner && owner != Environment.ProcessId && !Signals.IsRunning(owner))
            {
                await new NetworkNamespace(name).DeleteAsync();
            }
        }

        if (!System.IO.Directory.Exists(TunnelProcess.SocketDirectory))
        {
            return;
        }

        foreach (string socket in System.IO.Directory.EnumerateFiles(TunnelProcess.SocketDirectory, Names.Prefix + "*.sock"))
        {
            if (Names.OwnerOf(Path.GetFileNameWithoutExtension(socket)) is int owner
                && owner != Environment.ProcessId && !Signals.IsRunning(owner))
            {
                File.Delete(socket);
            }
        }
    }
}
