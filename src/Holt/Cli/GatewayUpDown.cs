using Holt.Gateway;
using Holt.Interop;
using Holt.Tunnel;

namespace Holt.Cli;

/// <summary>
/// <c>holt up</c> and <c>holt down</c> for the gateway of holt.toml. The first <c>holt up</c> on a machine without
/// a configuration creates one with safe defaults, says so, and goes on.
/// </summary>
internal static class GatewayUpDown
{
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(20);

    public static int Up(ConfigStore store, bool foreground)
    {
        if (foreground)
        {
            ReadySignal? ready = Daemon.TakeReadySignal();
            try
            {
                EnsureConfig(store);
                return GatewayHost.RunForeground(store, ready);
            }
            catch (CommandException e) when (ready is not null)
            {
                ready.Fail(e.Message);
                throw;
            }
        }

        EnsureConfig(store);
        GatewayConfig config;
        using (store.Lock())
        {
            config = store.Load();
            if (GatewayApplier.ApplyLive(config, DateTimeOffset.UtcNow, store.LastDigest, force: true))
            {
                Console.Error.WriteLine($"{config.Interface} is already up; applied {store.Path}.");
                return 0;
            }
        }

        _ = Daemon.Spawn(["up", "--foreground", "--config", store.Path], s_readyTimeout);
        config = store.Load();
        int active = config.Peers.Count(p => p.IsActive(DateTimeOffset.UtcNow));
        Console.Error.WriteLine($"{config.Interface} is up: {config.Address}/{config.Subnet.PrefixLength}, UDP port {config.ListenPort}, {active} active peer{(active == 1 ? "" : "s")}, {(config.Backend == Backend.Kernel ? "kernel module" : "Holt's engine")}.");
        if (config.Peers.Count == 0)
        {
            Console.Error.WriteLine("Add a device: holt peer add NAME");
        }

        return 0;
    }

    public static int Down(ConfigStore store)
    {
        GatewayConfig config = store.Load();
        int? pid = PidFile.ReadLive(config.Interface);
        if (pid is null)
        {
            throw new CommandException($"the gateway {config.Interface} is not running");
        }

        if (Libc.kill(pid.Value, Libc.SIGTERM) != 0)
        {
            throw new CommandException($"cannot stop the gateway daemon (pid {pid}): {Libc.Describe(Libc.LastErrno)}");
        }

        // The daemon saves the totals and removes the interface and its pid file before it exits.
        DateTime deadline = DateTime.UtcNow + s_stopTimeout;
        while (PidFile.IsHolt(pid.Value))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new CommandException($"the gateway daemon (pid {pid}) did not stop within {s_stopTimeout.TotalSeconds:0} s");
            }

            Thread.Sleep(20);
        }

        Console.Error.WriteLine($"{config.Interface} is down; traffic totals saved.");
        return 0;
    }

    /// <summary>The first run: no configuration yet, so create one as holt init would, and say what was chosen.</summary>
    private static void EnsureConfig(ConfigStore store)
    {
        if (store.Exists)
        {
            return;
        }

        GatewayConfig created = InitCommand.Initialize(store, new InitOptions(), force: false);
        Console.Error.WriteLine($"No configuration at {store.Path}, so Holt created one: interface {created.Interface}, subnet {created.Subnet}, UDP port {created.ListenPort}, and clients will dial {created.ClientEndpoint} (the detected address; change 'endpoint' in the file if clients reach this machine by another name or a NAT address).");
    }
}
