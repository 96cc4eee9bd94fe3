using System.Net;
using Holt.Config;
using Holt.Text;
using Holt.WireGuard.Keys;

namespace Holt.Gateway;

internal sealed partial class GatewaySection
{
    /// <summary>
    /// The consistency rules: a valid interface name, keys, endpoint and subnets; unique peer names, keys and
    /// addresses, each inside its subnet. Key pairs are checked only when the checker is thorough (one X25519
    /// operation per peer, about 40 ms for 1,000), at the daemon's start and when a client config is written.
    /// </summary>
    public override void Check(HoltConfig file, ConfigChecker checker)
    {
        GatewayConfig config = file.Gateway;
        void Refuse(int peer, string key, string problem) =>
            checker.Fail(peer < 0 ? ConfigPlace.Of("gateway", key) : new ConfigPlace("peer", peer, key), problem);
        bool verifyKeyPairs = checker.Thorough;
        if (!Tunnel.InterfaceName.IsValid(config.Interface))
        {
            Refuse(-1, "interface", $"invalid interface name '{Printable.Of(config.Interface)}': use 1 to {Tunnel.InterfaceName.MaxLength} letters, digits or _=+.-");
        }

        if (KeyProblem(config.PrivateKey, "private_key") is string badKey)
        {
            Refuse(-1, "private_key", badKey);
        }

        if (EndpointText.TryParse(config.Endpoint, out _, out _) is string badEndpoint)
        {
            Refuse(-1, "endpoint", badEndpoint);
        }

        CheckSubnet(config.Subnet, ipv4: true, "subnet", checker);
        if (Subnets.HostProblem(config.Subnet, config.Address) is string badAddress)
        {
            Refuse(-1, "address", badAddress);
        }

        if (config.Subnet6 is IPNetwork subnet6)
        {
            CheckSubnet(subnet6, ipv4: false, "subnet6", checker);
            if (config.Address6 is null || Subnets.HostProblem(subnet6, config.Address6) is string badAddress6)
            {
                Refuse(-1, "address6", config.Address6 is null ? "address6 is missing" : Subnets.HostProblem(subnet6, config.Address6)!);
            }
        }
        else if (config.Address6 is not null)
        {
            Refuse(-1, "address6", "address6 needs subnet6");
        }

        foreach (string dns in config.Dns)
        {
            if (DnsProblem(dns) is string badDns)
            {
                Refuse(-1, "dns", badDns);
            }
        }

        string serverPublic = PublicKeyOf(config.PrivateKey);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var addresses = new HashSet<IPAddress> { config.Address };
        if (config.Address6 is not null)
        {
            addresses.Add(config.Address6);
        }

        for (int i = 0; i < config.Peers.Count; i++)
        {
            PeerConfig peer = config.Peers[i];
            void Fail(string key, string problem) => Refuse(i, key, $"peer '{Printable.Of(peer.Name)}': {problem}");
            if (PeerName.Problem(peer.Name) is string badPeerName)
            {
                Refuse(i, "name", badPeerName);
            }

            if (!names.Add(peer.Name))
            {
                Refuse(i, "name", $"duplicate peer name '{peer.Name}'");
            }

            if (KeyProblem(peer.PublicKey, "public_key") is string badPublic)
            {
                Fail("public_key", badPublic);
            }

            if (!keys.Add(peer.PublicKey) || peer.PublicKey == serverPublic)
            {
                Fail("public_key", peer.PublicKey == serverPublic ? "public_key is the gateway's own key" : "public_key is used by another peer");
            }

            if (peer.PrivateKey is not null)
            {
                if (KeyProblem(peer.PrivateKey, "private_key") is string badPrivate)
                {
                    Fail("private_key", badPrivate);
                }

                if (verifyKeyPairs && PublicKeyOf(peer.PrivateKey) != peer.PublicKey)
                {
                    Fail("private_key", "private_key does not belong to public_key");
                }
            }

            if (peer.PresharedKey is not null && KeyProblem(peer.PresharedKey, "preshared_key") is string badPsk)
            {
                Fail("preshared_key", badPsk);
            }

            if (Subnets.HostProblem(config.Subnet, peer.Address) is string badPeerAddress)
            {
                Fail("address", badPeerAddress);
            }

            if (!addresses.Add(peer.Address))
            {
                Fail("address", $"address {peer.Address} is already taken");
            }

            if (peer.Address6 is not null)
            {
                if (config.Subnet6 is not IPNetwork v6)
                {
                    Fail("address6", "address6 needs subnet6 in [gateway]");
                }
                else if (Subnets.HostProblem(v6, peer.Address6) is string badPeerAddress6)
                {
                    Fail("address6", badPeerAddress6);
                }

                if (!addresses.Add(peer.Address6))
                {
                    Fail("address6", $"address {peer.Address6} is already taken");
                }
            }

            foreach (string dns in peer.Dns ?? [])
            {
                if (DnsProblem(dns) is string badDns)
                {
                    Fail("dns", badDns);
                }
            }

            if (peer.Monitor && MonitorProblem(peer) is (string key, string problem))
            {
                Fail(key, problem);
            }
        }
    }

