using Holt.Hosting;

namespace Holt.Monitor;

/// <summary>One peer as the alert rules see it after a round.</summary>
internal sealed record PeerSignal(string Name, string PublicKey, bool Expected, bool Keepalive, PeerState State, string Why, ulong RxBytes, ulong TxBytes, string? Endpoint);

/// <summary>
/// One check's latest result: whether it passed, why not, the peer its target sits behind, and whether that peer was
/// handshaking when the check ran (null when the check has no peer).
/// </summary>
internal sealed record CheckSignal(string Name, bool Ok, string Why, string? Peer, bool? PeerHandshaking);

/// <summary>One real-handshake probe's latest outcome.</summary>
internal sealed record ProbeSignal(string Name, string Target, bool Ok, string Why);

/// <summary>
/// Figures from outside the monitor that rules watch, as counters that only grow while the daemon runs: the bans
/// the guard decided, and the times the firewall (and the guard) put their nftables tables back.
/// </summary>
internal sealed record GatewaySignals(long? GuardBans, long? FirewallRepairs);

/// <summary>Everything one round of the rules looks at.</summary>
internal sealed record AlertInputs
{
    /// <summary>Whether the interface answered the round's sample at all.</summary>
    public required bool InterfaceUp { get; init; }

    public IReadOnlyList<PeerSignal> Peers { get; init; } = [];

    public IReadOnlyList<CheckSignal> Checks { get; init; } = [];

    public IReadOnlyList<ProbeSignal> Probes { get; init; } = [];

    public HostView? Host { get; init; }

    public GatewaySignals? Gateway { get; init; }

    /// <summary>The daemon the monitor runs in, or null for <c>holt monitor run</c>.</summary>
    public DaemonView? Daemon { get; init; }
}

/// <summary>An alert that is not inactive, as <c>holt monitor status</c> and <c>holt monitor alerts</c> show it.</summary>
internal sealed record ActiveAlert
{
    public required string Key { get; init; }

    public required string Rule { get; init; }

    public required AlertSeverity Severity { get; init; }

    public required string Summary { get; init; }

    public required string Description { get; init; }

    /// <summary>pending, firing or resolving.</summary>
    public required string Phase { get; init; }

    public required DateTimeOffset Since { get; init; }

    public DateTimeOffset? FiredAt { get; init; }

    /// <summary>
    /// The alert that holds this one back, when a shared cause is firing (the interface, every expected peer): its
    /// notice waits until that one resolves.
    /// </summary>
    public string? HeldBy { get; init; }
}
