using System.Net;
using Holt.WireGuard.Keys;

namespace Holt.Quick;

/// <summary>
/// A wg-quick configuration file (wg-quick(8)): the [Interface] and [Peer] keys <c>wg setconf</c> reads, plus
/// wg-quick's own Address, DNS, MTU, Table, hooks and SaveConfig. Every value is already checked; what refers back
/// to the file (a hook, an endpoint to resolve) keeps its line for error messages. Holds the keys, so dispose it.
/// </summary>
internal sealed class QuickConfig : IDisposable
{
    /// <summary>The file as the operator named it, for "FILE:LINE: message" errors.</summary>
    public required string File { get; init; }

    public PrivateKey? PrivateKey { get; init; }

    public ushort? ListenPort { get; init; }

    /// <summary>The firewall mark; 0 for "off", null when the file does not say.</summary>
    public uint? FwMark { get; init; }

    public IReadOnlyList<IpPrefix> Addresses { get; init; } = [];

    /// <summary>DNS entries that are addresses: the nameservers while the interface is up.</summary>
    public IReadOnlyList<IPAddress> DnsServers { get; init; } = [];

    /// <summary>DNS entries that are not addresses: search domains, as wg-quick reads them.</summary>
    public IReadOnlyList<string> DnsSearch { get; init; } = [];

    public int? Mtu { get; init; }

    public RouteTable Table { get; init; } = RouteTable.Auto;

    public IReadOnlyList<QuickHook> PreUp { get; init; } = [];

    public IReadOnlyList<QuickHook> PostUp { get; init; } = [];

    public IReadOnlyList<QuickHook> PreDown { get; init; } = [];

    public IReadOnlyList<QuickHook> PostDown { get; init; } = [];

    public IReadOnlyList<QuickPeer> Peers { get; init; } = [];

    /// <summary>What wg would warn about but accept, as "FILE:LINE: message".</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public bool HasDns => DnsServers.Count > 0;

    public void Dispose()
    {
        PrivateKey?.Dispose();
        foreach (QuickPeer peer in Peers)
        {
            peer.PresharedKey?.Dispose();
        }
    }
}

/// <summary>One [Peer] section; <see cref="Line"/> is its header's.</summary>
internal sealed class QuickPeer
{
    public required int Line { get; init; }

    public required PublicKey PublicKey { get; init; }

    public PresharedKey? PresharedKey { get; init; }

    public QuickEndpoint? Endpoint { get; init; }

    public ushort? PersistentKeepalive { get; init; }

    public IReadOnlyList<IpPrefix> AllowedIps { get; init; } = [];
}

/// <summary>
/// <c>Endpoint = HOST:PORT</c>, with HOST an address or a name resolved when the interface comes up, as wg does
/// it. IPv6 addresses go in brackets.
/// </summary>
internal sealed record QuickEndpoint(string Host, ushort Port, int Line)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>A PreUp, PostUp, PreDown or PostDown line: a bash snippet in which %i stands for the interface.</summary>
internal sealed record QuickHook(string Key, string Command, int Line);

/// <summary>
/// wg-quick's <c>Table</c>: auto (the main table, and policy routing for a default route), off (no routes), or a
/// table given by number or by a name from /etc/iproute2/rt_tables.
/// </summary>
internal sealed record RouteTable(RouteTableKind Kind, string? Name)
{
    public static readonly RouteTable Auto = new(RouteTableKind.Auto, null);

    public static readonly RouteTable Off = new(RouteTableKind.Off, null);

    public override string ToString() => Kind switch
    {
        RouteTableKind.Auto => "auto",
        RouteTableKind.Off => "off",
        _ => Name!,
    };
}

internal enum RouteTableKind
{
    Auto,
    Off,
    Explicit,
}
