using System.CommandLine;
using Holt.Config;
using Holt.Quick;

namespace Holt.Cli;

/// <summary>
/// <c>holt up</c> and <c>holt down</c>: the gateway of holt.toml by default; given a wg-quick file, what wg-quick
/// does with it, on Holt's engine.
/// </summary>
internal static class UpDownCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Create(
            "up",
            """
            Bring the gateway up from holt.toml: Holt's engine (or the kernel module), addresses, MTU, forwarding and
            the peers. With no configuration yet, creates one first with safe defaults (as holt init would).
            With a wg-quick file (its first section is [Interface]) this is wg-quick up on Holt's engine: Address,
            DNS, MTU, Table, the PreUp/PostUp hooks and full-tunnel policy routing work as wg-quick does them;
            SaveConfig = true is refused. If anything fails, what was done is undone.
            Example: holt up     (a client: holt up --config /etc/wireguard/wg0.conf)
            """,
            up: true);
        yield return Create(
            "down",
            """
            Take the gateway down: the traffic totals are saved, the interface and Holt's nftables table removed.
            With a wg-quick file, undo what holt up did: the PreDown/PostDown hooks run, and the interface, its
            policy rules, firewall table and DNS record go.
            Example: holt down     (a client: holt down --config /etc/wireguard/wg0.conf)
            """,
            up: false);
    }

    private static Command Create(string verb, string description, bool up)
    {
        var config = new Option<string>("--config", "-c")
        {
            Description = $"holt.toml (default: ${ConfigStore.PathVariable}, else {ConfigStore.DefaultPath}), or a wg-quick file such as wg0.conf.",
        };
        var name = new Option<string>("--interface", "-i")
        {
            Description = "For a wg-quick file: the interface name (default: the file's name without .conf).",
        };
        var command = new Command(verb, description) { config, name };
        Option<bool>? foreground = null;
        if (up)
        {
            foreground = new Option<bool>("--foreground", "-f") { Description = "The gateway: stay attached (for systemd) instead of daemonizing." };
            command.Options.Add(foreground);
        }

        command.SetAction(result => CommandRunner.Run(() =>
            Run(result.GetValue(config), result.GetValue(name), foreground is not null && result.GetValue(foreground), up)));
        return command;
    }

    private static int Run(string? configPath, string? interfaceName, bool foreground, bool up)
    {
        // Both ways, for the gateway and for wg-quick files, every step changes interfaces or nftables (holt down
        // signals a daemon of root's): said before a file is read or created, as wg-quick does.
        Privileges.Require();
        ConfigStore store = HoltFile.Resolve(configPath);
        if (File.Exists(store.Path))
        {
            string text = QuickConfigFile.Read(store.Path);
            if (QuickConfigFile.IsQuickConfig(text))
            {
                if (foreground)
                {
                    throw new CommandException("--foreground is for the gateway; a wg-quick file's interface always runs as a daemon");
                }

                return RunQuick(store.Path, text, interfaceName, up);
            }
        }

        if (!File.Exists(store.Path) && Path.GetExtension(store.Path) == ".conf")
        {
            // A missing wg-quick file is a mistake, not a request to create a gateway configuration there.
            throw new CommandException($"{store.Path}: no such file");
        }

        if (interfaceName is not null)
        {
            throw new CommandException($"--interface is for wg-quick files; the gateway's interface is 'interface' in {store.Path}");
        }

        return up ? GatewayUpDown.Up(store, foreground, TimeProvider.System) : GatewayUpDown.Down(store, TimeProvider.System);
    }

    private static int RunQuick(string configPath, string text, string? interfaceName, bool up)
    {
        string name = QuickConfigFile.InterfaceNameFor(configPath, interfaceName);
        using QuickConfig config = QuickConfigParser.Parse(configPath, text);
        if (QuickConfigFile.WorldAccessibleWarning(configPath) is { } accessible)
        {
            Console.Error.WriteLine($"holt: {accessible}");
        }

        foreach (string warning in config.Warnings)
        {
            Console.Error.WriteLine($"holt: warning: {warning}");
        }

        var system = new LinuxQuickSystem();
        if (up)
        {
            using IDisposable interrupts = system.CatchInterrupts();
            ClientTunnel.Up(config, name, system);
        }
        else
        {
            ClientTunnel.Down(config, name, system);
        }

        return 0;
    }
}
