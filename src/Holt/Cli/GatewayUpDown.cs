using Holt.Config;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Interop;
using Holt.Machine;

namespace Holt.Cli;

/// <summary>
/// <c>holt up</c> and <c>holt down</c> for the gateway of holt.toml. The first <c>holt up</c> on a machine without
/// a configuration creates one with safe defaults, says so, and goes on.
/// </summary>
internal static class GatewayUpDown
{
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(20);

    public static int Up(ConfigStore store, bool foreground, TimeProvider time)
    {
        if (foreground)
        {
            // The daemon logs it at its start instead: its standard error is /dev/null, or the log itself.
            ConfigStore.ModeWarnings = null;
            ReadySignal? ready = Daemon.TakeReadySignal();
            try
            {
                EnsureConfig(store);
                RefuseForeignInterface(store);
                return GatewayDaemon.Run(store, ready, time);
            }
            catch (CommandException e) when (ready is not null)
            {
                ready.Fail(e.Message);
                throw;
            }
        }

        EnsureConfig(store);
        RefuseForeignInterface(store);
        HoltConfig config;
        using (store.Lock())
        {
            config = store.Load();
            if (Editing.Apply(config, time.GetUtcNow(), force: true))
            {
                Console.Error.WriteLine($"{config.Gateway.Interface} is already up; applied {store.Path}.");
                return 0;
            }
        }

        _ = Daemon.Spawn(["up", "--foreground", "--config", store.Path], s_readyTimeout, log: DaemonLog.For(config.Gateway.Interface));
        GatewayConfig gateway = store.Load().Gateway;
        int active = gateway.Peers.Count(p => p.IsActive(time.GetUtcNow()));
        Console.Error.WriteLine($"{gateway.Interface} is up: {gateway.Address}/{gateway.Subnet.PrefixLength}, UDP port {gateway.ListenPort}, {active} active peer{(active == 1 ? "" : "s")}, {(gateway.Backend == Backend.Kernel ? "kernel module" : "Holt's engine")}.");
        if (gateway.Peers.Count == 0)
        {
            Console.Error.WriteLine("Add a device: holt peer add NAME");
        }

        return 0;
    }

    /// <summary>
    /// Stops the gateway daemon of this holt.toml. The interface comes from the file, or, when a hand edit broke it,
    /// from the claim of the daemon that runs with this file: a broken file must never keep the gateway from going down.
    /// </summary>
    public static int Down(ConfigStore store, TimeProvider time)
    {
        string name;
        try
        {
            name = store.Load().Gateway.Interface;
        }
        catch (CommandException e) when (GatewayClaim.Running().FirstOrDefault(c => c.Config == store.Path) is GatewayClaim claim)
        {
            Console.Error.WriteLine($"holt: {e.Message}; stopping the gateway that runs with it ({claim.Interface}) all the same");
            name = claim.Interface;
        }

        int? pid = PidFile.ReadLive(name);
        if (pid is null)
        {
            throw new CommandException($"the gateway {name} is not running");
        }

        if (Libc.kill(pid.Value, Libc.SIGTERM) != 0)
        {
            throw new CommandException($"cannot stop the gateway daemon (pid {pid}): {Libc.Describe(Libc.LastErrno)}");
        }

        // The daemon saves the totals and removes the interface and its pid file before it exits.
        long started = time.GetTimestamp();
        while (HoltProcess.IsHolt(pid.Value))
        {
            if (time.GetElapsedTime(started) > s_stopTimeout)
            {
                throw new CommandException($"the gateway daemon (pid {pid}) did not stop within {s_stopTimeout.TotalSeconds:0} s");
            }

            Thread.Sleep(20);
        }

        Console.Error.WriteLine($"{name} is down; traffic totals saved.");
        return 0;
    }

    /// <summary>
    /// Refuses an interface name that another WireGuard already runs on Holt's engine's terms (a UAPI socket that
    /// answers, such as wg-quick's wireguard-go, with no Holt daemon behind it): taken for the gateway, it would be
    /// configured with the gateway's peers while no daemon watches it, and the old server would stop working.
    /// </summary>
    private static void RefuseForeignInterface(ConfigStore store)
    {
        GatewayConfig gateway;
        try
        {
            gateway = store.Load().Gateway;
        }
        catch (Exception e) when (e is CommandException or ConfigException)
        {
            // The caller loads it again and reports what is wrong with it.
            return;
        }

        if (gateway.Backend == Backend.Engine && PidFile.ReadLive(gateway.Interface) is null && WireGuardControl.For(gateway).TryGet() is not null)
        {
            throw new CommandException($"interface {gateway.Interface} is already run by another WireGuard, not by a Holt gateway (such as wg-quick with wireguard-go): stop it first (wg-quick down {gateway.Interface}), or give the gateway another interface in {store.Path}");
        }
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
        InitCommand.WarnIfPrivateEndpoint(created, store.Path, rerun: "");
    }
}
