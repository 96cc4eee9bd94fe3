using Microsoft.Extensions.Logging;

namespace Holt.Gateway;

/// <summary>
/// IP forwarding, which a hub needs to pass traffic between peers and to the networks behind it. Turned on at
/// <c>holt up</c> and left on at <c>holt down</c>: other services (containers, routers) may rely on it too.
/// IPv6 forwarding is turned on only when the gateway has an IPv6 subnet.
/// </summary>
internal static partial class Forwarding
{
    private const string Ipv4 = "/proc/sys/net/ipv4/ip_forward";
    private const string Ipv6 = "/proc/sys/net/ipv6/conf/all/forwarding";

    public static void Enable(GatewayConfig config, ILogger logger)
    {
        EnableOne(Ipv4, "net.ipv4.ip_forward", logger);
        if (config.Subnet6 is not null)
        {
            EnableOne(Ipv6, "net.ipv6.conf.all.forwarding", logger);
        }
    }

    private static void EnableOne(string path, string name, ILogger logger)
    {
        try
        {
            if (File.ReadAllText(path).Trim() == "1")
            {
                return;
            }

            File.WriteAllText(path, "1\n");
            LogEnabled(logger, name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot enable forwarding ({name}): {e.Message}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "enabled forwarding: {Name}=1")]
    private static partial void LogEnabled(ILogger logger, string name);
}
