using System.CommandLine;

namespace Holt.Cli;

/// <summary><c>holt tunnel NAME</c>: a userspace WireGuard interface driven through the control socket.</summary>
internal static class TunnelCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The interface to create, for example wg0." };
        var foreground = new Option<bool>("--foreground", "-f") { Description = "Stay attached to the terminal instead of daemonizing." };
        var command = new Command("tunnel", "Run a WireGuard interface in userspace, driven by wg and wg-quick.")
        {
            name,
            foreground,
        };
        command.SetAction(result => 0);
        return command;
    }
}
