using System.Globalization;
using System.Net;
using System.Text;

namespace Holt.Gateway;

/// <summary>
/// A peer's client configuration, in the wg-quick format the official apps import: [Interface] with PrivateKey,
/// Address and DNS, and one [Peer] (the gateway) with PublicKey, PresharedKey, Endpoint, AllowedIPs and
/// PersistentKeepalive. Nothing Holt-specific, so it imports unchanged everywhere.
/// </summary>
internal static class ClientConfig
{
    public static readonly IReadOnlyList<IPNetwork> FullTunnel = [IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")];

    /// <exception cref="CommandException">The peer's private key is not stored, so no config can be written.</exception>
    public static string Render(GatewayConfig gateway, PeerConfig peer)
    {
        if (peer.PrivateKey is null)
        {
            throw new CommandException($"peer '{peer.Name}' has no private key in the configuration (it was added with its own key), so Holt cannot write its client config");
        }

        if (GatewayConfigReader.PublicKeyOf(peer.PrivateKey) != peer.PublicKey)
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
        IReadOnlyList<string> dns = peer.Dns ?? gateway.Dns;
        if (dns.Count > 0)
        {
            text.Append("DNS = ").AppendJoin(", ", dns).Append('\n');
        }

        if (gateway.Mtu != GatewayConfig.DefaultMtu)
        {
            text.Append("MTU = ").Append(gateway.Mtu.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append("\n[Peer]\n");
        text.Append("PublicKey = ").Append(GatewayConfigReader.PublicKeyOf(gateway.PrivateKey)).Append('\n');
        if (peer.PresharedKey is not null)
        {
            text.Append("PresharedKey = ").Append(peer.PresharedKey).Append('\n');
        }

        text.Append("Endpoint = ").Append(gateway.ClientEndpoint).Append('\n');
        text.Append("AllowedIPs = ").AppendJoin(", ", AllowedIps(gateway, peer).Select(n => n.ToString())).Append('\n');
        if (peer.Keepalive > 0)
        {
            text.Append("PersistentKeepalive = ").Append(peer.Keepalive.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>What the client routes into the tunnel: its own setting, else the VPN subnets and the gateway's routes.</summary>
    public static IReadOnlyList<IPNetwork> AllowedIps(GatewayConfig gateway, PeerConfig peer)
    {
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
}
