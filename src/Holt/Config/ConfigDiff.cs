namespace Holt.Config;

/// <summary>
/// What changed between two canonical texts of holt.toml, table by table, for the daemon to confirm an edit it
/// picked up: "peer 'phone' added", "peer 'laptop': enabled, expires", "[firewall]: ssh_ports". Only the names of
/// tables and keys are given, never a value: values include private keys.
/// </summary>
internal static class ConfigDiff
{
    /// <summary>At most this many changes are listed; the rest are counted.</summary>
    public const int MaxChanges = 12;

    public static IReadOnlyList<string> Describe(string before, string after)
    {
        List<Block> old = Blocks(before);
        List<Block> now = Blocks(after);
        var changes = new List<string>();
        foreach (Block block in now)
        {
            Block? previous = old.FirstOrDefault(b => b.Id == block.Id);
            if (previous is null)
            {
                changes.Add($"{block.Label} added");
                continue;
            }

            List<string> keys = block.Values.Keys.Union(previous.Values.Keys)
                .Where(k => block.Values.GetValueOrDefault(k) != previous.Values.GetValueOrDefault(k))
                .ToList();
            if (keys.Count > 0)
            {
                changes.Add($"{block.Label}: {string.Join(", ", keys)}");
            }
        }

        changes.AddRange(old.Where(b => now.All(n => n.Id != b.Id)).Select(b => $"{b.Label} removed"));
        return changes.Count <= MaxChanges ? changes : [.. changes.Take(MaxChanges), $"and {changes.Count - MaxChanges} more"];
    }

    /// <summary>
    /// The tables of a canonical text: a header line starts one, and "key = value" lines fill it. An array table's
    /// member is known by its name key when it has one (a peer, a jail), else by its place among its kind.
    /// </summary>
    private static List<Block> Blocks(string text)
    {
        var blocks = new List<Block>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        string header = "";
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Close()
        {
            if (header.Length == 0 && values.Count == 0)
            {
                return;
            }

            bool array = header.StartsWith("[[", StringComparison.Ordinal);
            string kind = header.Trim('[', ']');
            string id;
            string label;
            if (array && values.TryGetValue("name", out string? name))
            {
                id = $"{kind}/{name}";
                label = $"{kind} {name.Replace('"', '\'')}";
            }
            else if (array)
            {
                int n = counts[kind] = counts.GetValueOrDefault(kind) + 1;
                id = $"{kind}#{n}";
                label = $"{kind} #{n}";
            }
            else
            {
                id = kind;
                label = kind.Length == 0 ? "top" : $"[{kind}]";
            }

            blocks.Add(new Block(id, label, new Dictionary<string, string>(values, StringComparer.Ordinal)));
            values.Clear();
        }

        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith('['))
            {
                Close();
                header = line;
                continue;
            }

            int equals = line.IndexOf(" = ", StringComparison.Ordinal);
            if (equals > 0)
            {
                values[line[..equals]] = line[(equals + 3)..];
            }
        }

        Close();
        return blocks;
    }

    private sealed record Block(string Id, string Label, Dictionary<string, string> Values);
}
