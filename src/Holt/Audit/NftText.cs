using System.Globalization;
using System.Text.Json.Nodes;

namespace Holt.Audit;

/// <summary>
/// A rule of nft's JSON written back as text close to <c>nft list ruleset</c>'s, for evidence a person compares
/// with what nft shows them. Shapes it does not know are written as their JSON, never dropped.
/// </summary>
internal static class NftText
{
    public static string Rule(JsonArray expressions) =>
        string.Join(" ", expressions.Select(Statement).Where(s => s.Length > 0));

    private static string Statement(JsonNode? node)
    {
        if (node is not JsonObject statement || statement.Count != 1)
        {
            return node?.ToJsonString() ?? "";
        }

        (string key, JsonNode? body) = statement.First();
        return key switch
        {
            "match" when body is JsonObject match => Match(match),
            "accept" or "drop" or "return" or "continue" or "masquerade" => key,
            "reject" => "reject",
            "counter" => "counter",
            "jump" or "goto" when body is JsonObject target => $"{key} {Json.Text(target["target"])}",
            "dnat" or "snat" or "redirect" when body is JsonObject nat => $"{key} to {NatTarget(nat)}",
            "log" => "log",
            "limit" when body is JsonObject limit => $"limit rate {(limit["inv"] is JsonValue inv && inv.TryGetValue(out bool over) && over ? "over " : "")}{Value(limit["rate"])}/{Value(limit["per"])}",
            _ => statement.ToJsonString(),
        };
    }

    private static string Match(JsonObject match)
    {
        string op = Json.Text(match["op"]) ?? "==";
        string left = Expression(match["left"]);
        string right = Value(match["right"]);
        return op is "==" or "in" ? $"{left} {right}" : $"{left} {op} {right}";
    }

    private static string Expression(JsonNode? node) => node switch
    {
        JsonObject obj when obj["payload"] is JsonObject payload => $"{Json.Text(payload["protocol"])} {Json.Text(payload["field"])}",
        JsonObject obj when obj["meta"] is JsonObject meta => Json.Text(meta["key"]) is string key && key is "iif" or "iifname" or "oif" or "oifname" ? key : $"meta {Json.Text(meta["key"])}",
        JsonObject obj when obj["ct"] is JsonObject ct => $"ct {Json.Text(ct["key"])}",
        JsonObject obj when obj["fib"] is JsonObject fib => $"fib {string.Join(" . ", Json.Elements(fib["flags"]).Select(Value))} {Json.Text(fib["result"])}",
        _ => node?.ToJsonString() ?? "",
    };

    /// <summary>A right-hand value: a number, a word, a prefix, a range or a set of them.</summary>
    public static string Value(JsonNode? node) => node switch
    {
        JsonObject obj when obj["set"] is JsonArray set => "{ " + string.Join(", ", set.Select(Value)) + " }",
        JsonObject obj when obj["prefix"] is JsonObject prefix => $"{Value(prefix["addr"])}/{Value(prefix["len"])}",
        JsonObject obj when obj["range"] is JsonArray range && range.Count == 2 => $"{Value(range[0])}-{Value(range[1])}",
        JsonArray array => string.Join(",", array.Select(Value)),
        JsonValue value when value.TryGetValue(out string? text) => Printable(text),
        JsonValue value when value.TryGetValue(out long number) => number.ToString(CultureInfo.InvariantCulture),
        JsonValue value => value.ToJsonString(),
        null => "",
        _ => node.ToJsonString(),
    };

    /// <summary>Where a DNAT sends a connection: <c>172.17.0.2:80</c>, <c>[fd00::2]:80</c>, or the address alone.</summary>
    public static string NatTarget(JsonObject nat)
    {
        string address = Value(nat["addr"]);
        if (nat["port"] is not JsonNode port)
        {
            return address;
        }

        return (address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address) + ":" + Value(port);
    }

    /// <summary>Interface names and comments come from whoever wrote the rule: control characters are shown, not printed.</summary>
    private static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
}
