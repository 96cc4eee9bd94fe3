using Holt.Gateway;

namespace Holt.Import;

/// <summary>What the operator tells <c>holt import</c> beyond the file: what the file cannot say.</summary>
internal sealed record ImportOptions
{
    /// <summary>What clients dial (a server configuration does not say); the command detects it when not given.</summary>
    public required string Endpoint { get; init; }

    /// <summary>The interface name; by default the wg-quick file's name, or wg0 for wg-easy.</summary>
    public string? Interface { get; init; }

    /// <summary>The VPN's IPv4 subnet, when the file's own Address does not say it (a /32).</summary>
    public string? Subnet { get; init; }

    public string? Subnet6 { get; init; }

    /// <summary>The UDP port, replacing the file's ListenPort (wg-easy's wg0.json has none).</summary>
    public int? Port { get; init; }

    /// <summary>Name servers for the client configs Holt prints (a server's DNS line is its own resolver).</summary>
    public IReadOnlyList<string> Dns { get; init; } = [];

    /// <summary>Whether the client configs Holt prints for imported peers route everything, as wg-easy's do.</summary>
    public bool FullTunnel { get; init; }

    public Backend Backend { get; init; } = Backend.Engine;
}

/// <summary>One peer the import would create, and where in the file it came from.</summary>
/// <param name="Place">"FILE:LINE" of its [Peer] header or its client's entry.</param>
/// <param name="NamedAfter">The text its name was made from (a comment, wg-easy's name), or null for a made-up name.</param>
internal sealed record ImportedPeer(PeerConfig Config, string Place, string? NamedAfter);

/// <summary>
/// The result of reading another tool's configuration: the gateway it would become, or the problems that stop it.
/// Nothing is written while <see cref="Problems"/> has any: an import is whole or not at all.
/// </summary>
internal sealed record ImportPlan
{
    /// <summary>"wg-quick" or "wg-easy".</summary>
    public required string Format { get; init; }

    public required string Source { get; init; }

    /// <summary>The configuration to write; null when there are problems.</summary>
    public GatewayConfig? Gateway { get; init; }

    public required IReadOnlyList<ImportedPeer> Peers { get; init; }

    /// <summary>Each problem as one line, "FILE:LINE: peer NAME: what is wrong".</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    /// <summary>What the file has that Holt does not carry over, each with its place and why.</summary>
    public required IReadOnlyList<string> NotCarried { get; init; }

    /// <summary>What the import decided that the operator should know (an assumed port, a name made ASCII).</summary>
    public required IReadOnlyList<string> Notes { get; init; }
}
