using System.CommandLine;
using Holt.Gateway;

namespace Holt.Cli;

/// <summary><c>holt up</c> and <c>holt down</c>.</summary>
internal static class UpDownCommands
{
    public static IEnumerable<Command> Create()
    {
        var upConfig = GatewayOptions.Config();
        var foreground = new Option<bool>("--foreground", "-f") { Description = "Stay attached (for systemd) instead of daemonizing." };
        var up = new Command(
            "up",
            """
            Bring the gateway up from its configuration: Holt's engine (or the kernel module), addresses, MTU,
            forwarding and the peers. With no configuration yet, creates one first (as holt init would).
            Example: holt up
            """)
        {
            upConfig, foreground,
        };
        up.SetAction(result => CommandRunner.Run(() => GatewayUpDown.Up(ConfigStore.Resolve(result.GetValue(upConfig)), result.GetValue(foreground))));

        var downConfig = GatewayOptions.Config();
        var down = new Command("down", "Take the gateway down: saves the traffic totals, removes the interface and Holt's nftables table.\nExample: holt down")
        {
            downConfig,
        };
        down.SetAction(result => CommandRunner.Run(() => GatewayUpDown.Down(ConfigStore.Resolve(result.GetValue(downConfig)))));
        return [up, down];
    }
}
