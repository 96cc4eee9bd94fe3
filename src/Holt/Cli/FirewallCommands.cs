using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Machine;
using Holt.Status;

namespace Holt.Cli;

/// <summary><c>holt firewall ...</c> and <c>holt lockdown ssh</c>.</summary>
internal static class FirewallCommands
{
    public static Command Create()
    {
        var firewall = new Command("firewall", "Holt's nftables firewall: SSH and admin ports only through the VPN, public ports listed, everything else dropped.\nExample: holt firewall apply && holt firewall confirm");
        firewall.Subcommands.Add(Show());
        firewall.Subcommands.Add(Apply());
        firewall.Subcommands.Add(Confirm());
        firewall.Subcommands.Add(Status());
        firewall.Subcommands.Add(Off());
        firewall.Subcommands.Add(UpdateRanges());
        firewall.Subcommands.Add(NginxSnippet());
        firewall.Subcommands.Add(RollbackWatch());
        return firewall;
    }

    public static Command Lockdown()
    {
        var lockdown = new Command("lockdown", "One-step hardening.\nExample: holt lockdown ssh");
        var config = GatewayOptions.Config();
        var port = new Option<int?>("--port") { Description = "The SSH port to restrict (default: the ssh_ports of holt.toml, else 22)." };
        var timeout = TimeoutOption();
        var ssh = new Command(
            "ssh",
            """
            SSH only through the VPN: the SSH port is reachable from the VPN subnets (and allow_from) alone. Applied like
            holt firewall apply, with automatic rollback unless holt firewall confirm follows. Refused while the VPN is down.
            Example: holt lockdown ssh && ssh root@10.8.0.1 holt firewall confirm
            """)
        {
            config, port, timeout,
        };
        ssh.SetAction(result => CommandRunner.Run(() =>
        {
            Privileges.Require();
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            GatewayConfig current = store.Load().Gateway;
            if (VpnDown(current))
            {
                throw new CommandException($"the VPN ({current.Interface}) is not running, so SSH through it would be impossible; run holt up first");
            }

            int? chosen = result.GetValue(port);
            if (chosen is < 1 or > 65535)
            {
                throw new CommandException("--port must be between 1 and 65535");
            }

            DateTimeOffset deadline = FirewallOperations.Apply(store, Seconds(result.GetValue(timeout)), TimeProvider.System.GetUtcNow(), config => chosen is int p && !config.Firewall.SshPorts.Contains(p)
                ? config.WithFirewall(config.Firewall with { SshPorts = [.. config.Firewall.SshPorts, p] })
                : config);
            PrintPending(deadline, "SSH now answers only through the VPN");
            return 0;
        }));
        lockdown.Subcommands.Add(ssh);
        return lockdown;
    }

    private static Command Show()
    {
        var config = GatewayOptions.Config();
        var json = GatewayOptions.Json();
        var command = new Command("show", "Print the nftables ruleset holt firewall apply would load (table inet holt-INTERFACE).\nExample: holt firewall show\nExample: holt firewall show --json | jq .ssh_ports") { config, json };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            string ruleset = FirewallOperations.Preview(store, TimeProvider.System.GetUtcNow());
            if (!result.GetValue(json))
            {
                Console.Out.Write(ruleset);
                return 0;
            }

            HoltConfig file = store.Load();
            FirewallConfig firewall = file.Firewall;
            var view = new FirewallShowView(
                Ruleset.TableName(file.Gateway.Interface),
                firewall.Enabled,
                firewall.SshPorts,
                firewall.AdminPorts,
                [.. firewall.AllowFrom.Select(n => n.ToString())],
                firewall.Echo.ToString().ToLowerInvariant(),
                [.. firewall.Public.Select(p => new PublicPortView(p.Port, Ruleset.ProtocolName(p.Protocol), p.NewPerMinute, p.Concurrent, p.CloudflareOnly))],
                [.. firewall.Exposures.Select(e => new ExposedPortView(e.PublicPort, Ruleset.ProtocolName(e.Protocol), e.Peer, e.ToPort, e.Snat))],
                ruleset);
            Console.Out.Write(JsonSerializer.Serialize(view, FirewallShowJson.Default.FirewallShowView) + "\n");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Whether the gateway's VPN is down: nothing runs its interface, or on Holt's engine no Holt daemon does (an
    /// interface of that name without one is another WireGuard's, which Holt's peers cannot use).
    /// </summary>
    private static bool VpnDown(GatewayConfig gateway) =>
        (gateway.Backend == Backend.Engine && PidFile.ReadLive(gateway.Interface) is null) || WireGuardControl.For(gateway).TryGet() is null;

    private static Command Apply()
    {
        var config = GatewayOptions.Config();
        var timeout = TimeoutOption();
        var force = new Option<bool>("--force") { Description = "Apply while the VPN is down too (from a console, say): SSH then answers only through the VPN once it is up." };
        var command = new Command(
            "apply",
            """
            Check the firewall of holt.toml with nft -c, then load it in one transaction. Unless holt firewall confirm
            follows within --confirm-timeout, the previous ruleset comes back by itself. The SSH session running the
            command is always let in. Refused while the VPN is down (SSH would answer only through a tunnel no one
            can use), unless --force.
            Example: holt firewall apply --confirm-timeout 120
            """)
        {
            config, timeout, force,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            Privileges.Require();
            TimeSpan wait = Seconds(result.GetValue(timeout));
            FirewallOperations.CheckConfirmTimeout(wait);
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            GatewayConfig current = store.Load().Gateway;
            if (VpnDown(current))
            {
                string problem = $"the VPN ({current.Interface}) is not running, so SSH would answer only through a tunnel no one can use";
                if (!result.GetValue(force))
                {
                    throw new CommandException($"{problem}; run holt up first, or add --force (this session is let in, and the old rules come back unless holt firewall confirm follows)");
                }

                Console.Error.WriteLine($"holt: warning: {problem}; applying anyway (--force)");
            }

            DateTimeOffset deadline = FirewallOperations.Apply(store, wait, TimeProvider.System.GetUtcNow());
            PrintPending(deadline, "The firewall is loaded");
            return 0;
        }));
        return command;
    }

