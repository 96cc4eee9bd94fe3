using System.Net;
using System.Security.Cryptography;
using Holt.Config;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Machine;
using Holt.Nft;
using Holt.Storage;

namespace Holt.Firewall;

/// <summary>
/// Safe firewall changes. An apply is checked with <c>nft -c</c>, the table it replaces is saved, the new one
/// loaded in one transaction, and a watcher process started that puts the saved table back after the timeout
/// unless <c>holt firewall confirm</c> comes first. The SSH session that ran the command is let in by a rule of its
/// own, so an apply never cuts it; if the operator is cut off another way, the rollback restores access.
/// </summary>
internal static class FirewallOperations
{
    public static readonly TimeSpan DefaultConfirmTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The ruleset an apply would load, for <c>holt firewall show</c>.</summary>
    public static string Preview(ConfigStore store, DateTimeOffset now)
    {
        HoltConfig config = store.Load();
        GatewayState state = StateStore.Load(config.Gateway.Interface);
        return Ruleset.Build(config, FirewallRuntime.Context(config, state, now) with
        {
            FirewallActive = true,
            KeepSsh = SshSession.CurrentEndpoint(),
        });
    }

    /// <summary>Refuses a confirmation window too short to confirm in, or so long that a lockout would last.</summary>
    public static void CheckConfirmTimeout(TimeSpan confirmTimeout)
    {
        if (confirmTimeout < TimeSpan.FromSeconds(5) || confirmTimeout > TimeSpan.FromHours(1))
        {
            throw new CommandException("--confirm-timeout must be between 5 and 3600 seconds");
        }
    }

    /// <summary>
    /// Applies the firewall of holt.toml (after <paramref name="edit"/>, if given, which is written only once the
    /// ruleset checks out) and starts the rollback watcher. Returns the deadline.
    /// </summary>
    public static DateTimeOffset Apply(ConfigStore store, TimeSpan confirmTimeout, DateTimeOffset now, Func<HoltConfig, HoltConfig>? edit = null)
    {
        CheckConfirmTimeout(confirmTimeout);

        using (store.Lock())
        {
            HoltConfig config = store.Load();
            if (edit is not null)
            {
                config = edit(config);
                store.Format.Validate(config);
            }

            string name = config.Gateway.Interface;
            string table = FirewallTable.NameFor(config.Gateway);
            GatewayState state = StateStore.Load(name);
            state.KeepSsh = SshSession.Current();
            RulesetContext context = FirewallRuntime.Context(config, state, now) with
            {
                FirewallActive = true,
                KeepSsh = SshSession.Parse(state.KeepSsh),
            };
            string ruleset = Ruleset.Build(config, context);
            NftTables.Check(table, ruleset);

            // What to go back to: the table as it is now (none at all is a valid state too). A pending apply's
            // own rollback file is kept: confirming or rolling back refers to the state before the first one.
            string rollbackPath = FirewallRuntime.RollbackPath(name);
            if (FirewallRuntime.ReadPending(name) is null)
            {
                AtomicFile.CreateParent(rollbackPath);
                AtomicFile.WriteAllText(rollbackPath, NftTables.List(table) ?? "");
            }

            if (edit is not null)
            {
                // The file as it was before the first unconfirmed edit: a rollback puts it back, so an edit that is
                // not confirmed (a port exposed in the dashboard) does not come back at the next reload.
                string configRollback = FirewallRuntime.ConfigRollbackPath(name);
                if (!File.Exists(configRollback))
                {
                    AtomicFile.CreateParent(configRollback);
                    AtomicFile.WriteAllText(configRollback, File.ReadAllText(store.Path));
                }

                store.Save(config);
            }

            string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            DateTimeOffset deadline = now + confirmTimeout;
            FirewallRuntime.WritePending(name, token, deadline);
            try
            {
                FirewallTable.Load(name, ruleset, state);
                StateStore.Save(name, state);
                _ = Daemon.Spawn(["firewall", "rollback-watch", "--config", store.Path, "--token", token], TimeSpan.FromSeconds(30), quiet: true);
            }
            catch (CommandException)
            {
                RollBack(store, name);
                throw;
            }

            return deadline;
        }
    }

    /// <summary>Keeps the pending apply: the firewall is enabled in holt.toml, so holt up restores it at boot.</summary>
    public static void Confirm(ConfigStore store, DateTimeOffset now)
    {
        using (store.Lock())
        {
            HoltConfig config = store.Load();
            string name = config.Gateway.Interface;
            if (FirewallRuntime.ReadPending(name) is null)
            {
                throw new CommandException("no firewall apply is waiting for confirmation (it was confirmed already, or rolled back)");
            }

            FirewallRuntime.DeletePending(name);
            File.Delete(FirewallRuntime.ConfigRollbackPath(name));
            if (!config.Firewall.Enabled)
            {
                config = config.WithFirewall(config.Firewall with { Enabled = true });
                store.Save(config);
            }

            // The rule that let the applying SSH client in during the wait goes now.
            GatewayState state = StateStore.Load(name);
            state.KeepSsh = null;
            StateStore.Save(name, state);
            _ = Reapply(config, now);
        }
    }

