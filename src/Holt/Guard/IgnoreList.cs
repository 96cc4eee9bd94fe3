using System.Net;
using Holt.Firewall;
using Holt.Gateway;

namespace Holt.Guard;

/// <summary>
/// Addresses the guard never bans: loopback, the VPN's subnets (when a gateway configuration exists), and the
/// client of the SSH session running the command (SSH_CONNECTION), so an operator cannot lock themselves out.
/// </summary>
internal static class IgnoreList
{
    /// <summary>Why <paramref name="network"/> must not be banned, or null.</summary>
    public static string? Explain(IPNetwork network, ConfigStore store)
    {
        IPAddress first = network.BaseAddress;
        if (IPAddress.IsLoopback(first) || (Subnets.IsIPv4(network) && network.Contains(IPAddress.Loopback)) || network.Contains(IPAddress.IPv6Loopback))
        {
            return "loopback";
        }

        if (store.Exists)
        {
            GatewayConfig config = store.Load();
            foreach (IPNetwork subnet in GatewayConfigReader.VpnSubnets(config))
            {
                if (Overlaps(subnet, network))
                {
                    return $"the VPN subnet {subnet}";
                }
            }
        }

        if (FirewallRuntime.ParseKeep(FirewallRuntime.CurrentSshSession()) is (IPAddress client, _) && network.Contains(client))
        {
            return $"your own SSH session from {client}";
        }

        return null;
    }

    private static bool Overlaps(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));
}
