using System.Net;

namespace Holt.Gateway;

/// <summary>Which WireGuard implementation carries the gateway's interface.</summary>
internal enum Backend
{
    /// <summary>Holt's own userspace engine (the default): no kernel module needed.</summary>
    Engine,

    /// <summary>The Linux kernel module, driven through <c>ip</c> and <c>wg</c>.</summary>
    Kernel,
}

/// <summary>
/// The gateway's part of holt.toml: its interface in <c>[gateway]</c> and one <c>[[peer]]</c> per device
/// (<see cref="GatewaySection"/> reads and writes it). Immutable; an edit makes a new value, and the whole file is
/// checked before it is written.
/// </summary>
internal sealed record GatewayConfig
{
    public const int DefaultPort = 51820;
    public const int DefaultMtu = 1420;
    public const string DefaultInterface = "wg0";
    public static readonly IPNetwork DefaultSubnet = IPNetwork.Parse("10.8.0.0/24");

    public required string Interface { get; init; }

    public Backend Backend { get; init; } = Backend.Engine;

    /// <summary>The server's private key, base64.</summary>
    public required string PrivateKey { get; init; }

    public int ListenPort { get; init; } = DefaultPort;

    /// <summary>What clients dial: a host name or address, with the port when it differs from the listen port.</summary>
    public required string Endpoint { get; init; }

    public required IPNetwork Subnet { get; init; }

    /// <summary>The gateway's own address in <see cref="Subnet"/>, by default its first host address.</summary>
    public required IPAddress Address { get; init; }

    public IPNetwork? Subnet6 { get; init; }

    public IPAddress? Address6 { get; init; }

    /// <summary>Name servers (and search domains) written into client configs.</summary>
    public IReadOnlyList<string> Dns { get; init; } = [];

    public int Mtu { get; init; } = DefaultMtu;

    /// <summary>Networks behind the gateway that split-tunnel clients reach too (AllowedIPs beyond the VPN).</summary>
    public IReadOnlyList<IPNetwork> Routes { get; init; } = [];

    /// <summary>Whether traffic from the VPN to other networks leaves with the gateway's address (NAT).</summary>
    public bool Masquerade { get; init; } = true;

    public IReadOnlyList<PeerConfig> Peers { get; init; } = [];

    /// <summary>The VPN's subnets: the IPv4 one, and the IPv6 one when there is one.</summary>
    public IReadOnlyList<IPNetwork> VpnSubnets => Subnet6 is IPNetwork subnet6 ? [Subnet, subnet6] : [Subnet];

    /// <summary>The endpoint clients dial, with the listen port added when the endpoint names none.</summary>
    public string ClientEndpoint => EndpointText.WithDefaultPort(Endpoint, ListenPort);

    public PeerConfig? FindPeer(string name) => Peers.FirstOrDefault(p => p.Name == name);
}

/// <summary>One device that connects to the gateway.</summary>
internal sealed record PeerConfig
{
    public const int DefaultKeepalive = 25;

    public required string Name { get; init; }

    public required string PublicKey { get; init; }

    /// <summary>The peer's private key, kept so its client config can be printed again; null for imported keys.</summary>
    public string? PrivateKey { get; init; }

    public string? PresharedKey { get; init; }

    public required IPAddress Address { get; init; }

    public IPAddress? Address6 { get; init; }

    /// <summary>What the client routes through the tunnel; empty means the VPN subnets and the gateway's routes.</summary>
    public IReadOnlyList<IPNetwork> AllowedIps { get; init; } = [];

    /// <summary>Name servers for this client; null means the gateway's <see cref="GatewayConfig.Dns"/>.</summary>
    public IReadOnlyList<string>? Dns { get; init; }

    public int Keepalive { get; init; } = DefaultKeepalive;

    public bool Enabled { get; init; } = true;

    /// <summary>Whether this peer may reach, and be reached by, other peers that have it on too.</summary>
    public bool ClientToClient { get; init; }

    /// <summary>
    /// An always-on peer (a home server, a site): the monitor counts it among the peers expected to be connected,
    /// and only such a peer raises a "down" alert. A laptop that comes and goes is not expected.
    /// </summary>
    public bool Expected { get; init; }

    /// <summary>
    /// A monitoring peer (another gateway's probe, <c>holt probe</c>): it may reach nothing but the gateway's own VPN
    /// address, which the firewall enforces; its client config routes only that address, with no keepalive or DNS.
    /// </summary>
    public bool Monitor { get; init; }

    /// <summary>
    /// An administrator's device: a request that comes through the tunnel from this peer's VPN address is its owner,
    /// and gets the dashboard without a password. A monitoring peer, whose keys sit on a probe, cannot be one.
    /// </summary>
    public bool Admin { get; init; }

    public DateTimeOffset? Expires { get; init; }

    public DateTimeOffset? Created { get; init; }

    public bool IsExpired(DateTimeOffset now) => Expires is DateTimeOffset expires && expires <= now;

    /// <summary>Whether the peer belongs on the running interface: enabled and not expired.</summary>
    public bool IsActive(DateTimeOffset now) => Enabled && !IsExpired(now);
}
