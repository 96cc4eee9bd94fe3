using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Holt.Nft;

namespace Holt.Firewall;

/// <summary>
/// What the gateway's table counted since it was last loaded: the packets each kind of drop stopped, and the
/// connections each exposure forwarded. Read from the same listing that tells whether the table is intact; a reload
/// (an edit, a repair) starts every counter again at zero, which Prometheus takes as a counter reset.
/// </summary>
/// <param name="Drops">Summed over the IPv4 and IPv6 rules of one reason and port.</param>
/// <param name="Exposures">Summed over IPv4 and IPv6, and over connections from outside and from the gateway itself.</param>
internal sealed record FirewallCounters(IReadOnlyList<DropCount> Drops, IReadOnlyList<ExposureCount> Exposures)
{
    public static readonly FirewallCounters None = new([], []);

    /// <summary>The counters of a listing (<c>nft -j list table</c>); rules Holt did not write are left out.</summary>
    public static FirewallCounters Read(string json)
    {
        if (NftCanonical.Items(json) is not JsonArray items)
        {
            return None;
        }

        var drops = new Dictionary<(string Reason, string Port), (ulong Packets, ulong Bytes)>();
        var exposures = new Dictionary<(string Port, string Peer), ulong>();
        foreach (JsonNode? item in items)
        {
            if (item is not JsonObject entry || entry["rule"] is not JsonObject rule || rule["expr"] is not JsonArray expr
                || Counter(expr) is not (ulong packets, ulong bytes))
            {
                continue;
            }

            string comment = Text(rule["comment"]) ?? "";
            string port = Port(expr) ?? "";
            if (Has(expr, "dnat") && comment.StartsWith(Ruleset.ExposeComment, StringComparison.Ordinal))
            {
                var key = (port, comment[Ruleset.ExposeComment.Length..]);
                exposures[key] = Add(exposures.GetValueOrDefault(key), packets);
            }
            else if (Ruleset.DropReasonOf(comment) is string reason)
            {
                var key = (reason, port);
                (ulong Packets, ulong Bytes) sum = drops.GetValueOrDefault(key);
                drops[key] = (Add(sum.Packets, packets), Add(sum.Bytes, bytes));
            }
        }

        return new FirewallCounters(
            [.. drops.OrderBy(d => d.Key.Reason, StringComparer.Ordinal).ThenBy(d => d.Key.Port, StringComparer.Ordinal)
                .Select(d => new DropCount(d.Key.Reason, d.Key.Port.Length == 0 ? null : d.Key.Port, d.Value.Packets, d.Value.Bytes))],
            [.. exposures.OrderBy(e => e.Key.Port, StringComparer.Ordinal).ThenBy(e => e.Key.Peer, StringComparer.Ordinal)
                .Select(e => new ExposureCount(e.Key.Port, e.Key.Peer, e.Value))]);
    }

    private static (ulong Packets, ulong Bytes)? Counter(JsonArray expr)
    {
        foreach (JsonNode? statement in expr)
        {
            if (statement is JsonObject o && o["counter"] is JsonObject counter && Number(counter["packets"]) is ulong packets && Number(counter["bytes"]) is ulong bytes)
            {
                return (packets, bytes);
            }
        }

        return null;
    }

    /// <summary>A sum that stops at the largest count rather than wrapping round (a listing may say anything).</summary>
    private static ulong Add(ulong a, ulong b) => a > ulong.MaxValue - b ? ulong.MaxValue : a + b;

    private static bool Has(JsonArray expr, string statement) => expr.Any(s => s is JsonObject o && o.ContainsKey(statement));

    /// <summary>"tcp/443" from the rule's destination port match, or null when it matches no single port.</summary>
    private static string? Port(JsonArray expr)
    {
        foreach (JsonNode? statement in expr)
        {
            if (statement is JsonObject o && o["match"] is JsonObject match && Text(match["op"]) == "=="
                && match["left"] is JsonObject left && left["payload"] is JsonObject payload && Text(payload["field"]) == "dport"
                && Text(payload["protocol"]) is string name && Number(match["right"]) is ulong number)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{name}/{number}");
            }
        }

        return null;
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    private static ulong? Number(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out ulong number) ? number : null;
}

/// <param name="Reason">What the rule stops (<see cref="Ruleset.DropReasonOf"/>).</param>
/// <param name="Port">"tcp/443" for a public port's limits, null for drops of no one port.</param>
internal sealed record DropCount(string Reason, string? Port, ulong Packets, ulong Bytes);

/// <param name="Port">The public port, "tcp/8080".</param>
/// <param name="Peer">The peer it leads to.</param>
/// <param name="Connections">Connections (UDP flows) forwarded: a NAT rule sees the first packet of each.</param>
internal sealed record ExposureCount(string Port, string Peer, ulong Connections);
