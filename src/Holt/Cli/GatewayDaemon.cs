using Holt.Audit;
using Holt.Config;
using Holt.Dashboard;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Guard;
using Holt.Hosting;
using Holt.Logging;
using Holt.Metrics;
using Holt.Monitor;
using Holt.Monitor.Notify;
using Holt.Nft;
using Holt.Status;
using Holt.Storage;
using Microsoft.Extensions.Logging;

namespace Holt.Cli;

/// <summary>
/// The daemon <c>holt up</c> starts: the gateway's interface first, then its services on one host, in order: the
/// gateway (peers, totals, expiry), the firewall (the gateway's nftables table, kept in place) and the guard. SIGTERM
/// (<c>holt down</c>), SIGINT or SIGHUP stop it, or the interface being deleted; stopping saves the totals and
/// removes the interface, and the gateway's table unless the firewall is enabled (it protects the machine whether
/// or not the VPN runs).
/// </summary>
internal static partial class GatewayDaemon
{
    public static int Run(ConfigStore store, ReadySignal? ready, TimeProvider time)
    {
        HoltConfig config;
        using (store.Lock())
        {
            config = store.Load();
        }

        TextWriter log = DaemonLog.Open();
        var logger = new TextLogger(log, config.Gateway.Interface, LogLevelSwitch.FromEnvironment(), time);
        if (store.ModeProblem() is string exposed)
        {
            LogExposedConfig(logger, exposed);
        }

        using var stop = new StopRequest();
        GatewayRuntime runtime;
        using (store.Lock())
        {
            config = store.Load(thorough: true);
            runtime = GatewayRuntime.BringUp(config.Gateway, store.Path, time.GetUtcNow(), logger);
        }

        ResumeAuditRollback(logger);
        using MonitorStore? history = MonitorStore.TryOpen(logger);
        using var host = new ServiceHost(store, logger, time);
        bool runRecorded = RecordStart(history, config.Gateway.Interface, host.Health, logger);
        host.Add(new GatewayService(store, runtime.Control), c => (c ?? config).Gateway, critical: true);
        host.Add(new FirewallService(store), c => FirewallSettings.Of(c ?? config), critical: true);
        host.Add(new GuardDaemonService(), c => GuardSettings.Of(c ?? config));
        var monitored = new LatestMonitorStatus(new StatusFile());
        // monitor.db keeps the alerts and their outbox across restarts; without it (it cannot be opened: said once)
        // alerts still go out, from memory.
        InterfaceAlerts? kept = history is null ? null : new InterfaceAlerts(history, config.Gateway.Interface);
        var alerts = new AlertWiring(kept, kept as IOutbox ?? new MemoryOutbox(), () => Signals(config.Gateway.Interface), AlertWiring.ThisHost);
        using var monitor = new MonitorService(runtime.Control.TryGet, monitored, new HostSignals(StateStore.StateDirectory()), alerts: alerts, history: history,
            knownHandshakes: () => KnownHandshakes(config.Gateway.Interface), daemon: host.Health.View);
        host.Add(monitor, c => MonitorSettings.Of((c ?? config).Gateway, (c ?? config).Monitor));
        var scraped = new ScrapeStatus(store, time, () => host.Current ?? config);
        var audits = new AuditStore(AuditStore.DefaultPath);
        // The audit reads what only root may (sshd's host keys, every process's sockets, the accounts): a daemon
        // without root keeps showing the last report holt audit kept, and runs none of its own.
        AuditRunner? auditor = Environment.IsPrivilegedProcess ? new AuditRunner(() => Auditor.Run(AuditCommands.Machine(store.Path, null)), audits) : null;
        using var metrics = new MetricsService(
            () => new MetricsSnapshot(scraped.Read(), monitored.Current, runtime.Drops(), host.Health.View()), [new AuditFamilies(audits.Latest)]);
        host.Add(metrics, c => MetricsSettings.Of(c ?? config));
        using var dashboard = new DashboardService(
            new DashboardSources(
                store, time, () => host.Current ?? config, scraped.Read, () => monitored.Current, Editing.Gateway(store, time),
                (file, peer) => Editing.ClientConfigOf(file, peer) is string client ? (client, ClientConfigWarnings.Of(client, file.Gateway, store.Path)) : default,
                audits, auditor),
            new LoginLinks(LoginLinks.DefaultDirectory, time));
        host.Add(dashboard, c => DashboardSettings.Of(c ?? config));
        using AuditService? audit = auditor is null ? null : new AuditService(auditor);
        if (audit is not null)
        {
            host.Add(audit, _ => AuditSchedule.Default);
        }

        try
        {
            using CancellationTokenRegistration gone = runtime.Gone.Register(() => stop.Stop("the interface was deleted"));
            int active = config.Gateway.Peers.Count(p => p.IsActive(time.GetUtcNow()));
            LogRunning(logger, config.Gateway.Interface, config.Gateway.ListenPort, active);
            host.Run(config, stop.Token, () => ready?.Ready());
            LogStopping(logger, stop.Reason);
        }
        finally
        {
            TearDown(store, runtime, host.Current ?? config, logger);
            if (runRecorded)
            {
                RecordStop(history!, config.Gateway.Interface, host.Health.StartedAt, logger);
            }
        }

        return 0;
    }

