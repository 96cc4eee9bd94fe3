using System.Globalization;
using System.Net;
using System.Text;
using Holt.Config;

namespace Holt.Gateway;

/// <summary>
/// A peer's client configuration, in the wg-quick format the official apps import: [Interface] with PrivateKey,
/// Address and DNS, and one [Peer] (the gateway) with PublicKey, PresharedKey, Endpoint, AllowedIPs and
/// PersistentKeepalive. Nothing Holt-specific, so it imports unchanged everywhere.
/// </summary>
internal static class ClientConfig
{
    public static readonly IReadOnlyList<IPNetwork> FullTunnel = [IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")];

    /// <param name="gateway">The gateway the peer connects to.</param>
    /// <param name="peer">The peer.</param>
    /// <param name="servesExposures">Whether the gateway forwards public ports to this peer without --snat (it then needs the return path).</param>
    /// <exception cref="CommandException">The peer's private key is not stored, so no config can be written.</exception>
    public static string Render(GatewayConfig gateway, PeerConfig peer, bool servesExposures)
    {
        if (peer.PrivateKey is null)
        {
            throw new CommandException($"peer '{peer.Name}' has no private key in the configuration (it was added with its own key), so Holt cannot write its client config");
        }

        if (GatewaySection.PublicKeyOf(peer.PrivateKey) != peer.PublicKey)
        {
            throw new CommandException($"peer '{peer.Name}': its private_key does not belong to its public_key (was the file edited by hand?)");
        }

        var text = new StringBuilder();
        text.Append("[Interface]\n");
        text.Append("PrivateKey = ").Append(peer.PrivateKey).Append('\n');
        text.Append("Address = ").Append(peer.Address).Append("/32");
        if (peer.Address6 is not null)
        {
            text.Append(", ").Append(peer.Address6).Append("/128");
        }

        text.Append('\n');
        IReadOnlyList<string> dns = peer.Dns ?? (peer.Monitor ? [] : gateway.Dns);
        if (dns.Count > 0)
        {
            text.Append("DNS = ").AppendJoin(", ", dns).Append('\n');
        }

        if (gateway.Mtu != GatewayConfig.DefaultMtu)
        {
            text.Append("MTU = ").Append(gateway.Mtu.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        IReadOnlyList<IPNetwork> allowed = AllowedIps(gateway, peer);
        bool returnPath = servesExposures && NeedsReturnPath(allowed);
        if (returnPath)
        {
            ReturnPath(text, peer, allowed);
            allowed = FullTunnel;
        }

        text.Append("\n[Peer]\n");
        text.Append("PublicKey = ").Append(GatewaySection.PublicKeyOf(gateway.PrivateKey)).Append('\n');
        if (peer.PresharedKey is not null)
        {
            text.Append("PresharedKey = ").Append(peer.PresharedKey).Append('\n');
        }

        text.Append("Endpoint = ").Append(gateway.ClientEndpoint).Append('\n');
        text.Append("AllowedIPs = ").AppendJoin(", ", allowed.Select(n => n.ToString())).Append('\n');
        if (peer.Keepalive > 0)
        {
            text.Append("PersistentKeepalive = ").Append(peer.Keepalive.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// A peer whose ports the gateway exposes (without --snat) receives connections from any internet address and
    /// must answer them through the tunnel, though it routes only the VPN there. Its WireGuard must accept any
    /// address (AllowedIPs 0.0.0.0/0, ::/0) while its routes stay split: Table = off, the usual routes added by
    /// PostUp, and a policy rule that sends what leaves from its VPN address (the exposed services' replies)
    /// through the tunnel, in table <see cref="ReturnTable"/>.
    /// </summary>
    public const int ReturnTable = 51821;

    // A peer that already sends everything (or all IPv4) through the tunnel routes the replies there anyway; its
    // config stays wg-quick's ordinary full tunnel (an IPv6 exposure of a v4-only full tunnel is not covered).
    private static bool NeedsReturnPath(IReadOnlyList<IPNetwork> allowed) =>
        !allowed.Any(n => n.PrefixLength == 0 && Subnets.IsIPv4(n));

    private static void ReturnPath(StringBuilder text, PeerConfig peer, IReadOnlyList<IPNetwork> routes)
    {
        string table = ReturnTable.ToString(CultureInfo.InvariantCulture);
        text.Append("# The gateway forwards public ports to this peer: replies to those clients go back through the tunnel.\n");
        text.Append("Table = off\n");
        foreach (IPNetwork route in routes.OrderByDescending(r => r.PrefixLength))
        {
            text.Append($"PostUp = ip {(Subnets.IsIPv4(route) ? "-4" : "-6")} route add {route} dev %i\n");
        }

        text.Append($"PostUp = ip -4 route add default dev %i table {table}\n");
        text.Append($"PostUp = ip -4 rule add from {peer.Address} lookup {table}\n");
        text.Append($"PostDown = ip -4 rule del from {peer.Address} lookup {table}\n");
        if (peer.Address6 is not null)
        {
            text.Append($"PostUp = ip -6 route add default dev %i table {table}\n");
            text.Append($"PostUp = ip -6 rule add from {peer.Address6} lookup {table}\n");
            text.Append($"PostDown = ip -6 rule del from {peer.Address6} lookup {table}\n");
        }
    }

    /// <summary>
    /// What the client routes into the tunnel: for a monitoring peer the gateway's own addresses alone (all it may
    /// reach); else its own setting, or the VPN subnets and the gateway's routes.
    /// </summary>
    public static IReadOnlyList<IPNetwork> AllowedIps(GatewayConfig gateway, PeerConfig peer)
    {
        if (peer.Monitor)
        {
            return GatewayAddresses(gateway);
        }

        if (peer.AllowedIps.Count > 0)
        {
            return peer.AllowedIps;
        }

        var networks = new List<IPNetwork> { gateway.Subnet };
        if (gateway.Subnet6 is IPNetwork subnet6)
        {
            networks.Add(subnet6);
        }

        networks.AddRange(gateway.Routes);
        return networks;
    }

    /// <summary>The gateway's own VPN addresses, as /32 and /128 networks.</summary>
    public static IReadOnlyList<IPNetwork> GatewayAddresses(GatewayConfig gateway) =>
        gateway.Address6 is IPAddress address6 ? [new IPNetwork(gateway.Address, 32), new IPNetwork(address6, 128)] : [new IPNetwork(gateway.Address, 32)];
}
