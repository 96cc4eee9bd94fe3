using System.CommandLine;
using Holt.Hosting;
using Holt.Logging;
using Holt.Tunnel;

namespace Holt.Cli;

/// <summary><c>holt tunnel NAME</c>: a userspace WireGuard interface driven through the control socket.</summary>
internal static class TunnelCommand
{
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The interface to create, for example wg0 (at most 15 characters)." };
        var foreground = new Option<bool>("--foreground", "-f") { Description = "Stay attached to the terminal instead of daemonizing." };
        var command = new Command(
            "tunnel",
            """
            Run a WireGuard interface in userspace, configured by wg and wg-quick through /var/run/wireguard/NAME.sock.
            Example: holt tunnel wg0 && wg setconf wg0 wg0.conf && ip link set wg0 up
            For wg-quick: WG_QUICK_USERSPACE_IMPLEMENTATION=holt-wg-quick wg-quick up wg0
            LOG_LEVEL=verbose|info|error|silent chooses how much it logs (default info).
            """)
        {
            name,
            foreground,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string interfaceName = result.GetValue(name)!;
            InterfaceName.Validate(interfaceName);
            Privileges.Require();
            _ = LogLevelSwitch.FromEnvironment();
            if (result.GetValue(foreground))
            {
                ReadySignal? ready = Daemon.TakeReadySignal();
                try
                {
                    return TunnelHost.RunForeground(interfaceName, ready);
                }
                catch (CommandException e) when (ready is not null)
                {
                    ready.Fail(e.Message);
                    throw;
                }
            }

            return Daemon.Spawn(["tunnel", "--foreground", interfaceName], s_readyTimeout);
        }));
        return command;
    }
}