    /// <summary>
    /// A monitoring peer reaches only the gateway's own address: a setting that would let it reach more, or that
    /// only an ordinary device needs, contradicts it.
    /// </summary>
    private static (string Key, string Problem)? MonitorProblem(PeerConfig peer)
    {
        const string Why = "a monitoring peer (monitor = true) reaches only the gateway's own address";
        if (peer.ClientToClient)
        {
            return ("client_to_client", $"{Why}: it cannot have client_to_client");
        }

        if (peer.AllowedIps.Count > 0)
        {
            return ("allowed_ips", $"{Why}: its client routes that address alone, not allowed_ips");
        }

        if (peer.Admin)
        {
            return ("admin", $"{Why}, and its keys sit on a probe: it cannot be an admin");
        }

        return peer.Expected ? ("expected", $"{Why} and holds no session between probes: it cannot be expected") : null;
    }

    private static void CheckSubnet(IPNetwork subnet, bool ipv4, string key, ConfigChecker checker)
    {
        if (Subnets.IsIPv4(subnet) != ipv4)
        {
            checker.Fail(ConfigPlace.Of("gateway", key), $"{key} must be an {(ipv4 ? "IPv4" : "IPv6")} network");
        }

        if (subnet.PrefixLength > (ipv4 ? Subnets.MaxPrefix4 : Subnets.MaxPrefix6))
        {
            checker.Fail(ConfigPlace.Of("gateway", key), $"{key} {subnet} is too small (at most /{(ipv4 ? Subnets.MaxPrefix4 : Subnets.MaxPrefix6)})");
        }
    }

    internal static string? KeyProblem(string key, string what)
    {
        // Any 32 bytes are a valid key of every kind; PublicKey's parser checks the text form, as wg does.
        return PublicKey.TryParse(key, out _) && key.Trim() == key ? null : $"{what} is not a valid key (44 characters of base64, as wg genkey prints)";
    }

    internal static string PublicKeyOf(string privateKey)
    {
        using PrivateKey key = WireGuard.Keys.PrivateKey.Parse(privateKey);
        return key.PublicKey.ToBase64();
    }

    /// <summary>A DNS entry: an IP address (a name server) or a search domain, as wg-quick's DNS= takes them.</summary>
    internal static string? DnsProblem(string entry)
    {
        if (AddressText.TryParse(entry, out _))
        {
            return null;
        }

        // Digits and dots only is an address mistyped, never a search domain (no top-level domain is all digits):
        // taken as a domain, it would leave the client without a name server and say nothing.
        if (entry.Length > 0 && entry.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            return $"'{Printable.Of(entry)}' is not a valid IPv4 address: four numbers from 0 to 255 without leading zeros, such as 1.1.1.1";
        }

        if (entry.Contains(':', StringComparison.Ordinal))
        {
            return $"'{Printable.Of(entry)}' is not a valid IPv6 address";
        }

        if (entry.Length is > 0 and <= 253 && entry.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-') && char.IsAsciiLetterOrDigit(entry[0]))
        {
            return null;
        }

        return $"'{Printable.Of(entry)}' is not a name server address or search domain";
    }
}