    /// <summary>Records this start in monitor.db and tells the daemon's health what the runs before it left.</summary>
    private static bool RecordStart(MonitorStore? history, string interfaceName, DaemonHealth health, ILogger logger)
    {
        if (history is null)
        {
            return false;
        }

        try
        {
            DaemonRuns runs = history.StartRun(interfaceName, health.StartedAt);
            health.SetRuns(runs);
            if (runs.AfterUncleanStop)
            {
                LogUncleanStart(logger);
            }

            return true;
        }
        catch (StoreException e)
        {
            LogRunsUnrecorded(logger, e.Message);
            return false;
        }
    }

    /// <summary>A clean stop, so the next start does not count as one after a crash.</summary>
    private static void RecordStop(MonitorStore history, string interfaceName, DateTimeOffset startedAt, ILogger logger)
    {
        try
        {
            history.EndRun(interfaceName, startedAt);
        }
        catch (StoreException e)
        {
            LogRunsUnrecorded(logger, e.Message);
        }
    }

    /// <summary>Each peer's latest handshake as the gateway's saved state has it (none when it cannot be read).</summary>
    private static Dictionary<string, DateTimeOffset> KnownHandshakes(string interfaceName)
    {
        try
        {
            return StateStore.Load(interfaceName).Peers
                .Where(p => p.Value.LastHandshake is not null)
                .ToDictionary(p => p.Key, p => p.Value.LastHandshake!.Value, StringComparer.Ordinal);
        }
        catch (CommandException)
        {
            return [];
        }
    }

    /// <summary>
    /// The figures of the other services the monitor's rules watch: the guard's bans so far (none while it does not
    /// run) and the repairs of the gateway's and the guard's nftables tables.
    /// </summary>
    private static GatewaySignals Signals(string interfaceName) => new(
        GuardStatus.ReadRunning()?.Sum(j => j.Bans),
        RepairLog.Read(FirewallRuntime.RepairsPath(interfaceName)).Count + RepairLog.Read(GuardDaemonService.RepairsPath).Count);

    /// <summary>
    /// What holt down undoes: the interface, and the gateway's table unless the firewall is enabled or an apply
    /// awaits confirmation. The file as it is now decides (a command may have changed it since the last reload).
    /// </summary>
    private static void TearDown(ConfigStore store, GatewayRuntime runtime, HoltConfig lastGood, ILogger logger)
    {
        using (store.Lock())
        {
            HoltConfig decide = lastGood;
            try
            {
                decide = store.Load();
            }
            catch (CommandException e)
            {
                LogBadConfig(logger, e.Message);
            }

            string name = runtime.Config.Interface;
            bool keep = (decide.Gateway.Interface == name ? decide.Firewall.Enabled : lastGood.Firewall.Enabled) ||
                FirewallRuntime.ReadPending(name) is not null;
            try
            {
                if (!keep)
                {
                    FirewallTable.Remove(name);
                }
            }
            catch (CommandException e)
            {
                LogTearDownFailed(logger, e.Message);
            }

            runtime.TearDown();
        }
    }

    /// <summary>
    /// An sshd fix of holt audit that awaited confirmation when the machine went down has lost its watcher: a new one
    /// rolls it back at its deadline (at once when that has passed), so a reboot never makes an unconfirmed change stay.
    /// </summary>
    private static void ResumeAuditRollback(ILogger logger)
    {
        try
        {
            if (Audit.AuditFixes.ResumeWatch() is Audit.AuditPending pending)
            {
                LogAuditWatchResumed(logger, pending.DropIn, pending.Deadline);
            }
        }
        catch (CommandException e)
        {
            LogAuditWatchFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "holt audit fix of {DropIn} awaits confirmation until {Deadline:u}; it rolls back then unless confirmed")]
    private static partial void LogAuditWatchResumed(ILogger logger, string dropIn, DateTimeOffset deadline);

    [LoggerMessage(Level = LogLevel.Error, Message = "cannot watch the unconfirmed holt audit fix: {Problem}")]
    private static partial void LogAuditWatchFailed(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "gateway {Name} is up on UDP port {Port} with {Peers} active peers")]
    private static partial void LogRunning(ILogger logger, string name, int port, int peers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Problem}")]
    private static partial void LogExposedConfig(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the daemon's last run ended without stopping (a kill -9, a crash, a power cut)")]
    private static partial void LogUncleanStart(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "monitor: the daemon's runs are not recorded: {Problem}")]
    private static partial void LogRunsUnrecorded(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "shutting down: {Reason}")]
    private static partial void LogStopping(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Message}; deciding from the last good configuration")]
    private static partial void LogBadConfig(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogTearDownFailed(ILogger logger, string message);
}
