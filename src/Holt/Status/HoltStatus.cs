using System.Text.Json;
using System.Text.Json.Serialization;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Guard;
using Holt.Nft;

namespace Holt.Status;

/// <summary>
/// The one model of how the machine's Holt stands: what <c>holt status --json</c> prints, and what the monitor and
/// the dashboard will read. Built by <see cref="StatusReader"/> from the running interfaces, the state files and
/// the runtime files of the daemon, so it answers even when holt.toml is broken by a hand edit.
/// </summary>
internal sealed record HoltStatus
{
    /// <summary>holt.toml's path.</summary>
    public required string Config { get; init; }

    /// <summary>Why holt.toml does not read (a hand edit broke it), or null when it does.</summary>
    public string? ConfigProblem { get; init; }

    public IReadOnlyList<InterfaceView> Interfaces { get; init; } = [];

    /// <summary>The gateway's firewall, or null without a gateway.</summary>
    public FirewallView? Firewall { get; init; }

    public GuardView? Guard { get; init; }

    /// <summary>
    /// What could not be read, and why, one sentence each ("cannot read the guard's bans: needs root
    /// (CAP_NET_ADMIN)"); the values it would have given are null, never a guess such as "0 banned".
    /// </summary>
    public IReadOnlyList<string> Unread { get; init; } = [];
}

/// <summary>One WireGuard interface: the gateway's, or any other with a control socket.</summary>
internal sealed record InterfaceView
{
    public required string Name { get; init; }

    /// <summary>"gateway" for the interface of holt.toml, "tunnel" for any other Holt or wireguard-go interface.</summary>
    public required string Role { get; init; }

    /// <summary>Whether the interface runs; null when it could not be read (see <see cref="HoltStatus.Unread"/>).</summary>
    public required bool? Running { get; init; }

    public string? Backend { get; init; }

    public string? PublicKey { get; init; }

    public int? ListenPort { get; init; }

    public IReadOnlyList<PeerView> Peers { get; init; } = [];

    /// <summary>
    /// Peers of a non-gateway interface (which have no names), and peers on the gateway's interface that holt.toml
    /// does not know (added with <c>wg set</c>; the daemon removes them at its next round, as <c>wg syncconf</c> would).
    /// </summary>
    public IReadOnlyList<TunnelPeerView> TunnelPeers { get; init; } = [];
}

internal sealed record TunnelPeerView(string PublicKey, string? Endpoint, DateTimeOffset? LatestHandshake, ulong RxBytes, ulong TxBytes, IReadOnlyList<string> AllowedIps);

/// <summary>The gateway's firewall as it stands.</summary>
internal sealed record FirewallView
{
    /// <summary>Whether holt.toml enables the firewall (a confirmed apply); null while holt.toml does not read.</summary>
    public required bool? Enabled { get; init; }

    /// <summary>The gateway's table, <c>inet holt-INTERFACE</c>.</summary>
    public required string Table { get; init; }

    /// <summary>Whether the table is in the kernel now; null when nftables could not be read.</summary>
    public required bool? Loaded { get; init; }

    /// <summary>
    /// Whether the table is exactly as Holt last loaded it (false: someone changed it; the daemon repairs it); null
    /// when nftables could not be read.
    /// </summary>
    public required bool? Intact { get; init; }

    public required IReadOnlyList<int> SshPorts { get; init; }

    public required int Exposures { get; init; }

    public PendingView? Pending { get; init; }

    public required Repairs Repairs { get; init; }

    /// <summary>What the table counted since it was loaded (none while it is not there); null when nftables could not be read.</summary>
    public FirewallCounters? Counters { get; init; }
}

/// <summary>An apply that awaits <c>holt firewall confirm</c>.</summary>
internal sealed record PendingView(DateTimeOffset Deadline, int SecondsLeft, string? SshSessionLetIn);

/// <summary>The guard as it stands.</summary>
internal sealed record GuardView
{
    /// <summary>Whether the guard runs; null when its status file could not be read.</summary>
    public required bool? Running { get; init; }

    /// <summary>How many bans the kernel holds; null when nftables could not be read.</summary>
    public required int? Banned { get; init; }

    public IReadOnlyList<JailStatus> Jails { get; init; } = [];

    public required Repairs Repairs { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(HoltStatus))]
[JsonSerializable(typeof(FirewallView))]
internal sealed partial class StatusJson : JsonSerializerContext
{
    /// <summary>Keys and names printed as they are ('+' stays '+'); the output is for scripts, not HTML.</summary>
    public static StatusJson Plain { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
