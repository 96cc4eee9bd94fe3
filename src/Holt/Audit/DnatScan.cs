using System.Net;
using System.Text.Json.Nodes;

namespace Holt.Audit;

/// <summary>
/// A DNAT in someone else's table that anyone can reach: connections to the machine's addresses on
/// <see cref="Ports"/> go to <see cref="Target"/>. They leave prerouting for the forward hook, so no input chain
/// (Holt's included) ever sees them.
/// </summary>
/// <param name="Protocol">"tcp", "udp", or null when the rule names no protocol.</param>
/// <param name="Ports">The ports as the rule names them ("8080", "8000-8100"); empty when it names none (every port).</param>
/// <param name="Path">The chains from the base chain to the rule's, in order.</param>
internal sealed record PublishedPort(string? Protocol, IReadOnlyList<string> Ports, string Target, NftRule Rule, IReadOnlyList<NftChain> Path)
{
    /// <summary>Docker's (its iptables-nft chains or its own nftables tables), judged by the names it gives them.</summary>
    public bool Docker => Path.Any(c => c.Table.Contains("docker", StringComparison.OrdinalIgnoreCase) || c.Name.Contains("docker", StringComparison.OrdinalIgnoreCase));

    /// <summary>The finding subjects: <c>tcp/8080</c>, one per port; <c>tcp/all</c> when the rule names no port.</summary>
    public IEnumerable<string> Subjects => Ports.Count == 0 ? [$"{Protocol ?? "any"}/all"] : Ports.Select(p => $"{Protocol ?? "any"}/{p}");

    /// <summary>The route and the rule: <c>table ip nat chain PREROUTING → DOCKER: iifname != "docker0" tcp dport 8080 dnat to 172.17.0.2:80</c>.</summary>
    public string Evidence => $"table {Rule.Chain.Family} {Rule.Chain.Table} chain {string.Join(" → ", Path.Select(c => c.Name))}: {Rule.Text}";
}

/// <summary>
/// Finds <see cref="PublishedPort"/>s: every DNAT reached from a prerouting base chain of a table other than
/// Holt's, following jumps and gotos, unless the rule (or a jump on the way to it) limits the destination to
/// loopback or a VPN address, or the incoming interface to loopback or the VPN's.
/// </summary>
internal static class DnatScan
{
    private const int MaxDepth = 16;

    public static IReadOnlyList<PublishedPort> Find(NftRuleset ruleset, AuditGateway gateway, string? holtTable)
    {
        var packet = new NftPacket(Firewall.Protocol.Tcp, 0, false, gateway.Gateway?.Interface, gateway.VpnSubnets);
        var found = new List<PublishedPort>();
        foreach (NftChain chain in ruleset.BaseChains("prerouting").Where(c => !(c.Family == "inet" && c.Table == holtTable)))
        {
            Walk(ruleset, packet, gateway.Gateway?.Interface, [chain], found);
        }

        return found;
    }

    private static void Walk(NftRuleset ruleset, NftPacket packet, string? vpnInterface, List<NftChain> path, List<PublishedPort> found)
    {
        if (path.Count > MaxDepth)
        {
            return;
        }

        foreach (NftRule rule in ruleset.RulesOf(path[^1]))
        {
            if (Private(rule.Expressions, packet, vpnInterface))
            {
                continue;
            }

            foreach (JsonObject statement in rule.Expressions.OfType<JsonObject>())
            {
                if (statement["dnat"] is JsonObject dnat)
                {
                    (string? protocol, List<string> ports) = Ports(rule.Expressions);
                    found.Add(new PublishedPort(protocol, ports, NftText.NatTarget(dnat), rule, path.ToList()));
                }
                else if ((statement["jump"] ?? statement["goto"]) is JsonObject jump && Json.Text(jump["target"]) is string name
                    && ruleset.Find(path[^1], name) is NftChain next && !path.Contains(next))
                {
                    Walk(ruleset, packet, vpnInterface, [.. path, next], found);
                }
            }
        }
    }

    /// <summary>Whether the rule applies only to traffic for loopback or a VPN address, or only from loopback or the VPN interface.</summary>
    private static bool Private(JsonArray expressions, NftPacket packet, string? vpnInterface)
    {
        foreach (JsonObject match in expressions.OfType<JsonObject>().Select(s => s["match"]).OfType<JsonObject>())
        {
            if ((Json.Text(match["op"]) ?? "==") is not ("==" or "in"))
            {
                continue;
            }

            JsonNode? right = match["right"];
            if (match["left"] is JsonObject { } left && left["payload"] is JsonObject payload && Json.Text(payload["field"]) == "daddr"
                && Json.Text(payload["protocol"]) is "ip" or "ip6")
            {
                List<IPNetwork?> networks = Json.Elements(right).Select(NftPacket.Network).ToList();
                if (networks.Count > 0 && networks.All(n => n is IPNetwork network && packet.IsPrivate(network)))
                {
                    return true;
                }
            }

            if (match["left"] is JsonObject { } meta && meta["meta"] is JsonObject key && Json.Text(key["key"]) is "iif" or "iifname"
                && Json.Elements(right).All(v => Json.Text(v) is string name && (name == "lo" || name == vpnInterface)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The protocol and destination ports a rule matches (<c>tcp dport 8080</c>, <c>meta l4proto udp</c>, a set, a range).</summary>
    private static (string? Protocol, List<string> Ports) Ports(JsonArray expressions)
    {
        string? protocol = null;
        var ports = new List<string>();
        foreach (JsonObject match in expressions.OfType<JsonObject>().Select(s => s["match"]).OfType<JsonObject>())
        {
            if (match["left"] is not JsonObject left)
            {
                continue;
            }

            if (left["payload"] is JsonObject payload && Json.Text(payload["protocol"]) is string name && name is "tcp" or "udp" or "th")
            {
                protocol = name == "th" ? protocol : name;
                if (Json.Text(payload["field"]) == "dport" && (Json.Text(match["op"]) ?? "==") is "==" or "in")
                {
                    ports.AddRange(Json.Elements(match["right"]).Select(NftText.Value));
                }
            }
            else if (left["meta"] is JsonObject meta && Json.Text(meta["key"]) == "l4proto" && Json.Text(match["right"]) is string l4 && l4 is "tcp" or "udp")
            {
                protocol = l4;
            }
        }

        return (protocol, ports);
    }
}
