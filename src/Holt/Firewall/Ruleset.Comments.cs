namespace Holt.Firewall;

/// <summary>
/// The comments of the rules that count: what a reader of <c>nft list ruleset</c> sees, and what
/// <see cref="FirewallCounters"/> tells the counters apart by.
/// </summary>
internal static partial class Ruleset
{
    /// <summary>Followed by the peer's name, on each exposure's DNAT rule.</summary>
    public const string ExposeComment = "expose to ";

    private const string PolicyComment = "dropped by the policy";
    private const string CloudflareComment = "Cloudflare only";
    private const string ClientToClientComment = "client-to-client off";
    private const string FromOutsideComment = "nothing else reaches the peers from outside";
    private const string MonitorInputComment = "a monitoring peer reaches only the gateway's VPN address";
    private const string MonitorForwardComment = "a monitoring peer reaches only the gateway";

    /// <summary>The reason a counted drop rule with this comment gives, or null for a comment that is not one.</summary>
    public static string? DropReasonOf(string comment) => comment switch
    {
        PolicyComment => "policy",
        CloudflareComment => "cloudflare_only",
        ClientToClientComment => "client_to_client",
        FromOutsideComment => "not_forwarded",
        MonitorInputComment or MonitorForwardComment => "monitoring_peer",
        _ when comment.StartsWith("over ", StringComparison.Ordinal) && comment.EndsWith(" new a minute", StringComparison.Ordinal) => "rate_limit",
        _ when comment.StartsWith("over ", StringComparison.Ordinal) && comment.EndsWith(" at once", StringComparison.Ordinal) => "concurrency_limit",
        _ => null,
    };
}
