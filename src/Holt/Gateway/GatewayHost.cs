using Holt.Guard;
using Holt.Logging;
using Holt.Storage;
using Holt.Tunnel;
using Holt.Uapi;
using Microsoft.Extensions.Logging;

namespace Holt.Gateway;

/// <summary>
/// The gateway daemon that <c>holt up</c> starts: it creates the interface from holt.toml, applies the peers, the
/// addresses, forwarding and the nftables table, then stays to keep the traffic totals, disable expired peers and
/// pick up hand edits of the file. SIGTERM (<c>holt down</c>), SIGINT or SIGHUP stop it; stopping saves the totals
/// and removes the interface and Holt's table.
/// </summary>
internal static partial class GatewayHost
{
    /// <summary>How often the counters are saved; a crash loses at most this much of the totals.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(10);

    public static int RunForeground(ConfigStore store, ReadySignal? ready)
    {
        LogLevel level = LogLevelSwitch.FromEnvironment();
        GatewayConfig config;
        using (store.Lock())
        {
            config = store.Load();
        }

        var logger = new TextLogger(Console.Error, config.Interface, level);
        using var stop = new StopRequest();

        GatewayInterface network;
        WireGuardControl control = WireGuardControl.For(config);
        DateTime configWritten;
        using (store.Lock())
        {
            config = store.Load(verifyKeyPairs: true);
            configWritten = File.GetLastWriteTimeUtc(store.Path);
            if (control.TryGet() is not null)
            {
                throw new CommandException($"the gateway interface {config.Interface} is already running");
            }

            network = GatewayInterface.Create(config, logger);
            try
            {
                config = BringUp(store, config, control, logger);
            }
            catch
            {
                TearDown(config, network);
                throw;
            }
        }

        using (network)
        {
            using CancellationTokenRegistration gone = network.Gone.Register(() => stop.Stop("the interface was deleted"));
            int active = config.Peers.Count(p => p.IsActive(DateTimeOffset.UtcNow));
            LogRunning(logger, config.Interface, config.ListenPort, active);
            RunningGuard? guard = StartGuard(config, logger);
            ready?.Ready();
            while (!stop.Token.WaitHandle.WaitOne(NextWake(config)))
            {
                GatewayConfig before = config;
                config = Tick(store, config, control, ref configWritten, logger);
                if (!ReferenceEquals(before, config) && GatewayConfigWriter.GuardText(before.Guard) != GatewayConfigWriter.GuardText(config.Guard))
                {
                    // A hand edit of [guard]: the guard starts over with it (its read positions and bans are kept).
                    guard?.Dispose();
                    guard = StartGuard(config, logger);
                }
            }

            LogStopping(logger, stop.Reason);
            guard?.Dispose();
            using (store.Lock())
            {
                SaveTotals(config, control, logger);

                // The file as it is now decides whether the firewall stays (a command may have changed it since
                // the last round).
                GatewayConfig latest = config;
                try
                {
                    latest = store.Load();
                }
                catch (CommandException e)
                {
                    LogBadConfig(logger, e.Message);
                }

                TearDown(latest.Interface == config.Interface ? latest : config, network: null);
            }
        }

        return 0;
    }

    /// <summary>Starts the guard when holt.toml enables it; a guard that cannot start is logged, the VPN runs on.</summary>
    private static RunningGuard? StartGuard(GatewayConfig config, ILogger logger)
    {
        if (!config.Guard.Enabled)
        {
            return null;
        }

        try
        {
            return GuardRunner.Start(config.Guard, GatewayConfigReader.VpnSubnets(config), logger);
        }
        catch (Exception e) when (e is CommandException or StoreException)
        {
            LogGuardFailed(logger, e.Message);
            return null;
        }
    }

    private static GatewayConfig BringUp(ConfigStore store, GatewayConfig config, WireGuardControl control, ILogger logger)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        _ = DisableExpired(ref config, now, logger, store);

        // A fresh interface counts from zero for every peer, and has no table of Holt's yet.
        GatewayState state = StateStore.Load(config.Interface);
        state.RulesetDigest = null;
        foreach (PeerTraffic traffic in state.Peers.Values)
        {
            traffic.DeviceRx = 0;
            traffic.DeviceTx = 0;
        }

