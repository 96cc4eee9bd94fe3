using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Holt.Nft;

/// <summary>
/// A digest of a table as the kernel holds it (<c>nft -j list table</c>) that changes only when its definition
/// does: object handles (new ones after every load), the packet and byte counts of counters, the elements the
/// packet path adds to sets (rate and connection meters: any set a rule adds to or updates) and nft's metainfo are
/// left out. Holt records it right after each load, so a later difference means someone else changed the table.
/// </summary>
/// <remarks>
/// nft 1.0.6 lists a set declared <c>flags dynamic</c> without that flag in JSON, so the meters are recognised by
/// the rules that fill them, not by their flags.
/// </remarks>
internal static class NftCanonical
{
    /// <param name="json">The listing.</param>
    /// <param name="withElements">Whether the elements of static sets count (the guard's ban sets change by themselves as bans expire).</param>
    /// <returns>The digest, or null when the text is not a listing.</returns>
    public static string? Digest(string json, bool withElements = true)
    {
        if (Items(json) is not JsonArray items)
        {
            return null;
        }

        var filled = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonNode? item in items)
        {
            if (item is JsonObject { } entry && entry["rule"] is JsonObject rule)
            {
                CollectFilled(rule, filled);
            }
        }

        var text = new StringBuilder();
        foreach (JsonNode? item in items)
        {
            if (item is not JsonObject entry || entry.ContainsKey("metainfo"))
            {
                continue;
            }

            if (entry["set"] is JsonObject set && (!withElements || (set["name"]?.GetValue<string>() is string name && filled.Contains(name))))
            {
                _ = set.Remove("elem");
            }

            Strip(entry);
            text.Append(entry.ToJsonString()).Append('\n');
        }

        return Holt.WireGuard.Crypto.Sha256.HexOf(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>The items of a listing (<c>nft -j list ...</c>: its "nftables" array), or null when the text is not one.</summary>
    public static JsonArray? Items(string json)
    {
        try
        {
            return JsonNode.Parse(json) is JsonObject listing && listing["nftables"] is JsonArray items ? items : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The sets a rule's statements add to or update ("add @meter { ... }"): the packet path fills them.</summary>
    private static void CollectFilled(JsonNode? node, HashSet<string> filled)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["set"] is JsonObject statement && statement["op"] is JsonValue && statement["set"]?.GetValue<string>() is string target)
                {
                    _ = filled.Add(target.TrimStart('@'));
                }

                foreach (KeyValuePair<string, JsonNode?> property in obj)
                {
                    CollectFilled(property.Value, filled);
                }

                break;
            case JsonArray array:
                foreach (JsonNode? child in array)
                {
                    CollectFilled(child, filled);
                }

                break;
        }
    }

    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                _ = obj.Remove("handle");
                if (obj["counter"] is JsonObject)
                {
                    obj["counter"] = new JsonObject();
                }

                foreach (KeyValuePair<string, JsonNode?> property in obj.ToList())
                {
                    Strip(property.Value);
                }

                break;
            case JsonArray array:
                foreach (JsonNode? child in array)
                {
                    Strip(child);
                }

                break;
        }
    }
}
