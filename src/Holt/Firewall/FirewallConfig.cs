using System.Net;

namespace Holt.Firewall;

/// <summary>What answers ping (ICMP and ICMPv6 echo requests) on the gateway.</summary>
internal enum EchoPolicy
{
    /// <summary>Everyone may ping (the default: ping is how people check a server is up).</summary>
    Allow,

    /// <summary>Only the VPN subnets and the allowlist.</summary>
    Vpn,

    /// <summary>No one: echo requests are dropped like any other unlisted traffic.</summary>
    Drop,
}

internal enum Protocol
{
    Tcp,
    Udp,
}

/// <summary>
/// The <c>[firewall]</c> section of holt.toml with the <c>[[expose]]</c> tables (<see cref="FirewallSection"/>):
/// which ports the gateway answers and for whom. SSH and admin ports are reachable only from the VPN subnets and
/// <see cref="AllowFrom"/>; each public port is listed explicitly; everything else arriving for the gateway is
/// dropped. The firewall is applied (and restored at boot) only once
/// <see cref="Enabled"/>, which a confirmed <c>holt firewall apply</c> sets.
/// </summary>
internal sealed record FirewallConfig
{
    public static readonly IReadOnlyList<int> DefaultSshPorts = [22];

    public bool Enabled { get; init; }

    public IReadOnlyList<int> SshPorts { get; init; } = DefaultSshPorts;

    public IReadOnlyList<int> AdminPorts { get; init; } = [];

    /// <summary>Networks besides the VPN that may reach the SSH and admin ports (an office, a backup host).</summary>
    public IReadOnlyList<IPNetwork> AllowFrom { get; init; } = [];

    public EchoPolicy Echo { get; init; } = EchoPolicy.Allow;

    public IReadOnlyList<PublicPort> Public { get; init; } = [];

    /// <summary>Where <c>holt firewall update-ranges</c> keeps Cloudflare's address ranges, one CIDR a line.</summary>
    public string? CloudflareRangesFile { get; init; }

    /// <summary>Public ports forwarded to peers, the <c>[[expose]]</c> tables.</summary>
    public IReadOnlyList<Exposure> Exposures { get; init; } = [];
}

/// <summary>
/// A port open to everyone, optionally limited per source address: at most <see cref="NewPerMinute"/> new
/// connections a minute and <see cref="Concurrent"/> open at once (TCP). With <see cref="CloudflareOnly"/> only
/// Cloudflare's published ranges reach it.
/// </summary>
internal sealed record PublicPort
{
    public required int Port { get; init; }

    public Protocol Protocol { get; init; } = Protocol.Tcp;

    public int? NewPerMinute { get; init; }

    public int? Concurrent { get; init; }

    public bool CloudflareOnly { get; init; }
}

/// <summary>
/// A public port forwarded to a peer (<c>holt expose add</c>): connections to the gateway's own addresses on
/// <see cref="PublicPort"/> go to the peer's VPN address on <see cref="ToPort"/>. By default the peer sees the
/// client's real address and routes its replies back through the tunnel; with <see cref="Snat"/> the gateway
/// masquerades them, for peers that cannot.
/// </summary>
internal sealed record Exposure
{
    public required int PublicPort { get; init; }

    public Protocol Protocol { get; init; } = Protocol.Tcp;

    public required string Peer { get; init; }

    public required int ToPort { get; init; }

    /// <summary>Who may connect; empty means anyone.</summary>
    public IReadOnlyList<IPNetwork> Sources { get; init; } = [];

    public bool Snat { get; init; }
}