    /// <summary>
    /// Why a confirmation from this session would prove nothing, or null when it does: it must come through the
    /// VPN (an SSH client address in the VPN's subnets) or from an allow_from network, the ways in the firewall keeps.
    /// </summary>
    public static string? ConfirmationProblem(HoltConfig config, (IPAddress Client, int Port)? session)
    {
        if (session is not (IPAddress client, _))
        {
            return "this is not an SSH session (a console, or sudo without the session's environment), so it shows nothing about access through the VPN";
        }

        if (config.Gateway.VpnSubnets.Any(s => s.Contains(client)) || config.Firewall.AllowFrom.Any(n => n.Contains(client)))
        {
            return null;
        }

        return $"this SSH session comes from {client}, outside the VPN and allow_from";
    }

    /// <summary>
    /// The watcher started by <see cref="Apply"/>: waits for the deadline, then rolls back if the same apply is
    /// still pending. Returns true if it rolled back.
    /// </summary>
    public static bool WatchAndRollBack(ConfigStore store, string token, ReadySignal? ready, TimeProvider time)
    {
        string name = store.Load().Gateway.Interface;
        ready?.Ready();
        while (FirewallRuntime.ReadPending(name) is (string current, DateTimeOffset deadline) && current == token)
        {
            TimeSpan left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                using (store.Lock())
                {
                    if (FirewallRuntime.ReadPending(name) is (string still, _) && still == token)
                    {
                        RollBack(store, name);
                        return true;
                    }
                }

                return false;
            }

            // The deadline is re-read each round: a confirmation (the file gone) ends the wait at once.
            Task.Delay(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500), time).GetAwaiter().GetResult();
        }

        return false;
    }

    /// <summary><c>holt firewall off</c>: the input firewall goes; the gateway's own forwarding rules stay while it runs.</summary>
    public static bool Off(ConfigStore store, DateTimeOffset now)
    {
        using (store.Lock())
        {
            HoltConfig config = store.Load();
            FirewallRuntime.DeletePending(config.Gateway.Interface);
            config = config.WithFirewall(config.Firewall with { Enabled = false });
            store.Save(config);
            if (GatewayRunning(config.Gateway))
            {
                _ = FirewallTable.Apply(config, now, force: true);
                return true;
            }

            FirewallTable.Remove(config.Gateway.Interface);
            return false;
        }
    }

    /// <summary>
    /// Re-applies Holt's table from <paramref name="config"/> (the caller holds the lock): through the running
    /// gateway, else directly when the firewall is on. False when there was nothing to apply.
    /// </summary>
    public static bool Reapply(HoltConfig config, DateTimeOffset now)
    {
        if (GatewayRunning(config.Gateway))
        {
            _ = FirewallTable.Apply(config, now, force: true);
            return true;
        }

        GatewayState state = StateStore.Load(config.Gateway.Interface);
        RulesetContext context = FirewallRuntime.Context(config, state, now);
        if (!context.FirewallActive)
        {
            // Nothing of Holt's belongs in nftables while the gateway is down and the firewall off, exposures
            // included: the gateway's teardown removes them too, and holt up loads them with the rest.
            FirewallTable.Remove(config.Gateway.Interface);
            return false;
        }

        _ = FirewallTable.Apply(config, now, force: true);
        return true;
    }

    /// <summary>Whether the gateway's interface runs now (its daemon keeps the table, so a change goes there too).</summary>
    public static bool GatewayRunning(GatewayConfig gateway) => WireGuardControl.For(gateway).TryGet() is not null;

    /// <summary>Puts back the table (and holt.toml, if the apply edited it) as they were before the pending apply. The caller holds the store's lock.</summary>
    private static void RollBack(ConfigStore store, string interfaceName)
    {
        string configRollback = FirewallRuntime.ConfigRollbackPath(interfaceName);
        if (File.Exists(configRollback))
        {
            AtomicFile.WriteAllText(store.Path, File.ReadAllText(configRollback));
            File.Delete(configRollback);
        }

        string previous = File.Exists(FirewallRuntime.RollbackPath(interfaceName)) ? File.ReadAllText(FirewallRuntime.RollbackPath(interfaceName)) : "";
        if (previous.Trim().Length == 0)
        {
            FirewallTable.Remove(interfaceName);
        }
        else
        {
            GatewayState rolled = StateStore.Load(interfaceName);
            FirewallTable.Load(interfaceName, previous, rolled);

            // The text loaded is an older listing, not what Holt builds now: the next apply must load afresh.
            rolled.RulesetDigest = null;
            StateStore.Save(interfaceName, rolled);
        }

        FirewallRuntime.DeletePending(interfaceName);
    }
}