    private static Command Confirm()
    {
        var config = GatewayOptions.Config();
        var force = new Option<bool>("--force") { Description = "Confirm from outside the VPN too (a public SSH session, a console): nothing then proves you can still get in." };
        var command = new Command(
            "confirm",
            """
            Keep the firewall the last apply loaded (and restore it at every holt up). It must come through the VPN
            (or from an allow_from address): confirming proves you can still get in after the change.
            Example: ssh root@10.8.0.1 holt firewall confirm
            """)
        {
            config, force,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            Privileges.Require();
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            HoltConfig current = store.Load();
            if (FirewallRuntime.ReadPending(current.Gateway.Interface) is null)
            {
                throw new CommandException("no firewall apply is waiting for confirmation (it was confirmed already, or rolled back)");
            }

            if (FirewallOperations.ConfirmationProblem(current, SshSession.CurrentEndpoint()) is string problem)
            {
                if (!result.GetValue(force))
                {
                    throw new CommandException($"{problem}; confirming proves you can still get in, so run it through the VPN (ssh to the gateway's VPN address) or from an allow_from address, or add --force");
                }

                Console.Error.WriteLine($"holt: warning: {problem}; confirming anyway (--force), though nothing shows you can still get in through the VPN");
            }

            FirewallOperations.Confirm(store, TimeProvider.System.GetUtcNow());
            Console.Error.WriteLine("Confirmed: the firewall stays, and holt up restores it after a reboot.");
            return 0;
        }));
        return command;
    }

    private static Command Status()
    {
        var config = GatewayOptions.Config();
        var json = GatewayOptions.Json();
        var command = new Command("status", "Whether the firewall is on and loaded, whether an apply awaits confirmation and how long is left, and its repairs.\nExample: holt firewall status --json") { config, json };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            HoltStatus status = StatusReader.Read(HoltFile.Resolve(result.GetValue(config)), now);
            FirewallView firewall = status.Firewall ?? throw new CommandException($"no gateway in {status.Config}, so no firewall; create one with holt init");
            if (result.GetValue(json))
            {
                Console.Out.Write(JsonSerializer.Serialize(firewall, StatusJson.Plain.FirewallView) + "\n");
            }
            else
            {
                Console.Out.Write($"firewall: {StatusCommand.FirewallSummary(firewall)}\n");
                if (firewall.Pending is PendingView pending)
                {
                    Console.Out.Write($"pending: holt firewall confirm within {pending.SecondsLeft} s (until {pending.Deadline:yyyy-MM-dd HH:mm:ss}Z), or the previous ruleset comes back{(pending.SshSessionLetIn is string keep ? $"; the SSH session {keep} may reconnect until then" : "")}\n");
                }
            }

            if (status.ConfigProblem is string broken)
            {
                Console.Error.WriteLine($"holt: {broken}");
            }

            // Only what concerns the firewall: the rest of the status (the bans, other interfaces) is not shown here.
            foreach (string unread in status.Unread.Where(u => u.Contains($"inet {firewall.Table}", StringComparison.Ordinal)))
            {
                Console.Error.WriteLine($"holt: {unread}");
            }

            return 0;
        }));
        return command;
    }

    private static Command Off()
    {
        var config = GatewayOptions.Config();
        var command = new Command("off", "Turn Holt's firewall off: its input rules go; no other table is touched.\nExample: holt firewall off") { config };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            // Without the privilege the table could not even be seen, so "its table is removed" would be a guess.
            Privileges.Require();
            bool gatewayRunning = FirewallOperations.Off(HoltFile.Resolve(result.GetValue(config)), TimeProvider.System.GetUtcNow());
            Console.Error.WriteLine(gatewayRunning
                ? "The firewall is off; the running gateway keeps its forwarding and NAT rules in its table."
                : "The firewall is off and its table is removed.");
            return 0;
        }));
        return command;
    }

    private static Command UpdateRanges()
    {
        var config = GatewayOptions.Config();
        var from = new Option<string[]>("--from") { Description = "URLs or files with one CIDR a line (default: https://www.cloudflare.com/ips-v4 and ips-v6)." };
        var command = new Command("update-ranges", "Refresh Cloudflare's address ranges used by cloudflare_only ports.\nExample: holt firewall update-ranges --from /tmp/ips-v4 --from /tmp/ips-v6") { config, from };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string[] sources = result.GetValue(from) is { Length: > 0 } given ? given : [.. CloudflareRanges.DefaultSources];
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            RequireIfRangesApply(store.Load());
            (int count, string path, bool applied) = CloudflareRanges.Update(store, sources, TimeProvider.System.GetUtcNow());
            Console.Error.WriteLine($"Wrote {count} ranges to {path}{(applied ? "; the running firewall uses them now" : "")}.");
            return 0;
        }));
        return command;
    }

    private static Command NginxSnippet()
    {
        var config = GatewayOptions.Config();
        var command = new Command("nginx-snippet", "Print an nginx location block that lets only the VPN reach /wp-admin and wp-login.php.\nExample: holt firewall nginx-snippet > /etc/nginx/snippets/holt-wp-admin.conf") { config };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            Console.Out.Write(NginxSnippetWriter.Write(HoltFile.Resolve(result.GetValue(config)).Load()));
            return 0;
        }));
        return command;
    }

    /// <summary>The hidden watcher an apply starts; it rolls back after the deadline unless confirmed.</summary>
    private static Command RollbackWatch()
    {
        var config = GatewayOptions.Config();
        var token = new Option<string>("--token") { Required = true };
        var command = new Command("rollback-watch", "Internal: started by holt firewall apply.") { config, token };
        command.Hidden = true;
        command.SetAction(result => CommandRunner.Run(() =>
        {
            ReadySignal? ready = Daemon.TakeReadySignal();
            _ = FirewallOperations.WatchAndRollBack(HoltFile.Resolve(result.GetValue(config)), result.GetValue(token)!, ready, TimeProvider.System);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// New ranges only write a file, unless cloudflare_only ports use them in a table that is loaded now: the
    /// firewall's (on, or awaiting confirmation) or the running gateway's.
    /// </summary>
    private static void RequireIfRangesApply(HoltConfig config)
    {
        if (!config.Firewall.Public.Any(p => p.CloudflareOnly))
        {
            return;
        }

        if (config.Firewall.Enabled || FirewallRuntime.ReadPending(config.Gateway.Interface) is not null)
        {
            Privileges.Require();
        }

        Privileges.RequireWhileRunning(config.Gateway, "its table takes the new ranges at once");
    }

    private static Option<int> TimeoutOption() => new("--confirm-timeout")
    {
        Description = "Seconds to wait for holt firewall confirm before rolling back (default 60).",
        DefaultValueFactory = _ => (int)FirewallOperations.DefaultConfirmTimeout.TotalSeconds,
    };

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromSeconds(seconds);

    private static void PrintPending(DateTimeOffset deadline, string what)
    {
        int seconds = (int)Math.Ceiling((deadline - TimeProvider.System.GetUtcNow()).TotalSeconds);
        Console.Error.WriteLine($"{what}. Check that you can still reach what you need, then run holt firewall confirm within {seconds.ToString(CultureInfo.InvariantCulture)} s; otherwise the previous ruleset comes back by itself.");
    }
}

/// <summary><c>holt firewall show --json</c>: the firewall of holt.toml, and the ruleset apply would load.</summary>
internal sealed record FirewallShowView(
    string Table, bool Enabled, IReadOnlyList<int> SshPorts, IReadOnlyList<int> AdminPorts, IReadOnlyList<string> AllowFrom, string Echo,
    IReadOnlyList<PublicPortView> Public, IReadOnlyList<ExposedPortView> Exposed, string Ruleset);

internal sealed record PublicPortView(int Port, string Proto, int? NewPerMinute, int? Concurrent, bool CloudflareOnly);

internal sealed record ExposedPortView(int Port, string Proto, string Peer, int ToPort, bool Snat);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(FirewallShowView))]
internal sealed partial class FirewallShowJson : System.Text.Json.Serialization.JsonSerializerContext;
