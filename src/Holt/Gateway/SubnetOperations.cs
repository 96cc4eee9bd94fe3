using System.Net;
using Holt.Config;

namespace Holt.Gateway;

/// <summary>
/// Growing a VPN subnet in place: a larger network that contains the old one, so the gateway and every peer keep
/// their addresses and their keys, and new peers get room. Starting over with <c>holt init</c> would lose them all.
/// </summary>
internal static class SubnetOperations
{
    public static EditResult Grow(GatewayEdit edit, string cidr) =>
        edit((config, _) =>
        {
            if (Subnets.TryParseNetwork(cidr, out IPNetwork wanted) is string bad)
            {
                throw new CommandException(bad);
            }

            bool v4 = Subnets.IsIPv4(wanted);
            IPNetwork current = v4 ? config.Subnet : config.Subnet6 ?? throw new CommandException($"the gateway has no IPv6 subnet to grow (subnet6 in [gateway])");
            if (wanted == current)
            {
                throw new CommandException($"the subnet is {current} already");
            }

            if (wanted.PrefixLength > current.PrefixLength || !wanted.Contains(current.BaseAddress))
            {
                throw new CommandException($"{wanted} does not contain the subnet {current}: growing keeps every address, so the new subnet must contain the old one, such as {Larger(current)}");
            }

            if (wanted.PrefixLength < (v4 ? MinPrefix4 : MinPrefix6))
            {
                throw new CommandException($"{wanted} is larger than Holt gives a VPN (at most /{(v4 ? MinPrefix4 : MinPrefix6)})");
            }

            return v4 ? config with { Subnet = wanted } : config with { Subnet6 = wanted };
        });

    /// <summary>The network twice the size of <paramref name="subnet"/> that contains it: what to suggest when it is full.</summary>
    public static IPNetwork Larger(IPNetwork subnet) =>
        subnet.PrefixLength == 0 ? subnet : IPNetwork.Parse($"{subnet.BaseAddress}/{subnet.PrefixLength - 1}");

    /// <summary>The largest VPN subnets: a /8 of IPv4 (16 million peers) and a /48 of IPv6 are far beyond any gateway.</summary>
    private const int MinPrefix4 = 8;
    private const int MinPrefix6 = 48;

    /// <summary>What a client configured before the change still routes: said, since its config is its own to update.</summary>
    public static string ClientNote(IPNetwork before, IPNetwork after) =>
        $"clients configured before route {before} into the tunnel; peers added beyond it (in {after}) are out of their reach until they take a new config (holt peer config NAME), unless they route more (--allowed-ips, --full-tunnel)";
}
