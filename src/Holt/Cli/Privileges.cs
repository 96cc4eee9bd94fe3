using Holt.Gateway;
using Holt.Machine;

namespace Holt.Cli;

/// <summary>
/// The refusal a command without CAP_NET_ADMIN gets, before it reads or writes anything: one line, instead of
/// whatever the kernel's refusal turns into further on (a TUN "Bad file descriptor", an nft error, or a listing
/// that is empty only because it could not be read).
/// </summary>
internal static class Privileges
{
    /// <summary>For commands that change interfaces or nftables whatever they are given.</summary>
    /// <exception cref="CommandException">The process lacks CAP_NET_ADMIN.</exception>
    public static void Require()
    {
        if (!Capabilities.HasNetAdmin())
        {
            throw new CommandException(Capabilities.NetAdminMissing);
        }
    }

    /// <summary>
    /// For commands that touch the gateway's interface only while it runs (a peer edit applies at once, a peer
    /// listing reads handshakes and traffic from it): without the gateway they work on holt.toml alone.
    /// </summary>
    /// <param name="why">What the running gateway needs the privilege for, to finish the message.</param>
    /// <exception cref="CommandException">The gateway runs and the process lacks CAP_NET_ADMIN.</exception>
    public static void RequireWhileRunning(GatewayConfig gateway, string why)
    {
        if (!Capabilities.HasNetAdmin() && Runs(gateway.Interface))
        {
            throw new CommandException($"{Capabilities.NetAdminMissing}: the gateway {gateway.Interface} is running, and {why}");
        }
    }

    /// <summary>
    /// Whether the gateway's daemon runs in this network namespace, as any user can tell: its claim file is
    /// world-readable, where its control socket and the kernel's WireGuard state are not.
    /// </summary>
    private static bool Runs(string interfaceName) => GatewayClaim.Running().Any(c => c.Interface == interfaceName);
}
