using System.Globalization;
using System.Net;
using System.Text;

namespace Holt.Quick;

/// <summary>
/// The <c>set=1</c> body that gives a new interface the wg part of the file, what <c>wg setconf</c> sends: the
/// private key, port and mark when the file has them, and every peer in place of any there were. The body holds the
/// private key in hex: it goes to the control socket and nowhere else.
/// </summary>
internal static class QuickUapi
{
    public static string SetBody(QuickConfig config, IReadOnlyDictionary<QuickPeer, IPEndPoint> endpoints)
    {
        var body = new StringBuilder();
        if (config.PrivateKey is { } key)
        {
            body.Append("private_key=").Append(key.ToHex()).Append('\n');
        }

        if (config.ListenPort is ushort port)
        {
            body.Append(CultureInfo.InvariantCulture, $"listen_port={port}\n");
        }

        if (config.FwMark is uint mark)
        {
            body.Append(CultureInfo.InvariantCulture, $"fwmark={mark}\n");
        }

        body.Append("replace_peers=true\n");
        foreach (QuickPeer peer in config.Peers)
        {
            body.Append("public_key=").Append(peer.PublicKey.ToHex()).Append('\n');
            if (peer.PresharedKey is { } psk)
            {
                body.Append("preshared_key=").Append(psk.ToHex()).Append('\n');
            }

            if (endpoints.TryGetValue(peer, out IPEndPoint? endpoint))
            {
                body.Append("endpoint=").Append(endpoint).Append('\n');
            }

            if (peer.PersistentKeepalive is ushort keepalive)
            {
                body.Append(CultureInfo.InvariantCulture, $"persistent_keepalive_interval={keepalive}\n");
            }

            body.Append("replace_allowed_ips=true\n");
            foreach (IpPrefix prefix in peer.AllowedIps)
            {
                body.Append("allowed_ip=").Append(prefix).Append('\n');
            }
        }

        return body.ToString();
    }
}
