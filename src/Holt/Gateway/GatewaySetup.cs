using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using Holt.Config;
using Holt.Machine;
using Holt.WireGuard.Keys;

namespace Holt.Gateway;

/// <summary>What <c>holt init</c> (and a first <c>holt up</c>) is told; null means the default.</summary>
internal sealed record InitOptions
{
    public string? Endpoint { get; init; }

    public string? Subnet { get; init; }

    public string? Subnet6 { get; init; }

    public int? Port { get; init; }

    public IReadOnlyList<string> Dns { get; init; } = [];

    public string? Interface { get; init; }

    public Backend Backend { get; init; } = Backend.Engine;
}

/// <summary>Creates a new gateway configuration with a fresh server key and safe defaults.</summary>
internal static class GatewaySetup
{
    /// <exception cref="CommandException">An option is invalid, or no public address could be found.</exception>
    public static GatewayConfig Create(InitOptions options)
    {
        IPNetwork subnet = GatewayConfig.DefaultSubnet;
        if (options.Subnet is string subnetText && Subnets.TryParseNetwork(subnetText, out subnet) is string badSubnet)
        {
            throw new CommandException($"--subnet: {badSubnet}");
        }

        IPNetwork? subnet6 = null;
        if (options.Subnet6 is "auto")
        {
            subnet6 = RandomUniqueLocal();
        }
        else if (options.Subnet6 is string subnet6Text)
        {
            if (Subnets.TryParseNetwork(subnet6Text, out IPNetwork parsed) is string badSubnet6)
            {
                throw new CommandException($"--subnet6: {badSubnet6}");
            }

            subnet6 = parsed;
        }

        int port = options.Port ?? GatewayConfig.DefaultPort;
        string endpoint = options.Endpoint ?? DetectPublicAddress();
        if (EndpointText.TryParse(endpoint, out _, out _) is string badEndpoint)
        {
            throw new CommandException($"--endpoint: {badEndpoint}");
        }

        using PrivateKey key = PrivateKey.Generate();
        var config = new GatewayConfig
        {
            Interface = options.Interface ?? GatewayConfig.DefaultInterface,
            Backend = options.Backend,
            PrivateKey = key.ToBase64(),
            ListenPort = port,
            Endpoint = endpoint,
            Subnet = subnet,
            Address = Subnets.HostAt(subnet, 1),
            Subnet6 = subnet6,
            Address6 = subnet6 is IPNetwork v6 ? Subnets.HostAt(v6, 1) : null,
            Dns = options.Dns,
        };
        GatewaySection.Instance.Check(HoltConfig.Empty.WithGateway(config), ConfigChecker.InMemory);
        return config;
    }

    /// <summary>
    /// The address this machine would use to reach the internet: the source address the kernel picks for a route to
    /// a public address (a UDP connect sends nothing), else the first global address of an interface that is up.
    /// Behind cloud 1:1 NAT (GCP, AWS) the machine sees only its private address: <see cref="PrivateAddressOf"/>
    /// lets the command warn then, and say how to give the public one.
    /// </summary>
    public static string DetectPublicAddress()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(IPAddress.Parse("192.0.2.1"), 9);
            if (socket.LocalEndPoint is IPEndPoint local && !IPAddress.Any.Equals(local.Address))
            {
                return local.Address.ToString();
            }
        }
        catch (SocketException)
        {
            // No route to the internet; look at the interfaces instead.
        }

        foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus == OperationalStatus.Down || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            {
                continue;
            }

            foreach (UnicastIPAddressInformation unicast in nic.GetIPProperties().UnicastAddresses)
            {
                IPAddress address = unicast.Address;
                if (address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address) && !address.ToString().StartsWith("169.254.", StringComparison.Ordinal))
                {
                    return address.ToString();
                }
            }
        }

        throw new CommandException("cannot detect this machine's public address; give it with --endpoint HOST[:PORT]");
    }

    /// <summary>
    /// The address <paramref name="endpoint"/> names when it is a private or loopback literal, which only devices on
    /// this machine's own network can reach; null for a public address, or for a host name (the operator's choice).
    /// </summary>
    public static IPAddress? PrivateAddressOf(string endpoint) =>
        EndpointText.TryParse(endpoint, out string host, out _) is null &&
        IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address) && LocalAddresses.IsPrivate(address)
            ? address
            : null;

    /// <summary>A random /64 in fd00::/8, as RFC 4193 asks unique local prefixes to be chosen.</summary>
    private static IPNetwork RandomUniqueLocal()
    {
        byte[] bytes = new byte[16];
        bytes[0] = 0xfd;
        RandomNumberGenerator.Fill(bytes.AsSpan(1, 5));
        return new IPNetwork(new IPAddress(bytes), 64);
    }
}
