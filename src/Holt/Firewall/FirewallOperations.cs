using System.Security.Cryptography;
using Holt.Gateway;
using Holt.Storage;
using Holt.Tunnel;

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
    public static string Preview(ConfigStore store)
    {
        GatewayConfig config = store.Load();
        GatewayState state = StateStore.Load(config.Interface);
        return Ruleset.Build(config, FirewallRuntime.Context(config, state, DateTimeOffset.UtcNow) with
        {
            FirewallActive = true,
            KeepSsh = FirewallRuntime.ParseKeep(FirewallRuntime.CurrentSshSession()),
        });
    }

    /// <summary>
    /// Applies the firewall of holt.toml (after <paramref name="edit"/>, if given, which is written only once the
    /// ruleset checks out) and starts the rollback watcher. Returns the deadline.
    /// </summary>
    public static DateTimeOffset Apply(ConfigStore store, TimeSpan confirmTimeout, Func<GatewayConfig, GatewayConfig>? edit = null)
    {
        if (confirmTimeout < TimeSpan.FromSeconds(5) || confirmTimeout > TimeSpan.FromHours(1))
        {
            throw new CommandException("--confirm-timeout must be between 5 and 3600 seconds");
        }

        using (store.Lock())
        {
            GatewayConfig config = store.Load();
            if (edit is not null)
            {
                config = edit(config);
                GatewayConfigReader.Validate(config);
            }

            GatewayState state = StateStore.Load(config.Interface);
            state.KeepSsh = FirewallRuntime.CurrentSshSession();

            DateTimeOffset now = DateTimeOffset.UtcNow;
            RulesetContext context = FirewallRuntime.Context(config, state, now) with
            {
                FirewallActive = true,
                KeepSsh = FirewallRuntime.ParseKeep(state.KeepSsh),
            };
            string ruleset = Ruleset.Build(config, context);
            Nft.Check(ruleset);

            // What to go back to: the table as it is now (none at all is a valid state too). A pending apply's
            // own rollback file is kept: confirming or rolling back refers to the state before the first one.
            string rollbackPath = FirewallRuntime.RollbackPath(config.Interface);
            if (FirewallRuntime.ReadPending(config.Interface) is null)
            {
                AtomicFile.CreateParent(rollbackPath);
                AtomicFile.WriteAllText(rollbackPath, Nft.ListTable() ?? "");
            }

            if (edit is not null)
            {
                store.Save(config);
            }

            string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            DateTimeOffset deadline = now + confirmTimeout;
            FirewallRuntime.WritePending(config.Interface, token, deadline);
            try
            {
                Nft.Apply(ruleset);
                state.RulesetDigest = null;
                StateStore.Save(config.Interface, state);
                _ = Daemon.Spawn(["firewall", "rollback-watch", "--config", store.Path, "--token", token], TimeSpan.FromSeconds(30), quiet: true);
            }
            catch (CommandException)
            {
                RollBack(config.Interface);
                throw;
            }

            return deadline;
        }
    }

    /// <summary>Keeps the pending apply: the firewall is enabled in holt.toml, so holt up restores it at boot.</summary>
    public static void Confirm(ConfigStore store)
    {
        using (store.Lock())
        {
            GatewayConfig config = store.Load();
            if (FirewallRuntime.ReadPending(config.Interface) is null)
            {
                throw new CommandException("no firewall apply is waiting for confirmation (it was confirmed already, or rolled back)");
            }

            FirewallRuntime.DeletePending(config.Interface);
            if (!config.Firewall.Enabled)
            {
                config = config with { Firewall = config.Firewall with { Enabled = true } };
                store.Save(config);
            }

            // The rule that let the applying SSH client in during the wait goes now.
            GatewayState state = StateStore.Load(config.Interface);
            state.KeepSsh = null;
            StateStore.Save(config.Interface, state);
            _ = Reapply(config, store.LastDigest);
        }
    }

    /// <summary>
    /// The watcher started by <see cref="Apply"/>: waits for the deadline, then rolls back if the same apply is
    /// still pending. Returns true if it rolled back.
    /// </summary>
    public static bool WatchAndRollBack(ConfigStore store, string token, ReadySignal? ready)
    {
        GatewayConfig config = store.Load();
        ready?.Ready();
        while (FirewallRuntime.ReadPending(config.Interface) is (string current, DateTimeOffset deadline) && current == token)
        {
            TimeSpan left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                using (store.Lock())
                {
                    if (FirewallRuntime.ReadPending(config.Interface) is (string still, _) && still == token)
                    {
                        RollBack(config.Interface);
                        return true;
                    }
                }

                return false;
            }

            Thread.Sleep(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
        }

        return false;
    }

    /// <summary><c>holt firewall off</c>: the input firewall goes; the gateway's own forwarding rules stay while it runs.</summary>
    public static bool Off(ConfigStore store)
    {
        using (store.Lock())
        {
            GatewayConfig config = store.Load();
            FirewallRuntime.DeletePending(config.Interface);
            config = config with { Firewall = config.Firewall with { Enabled = false } };
            store.Save(config);
            if (GatewayApplier.ApplyLive(config, DateTimeOffset.UtcNow, store.LastDigest, force: true))
            {
                return true;
            }

            Nft.Remove();
            return false;
        }
    }

    /// <summary>
    /// Re-applies Holt's table from <paramref name="config"/> (the caller holds the lock): through the running
    /// gateway, else directly when the firewall is on. False when there was nothing to apply.
    /// </summary>
    public static bool Reapply(GatewayConfig config, string? configDigest)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        if (GatewayApplier.ApplyLive(config, now, configDigest, force: true))
        {
            return true;
        }

        GatewayState state = StateStore.Load(config.Interface);
        RulesetContext context = FirewallRuntime.Context(config, state, now);
        if (!context.FirewallActive)
        {
            // Nothing of Holt's belongs in nftables while the gateway is down and the firewall off, exposures
            // included: the gateway's teardown removes them too, and holt up loads them with the rest.
            Nft.Remove();
            return false;
        }

        Nft.Apply(Ruleset.Build(config, context));
        return true;
    }

    private static void RollBack(string interfaceName)
    {
        string previous = File.Exists(FirewallRuntime.RollbackPath(interfaceName)) ? File.ReadAllText(FirewallRuntime.RollbackPath(interfaceName)) : "";
        if (previous.Trim().Length == 0)
        {
            Nft.Remove();
        }
        else
        {
            Nft.Apply(previous);
        }

        FirewallRuntime.DeletePending(interfaceName);
        GatewayState state = StateStore.Load(interfaceName);
        state.RulesetDigest = null;
        StateStore.Save(interfaceName, state);
    }
}
