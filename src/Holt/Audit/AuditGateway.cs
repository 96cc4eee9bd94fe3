using System.Net;
using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;

namespace Holt.Audit;

/// <summary>
/// The gateway of holt.toml as the network areas need it, read once per audit: its interface and VPN addresses,
/// its firewall section, and the ports it declares public. A machine without holt.toml (or whose holt.toml does
/// not read) has none: nothing is a VPN address, nothing but DHCP is declared public.
/// </summary>
internal sealed record AuditGateway(GatewayConfig? Gateway, FirewallConfig Firewall, string? Problem)
{
    /// <summary>The DHCP and DHCPv6 client ports: a cloud VM renews its lease through them, and Holt's own firewall lets the replies in.</summary>
    public static readonly IReadOnlyList<(Protocol Protocol, int Port)> DhcpPorts = [(Protocol.Udp, 68), (Protocol.Udp, 546)];

    public static AuditGateway Of(AuditMachine machine) => machine.Shared("audit-gateway", () => Load(machine.Store));

    public static AuditGateway Load(ConfigStore? store)
    {
        if (store is null)
        {
            return new AuditGateway(null, new FirewallConfig(), null);
        }

        try
        {
            HoltConfig config = store.Load();
            return new AuditGateway(config.Find<GatewayConfig>(), config.Firewall, null);
        }
        catch (Exception e) when (e is CommandException or ConfigException)
        {
            return new AuditGateway(null, new FirewallConfig(), e.Message);
        }
    }

    /// <summary>Holt's table, <c>inet holt-INTERFACE</c>, or null without a gateway.</summary>
    public string? Table => Gateway is null ? null : FirewallTable.NameFor(Gateway);

    /// <summary>The VPN's subnets (only peers and the gateway itself hold addresses there).</summary>
    public IReadOnlyList<IPNetwork> VpnSubnets => Gateway?.VpnSubnets ?? [];

    /// <summary>The VPN address a service should bind to instead of every address ("the VPN address 10.8.0.1"), for fix texts.</summary>
    public string VpnAddressHint => Gateway is GatewayConfig gateway ? $"the VPN address {gateway.Address}" : "the VPN address (once the gateway is set up)";

    public bool IsVpnAddress(IPAddress address) =>
        Gateway is GatewayConfig gateway && (address.Equals(gateway.Address) || address.Equals(gateway.Address6) || VpnSubnets.Any(s => s.Contains(address)));

    /// <summary>Whether holt.toml says the internet may reach this port: the WireGuard port, a public port, an exposure, or DHCP.</summary>
    public bool DeclaresPublic(Protocol protocol, int port) =>
        DhcpPorts.Contains((protocol, port))
        || (Gateway is GatewayConfig gateway && protocol == Protocol.Udp && port == gateway.ListenPort)
        || Firewall.Public.Any(p => p.Protocol == protocol && p.Port == port)
        || Firewall.Exposures.Any(e => e.Protocol == protocol && e.PublicPort == port);
}
