namespace Holt.Integration.Tests.Harness;

/// <summary><c>holt up</c> and <c>holt down</c> with a wg-quick file, run in a host's namespace.</summary>
internal sealed partial class Lab
{
    /// <summary>
    /// Runs <c>holt up --config FILE</c> in the host's namespace. After a success the engine it left running is the
    /// host's tunnel, stopped at teardown like any other. <paramref name="path"/> goes first on PATH (a fake
    /// resolvconf).
    /// </summary>
    public async Task<CommandResult> HoltUpAsync(Host host, string configFile, string? path = null)
    {
        IReadOnlyList<int> before = await host.Namespace.ProcessIdsAsync();
        string log = Path.Combine(Directory, host.Interface + ".log");
        CommandResult result = await RunHoltAsync(host, "up", configFile, log, path);
        if (result.Succeeded)
        {
            var tunnel = TunnelProcess.ForDaemon(Implementation.Holt, host.Namespace, host.Interface, log);
            _tunnels.Add(tunnel);
            host.Tunnel = tunnel;
            await tunnel.AdoptDaemonAsync(before);
        }

        return result;
    }

    /// <summary>Runs <c>holt down --config FILE</c> in the host's namespace.</summary>
    public Task<CommandResult> HoltDownAsync(Host host, string configFile, string? path = null) =>
        RunHoltAsync(host, "down", configFile, Path.Combine(Directory, host.Interface + ".log"), path);

    private async Task<CommandResult> RunHoltAsync(Host host, string verb, string configFile, string log, string? path)
    {
        var environment = new Dictionary<string, string>(WireGuardImplementation.Environment);
        if (path is not null)
        {
            environment["PATH"] = path + ":" + Requirements.ChildPath;
        }

        Log($"holt {verb} --config {Path.GetFileName(configFile)} in {host.Namespace}");

        // The engine holt up leaves behind would hold our output pipes open: the output goes to the log file.
        CommandResult result = await Command.RunDetachedOutputAsync(host.Namespace.Wrap(Tools.Holt, verb, "--config", configFile), log, environment: environment);
        Log($"holt {verb} exited with {result.ExitCode}:\n{result.Output.TrimEnd()}");
        return result;
    }
}
