using System.CommandLine;
using Holt.Quick;

namespace Holt.Cli;

/// <summary>
/// <c>holt up</c> and <c>holt down</c>. Given a wg-quick file they do what wg-quick does with it, on Holt's
/// engine; the gateway's own configuration is the other branch.
/// </summary>
internal static class UpDownCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Create(
            "up",
            """
            Bring an interface up. With a wg-quick file (its first section is [Interface]) this is wg-quick up on
            Holt's engine: Address, DNS, MTU, Table, the PreUp/PostUp hooks and full-tunnel policy routing work as
            wg-quick does them; SaveConfig = true is refused. If anything fails, what was done is undone.
            Example: holt up --config /etc/wireguard/wg0.conf
            """,
            up: true);
        yield return Create(
            "down",
            """
            Take an interface down, undoing what holt up did: the PreDown/PostDown hooks run, and the interface, its
            policy rules, firewall table and DNS record go.
            Example: holt down --config /etc/wireguard/wg0.conf
            """,
            up: false);
    }

    private static Command Create(string verb, string description, bool up)
    {
        var config = new Option<string>("--config", "-c") { Description = "The configuration file, for example a wg-quick file wg0.conf." };
        var name = new Option<string>("--interface", "-i")
        {
            Description = "The interface name; for a wg-quick file it defaults to the file's name without .conf.",
        };
        var command = new Command(verb, description) { config, name };
        command.SetAction(result => CommandRunner.Run(() =>
            Run(result.GetValue(config), result.GetValue(name), up)));
        return command;
    }

    private static int Run(string? configPath, string? interfaceName, bool up)
    {
        string? text = configPath is null ? null : QuickConfigFile.Read(configPath);
        if (configPath is null || text is null || !QuickConfigFile.IsQuickConfig(text))
        {
            // The gateway's configuration (holt.toml) is handled here: return up ? GatewayUpDown.Up(configPath) : GatewayUpDown.Down(configPath).
            throw new CommandException("gateway configuration not supported yet");
        }

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