        StateStore.Save(config.Interface, state);
        DeviceStatus status = control.TryGet() ?? throw new CommandException($"interface {config.Interface} vanished while starting");
        GatewayApplier.Apply(config, control, status, now, store.LastDigest);
        GatewayInterface.Configure(config);
        Forwarding.Enable(config, logger);
        PidFile.Write(config.Interface);
        return config;
    }

    private static void TearDown(GatewayConfig config, GatewayInterface? network)
    {
        PidFile.Delete(config.Interface);
        try
        {
            // An enabled firewall protects the machine whether or not the VPN runs; it stays.
            if (!config.Firewall.Enabled && Firewall.FirewallRuntime.ReadPending(config.Interface) is null)
            {
                Firewall.Nft.Remove();
            }
        }
        catch (CommandException)
        {
            // Nothing to remove, or nft is missing, in which case nothing was installed.
        }

        network?.Dispose();
    }

    private static TimeSpan NextWake(GatewayConfig config)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        TimeSpan wait = SampleInterval;
        foreach (PeerConfig peer in config.Peers)
        {
            if (peer.Enabled && peer.Expires is DateTimeOffset expires && expires > now && expires - now < wait)
            {
                wait = expires - now;
            }
        }

        // Wake just after the expiry instant, never spin.
        return wait + TimeSpan.FromMilliseconds(50);
    }

    /// <summary>
    /// One round: re-read the file if it changed (a broken edit is logged and the last good configuration kept),
    /// disable expired peers, and fold the interface's counters into the totals.
    /// </summary>
    private static GatewayConfig Tick(ConfigStore store, GatewayConfig current, WireGuardControl control, ref DateTime configWritten, ILogger logger)
    {
        try
        {
            using (store.Lock())
            {
                GatewayConfig config = current;
                bool apply = false;
                DateTime written = File.GetLastWriteTimeUtc(store.Path);
                if (written != configWritten)
                {
                    configWritten = written;
                    try
                    {
                        GatewayConfig loaded = store.Load();
                        if (loaded.Interface != current.Interface || loaded.Backend != current.Backend ||
                            loaded.Subnet != current.Subnet || loaded.Subnet6 != current.Subnet6 ||
                            !Equals(loaded.Address, current.Address) || !Equals(loaded.Address6, current.Address6) || loaded.Mtu != current.Mtu)
                        {
                            LogRestartNeeded(logger, store.Path);
                        }
                        else
                        {
                            // A holt command's edit was applied by that command; only a hand edit needs applying.
                            config = loaded;
                            apply = store.LastDigest != StateStore.Load(config.Interface).AppliedConfigDigest;
                        }
                    }
                    catch (CommandException e)
                    {
                        LogBadConfig(logger, e.Message);
                    }
                }

                DateTimeOffset now = DateTimeOffset.UtcNow;
                apply |= DisableExpired(ref config, now, logger, store);
                DeviceStatus? status = control.TryGet();
                if (status is null)
                {
                    return config;
                }

                if (apply)
                {
                    GatewayApplier.Apply(config, control, status, now, store.LastDigest);
                    configWritten = File.GetLastWriteTimeUtc(store.Path);
                }
                else
                {
                    GatewayState state = StateStore.Load(config.Interface);
                    if (state.Sample(status))
                    {
                        StateStore.Save(config.Interface, state);
                    }
                }

                return config;
            }
        }
        catch (CommandException e)
        {
            LogTickFailed(logger, e.Message);
            return current;
        }
    }

    /// <summary>Marks expired peers disabled (in the file too, when given a store); true if any was.</summary>
    private static bool DisableExpired(ref GatewayConfig config, DateTimeOffset now, ILogger logger, ConfigStore? store)
    {
        List<PeerConfig> expired = config.Peers.Where(p => p.Enabled && p.IsExpired(now)).ToList();
        if (expired.Count == 0)
        {
            return false;
        }

        var names = expired.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        config = config with { Peers = config.Peers.Select(p => names.Contains(p.Name) ? p with { Enabled = false } : p).ToList() };
        store?.Save(config);
        foreach (PeerConfig peer in expired)
        {
            LogExpired(logger, peer.Name);
        }

        return true;
    }

    private static void SaveTotals(GatewayConfig config, WireGuardControl control, ILogger logger)
    {
        try
        {
            if (control.TryGet() is DeviceStatus status)
            {
                GatewayState state = StateStore.Load(config.Interface);
                _ = state.Sample(status);
                StateStore.Save(config.Interface, state);
            }
        }
        catch (CommandException e)
        {
            LogTickFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "gateway {Name} is up on UDP port {Port} with {Peers} active peers")]
    private static partial void LogRunning(ILogger logger, string name, int port, int peers);

    [LoggerMessage(Level = LogLevel.Information, Message = "shutting down: {Reason}")]
    private static partial void LogStopping(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Name} expired and is now disabled")]
    private static partial void LogExpired(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Message}; keeping the last good configuration")]
    private static partial void LogBadConfig(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} changed the interface, backend, subnets, addresses or MTU; run holt down and holt up to apply that")]
    private static partial void LogRestartNeeded(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogTickFailed(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the guard did not start: {Message}")]
    private static partial void LogGuardFailed(ILogger logger, string message);
}
