using System.Globalization;
using System.Text.Json.Nodes;
using Holt.External;
using Holt.Nft;

namespace Holt.Audit;

/// <summary>A chain as <c>nft -j list ruleset</c> shows it; a base chain has a hook.</summary>
internal sealed record NftChain(string Family, string Table, string Name, string? Hook, string? Type, string? Policy)
{
    public bool IsBase => Hook is not null;

    /// <summary>How the evidence names it: <c>table ip filter chain INPUT</c>.</summary>
    public string Label => $"table {Family} {Table} chain {Name}";

    /// <summary>Whether a packet of this address family passes through the chain's table (an <c>inet</c> table sees both).</summary>
    public bool Sees(bool ipv6) => Family == "inet" || Family == (ipv6 ? "ip6" : "ip");
}

/// <summary>One rule: its chain, and its expressions as nft's JSON has them, read by <see cref="NftMatch"/>.</summary>
internal sealed record NftRule(NftChain Chain, JsonArray Expressions)
{
    /// <summary>The rule as a person reads it, close to <c>nft list ruleset</c>'s text.</summary>
    public string Text => NftText.Rule(Expressions);
}

/// <summary>
/// The whole ruleset as the kernel holds it, read once per audit with <c>nft -j list ruleset</c> and shared by the
/// listeners, docker and firewall areas (and sshd's, through <see cref="Reachability"/>), so they judge the same
/// snapshot. Holt reads every table here, not only its own: a drop in any base chain on a hook is final, and
/// Docker's DNAT lives in tables Holt never writes.
/// </summary>
internal sealed class NftRuleset
{
    private readonly Dictionary<(string Family, string Table, string Chain), NftChain> _chains = [];
    private readonly Dictionary<NftChain, List<NftRule>> _rules = [];
    private readonly List<NftChain> _order = [];

    private NftRuleset()
    {
    }

    public IReadOnlyList<NftChain> Chains => _order;

    /// <summary>The ruleset of this audit's machine, read the first time an area asks.</summary>
    /// <exception cref="AuditAreaException">nft is missing, fails (it needs root) or prints something else.</exception>
    public static NftRuleset Of(AuditMachine machine) => machine.Shared("nft-ruleset", () => Load(machine));

    private static NftRuleset Load(AuditMachine machine)
    {
        ToolResult? result = machine.Run("nft", ["-j", "list", "ruleset"]);
        if (result is null)
        {
            throw new AuditAreaException("nft is not installed (apt-get install nftables), so the firewall cannot be read");
        }

        if (result.ExitCode != 0)
        {
            string reason = result.FirstErrorLine;
            string hint = reason.Contains("Operation not permitted", StringComparison.Ordinal) ? " (run holt audit as root)" : "";
            throw new AuditAreaException($"nft -j list ruleset failed: {reason}{hint}");
        }

        return Parse(result.Output) ?? throw new AuditAreaException("nft -j list ruleset printed something that is not nft's JSON listing");
    }

    /// <summary>The listing's chains and rules; items of shapes Holt does not know are left out. Null when the text is not a listing at all.</summary>
    public static NftRuleset? Parse(string json)
    {
        if (NftCanonical.Items(json) is not JsonArray items)
        {
            return null;
        }

        var ruleset = new NftRuleset();
        foreach (JsonNode? item in items)
        {
            if (item is JsonObject entry && entry["chain"] is JsonObject chain
                && Json.Text(chain["family"]) is string family && Json.Text(chain["table"]) is string table && Json.Text(chain["name"]) is string name)
            {
                var parsed = new NftChain(family, table, name, Json.Text(chain["hook"]), Json.Text(chain["type"]), Json.Text(chain["policy"]));
                if (ruleset._chains.TryAdd((family, table, name), parsed))
                {
                    ruleset._order.Add(parsed);
                    ruleset._rules[parsed] = [];
                }
            }
        }

        foreach (JsonNode? item in items)
        {
            if (item is JsonObject entry && entry["rule"] is JsonObject rule && rule["expr"] is JsonArray expressions
                && Json.Text(rule["family"]) is string family && Json.Text(rule["table"]) is string table && Json.Text(rule["chain"]) is string name
                && ruleset._chains.TryGetValue((family, table, name), out NftChain? chain))
            {
                ruleset._rules[chain].Add(new NftRule(chain, expressions));
            }
        }

        return ruleset;
    }

    public IReadOnlyList<NftRule> RulesOf(NftChain chain) => _rules.TryGetValue(chain, out List<NftRule>? rules) ? rules : [];

    /// <summary>The chain a jump or goto in <paramref name="from"/>'s table names, or null.</summary>
    public NftChain? Find(NftChain from, string name) => _chains.GetValueOrDefault((from.Family, from.Table, name));

    /// <summary>Every base chain hooked on <paramref name="hook"/> (<c>input</c>, <c>prerouting</c>).</summary>
    public IEnumerable<NftChain> BaseChains(string hook) => _order.Where(c => c.Hook == hook);

    /// <summary>Whether the table has an input base chain whose policy is drop: the mark of a firewall that filters what comes in.</summary>
    public bool Filters(string family, string table) =>
        _order.Any(c => c.Family == family && c.Table == table && c.Hook == "input" && c.Policy == "drop");
}

/// <summary>Small readers for nft's JSON values, which are sometimes a string, a number, an object or an array.</summary>
internal static class Json
{
    public static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    public static long? Number(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue(out long number))
        {
            return number;
        }

        return value.TryGetValue(out string? text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) ? parsed : null;
    }

    /// <summary>The elements of a value that may be one value or an anonymous set (<c>{"set": [...]}</c>) or a plain array.</summary>
    public static IEnumerable<JsonNode?> Elements(JsonNode? node)
    {
        // Spelled out: a collection expression here would become a JsonArray (the arms' common type), and adding
        // the node to it would take the node from its parent.
        if (node is JsonObject obj && obj["set"] is JsonArray set)
        {
            return set;
        }

        return node is JsonArray array ? array : new[] { node };
    }
}
