using System.CommandLine;
using System.Globalization;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Tunnel;

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
            ConfigStore store = ConfigStore.Resolve(result.GetValue(config));
            GatewayConfig current = store.Load();
            if (WireGuardControl.For(current).TryGet() is null)
            {
                throw new CommandException($"the VPN ({current.Interface}) is not running, so SSH through it would be impossible; run holt up first");
            }

            int? chosen = result.GetValue(port);
            if (chosen is < 1 or > 65535)
            {
                throw new CommandException("--port must be between 1 and 65535");
            }

            DateTimeOffset deadline = FirewallOperations.Apply(store, Seconds(result.GetValue(timeout)), config => chosen is int p && !config.Firewall.SshPorts.Contains(p)
                ? config with { Firewall = config.Firewall with { SshPorts = [.. config.Firewall.SshPorts, p] } }
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
        var command = new Command("show", "Print the nftables ruleset holt firewall apply would load (table inet holt).\nExample: holt firewall show") { config };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            Console.Out.Write(FirewallOperations.Preview(ConfigStore.Resolve(result.GetValue(config))));
            return 0;
        }));
        return command;
    }

    private static Command Apply()
    {
        var config = GatewayOptions.Config();
        var timeout = TimeoutOption();
        var command = new Command(
            "apply",
            """
            Check the firewall of holt.toml with nft -c, then load it in one transaction. Unless holt firewall confirm
            follows within --confirm-timeout, the previous ruleset comes back by itself. The SSH session running the
            command is always let in.
            Example: holt firewall apply --confirm-timeout 120
            """)
        {
            config, timeout,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            DateTimeOffset deadline = FirewallOperations.Apply(ConfigStore.Resolve(result.GetValue(config)), Seconds(result.GetValue(timeout)));
            PrintPending(deadline, "The firewall is loaded");
            return 0;
        }));
        return command;
    }

    private static Command Confirm()
    {
        var config = GatewayOptions.Config();
        var command = new Command("confirm", "Keep the firewall the last apply loaded (and restore it at every holt up).\nExample: holt firewall confirm") { config };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            FirewallOperations.Confirm(ConfigStore.Resolve(result.GetValue(config)));
            Console.Error.WriteLine("Confirmed: the firewall stays, and holt up restores it after a reboot.");
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
            bool gatewayRunning = FirewallOperations.Off(ConfigStore.Resolve(result.GetValue(config)));
            Console.Error.WriteLine(gatewayRunning
                ? "The firewall is off; the running gateway keeps its forwarding and NAT rules in table inet holt."
                : "The firewall is off and table inet holt is removed.");
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
            (int count, string path, bool applied) = CloudflareRanges.Update(ConfigStore.Resolve(result.GetValue(config)), sources);
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
            Console.Out.Write(NginxSnippetWriter.Write(ConfigStore.Resolve(result.GetValue(config)).Load()));
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
            _ = FirewallOperations.WatchAndRollBack(ConfigStore.Resolve(result.GetValue(config)), result.GetValue(token)!, ready);
            return 0;
        }));
        return command;
    }

    private static Option<int> TimeoutOption() => new("--confirm-timeout")
    {
        Description = "Seconds to wait for holt firewall confirm before rolling back (default 60).",
        DefaultValueFactory = _ => (int)FirewallOperations.DefaultConfirmTimeout.TotalSeconds,
    };

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromSeconds(seconds);

    private static void PrintPending(DateTimeOffset deadline, string what)
    {
        int seconds = (int)Math.Ceiling((deadline - DateTimeOffset.UtcNow).TotalSeconds);
        Console.Error.WriteLine($"{what}. Check that you can still reach what you need, then run holt firewall confirm within {seconds.ToString(CultureInfo.InvariantCulture)} s; otherwise the previous ruleset comes back by itself.");
    }
}
