using System.Globalization;
using System.Net;
using Holt.Text;

namespace Holt.Config;

/// <summary>Typed, line-aware access to one table's keys; remembers which keys were read.</summary>
internal sealed class TableReader
{
    private readonly Dictionary<string, TomlNode> _entries = new(StringComparer.Ordinal);
    private readonly TomlTable _table;
    private readonly string _source;
    private readonly string _where;

    public TableReader(TomlTable table, string source, string where)
    {
        _table = table;
        _source = source;
        _where = where;
        foreach ((string key, TomlNode node) in table.Entries)
        {
            _entries[key] = node;
        }
    }

    /// <summary>The line of <paramref name="key"/>, or of the table's first key when it is absent.</summary>
    public int LineOf(string key) =>
        _entries.TryGetValue(key, out TomlNode? node) ? node.Line : _table.Entries.Count > 0 ? _table.Entries[0].Value.Line : _table.Line;

    public ConfigException Error(string key, string problem) => new(_source, LineOf(key), problem);

    public void RefuseUnknown(params string[] known)
    {
        foreach ((string key, TomlNode node) in _table.Entries)
        {
            if (!known.Contains(key))
            {
                throw new ConfigException(_source, node.Line, $"unknown key '{Printable.Of(key)}' in {_where.Trim()}");
            }
        }
    }

    public string RequiredString(string key) =>
        OptionalString(key) ?? throw new ConfigException(_source, LineOf(key), $"{_where}is missing '{key}'");

    public string? OptionalString(string key)
    {
        if (!_entries.TryGetValue(key, out TomlNode? node))
        {
            return null;
        }

        return node is TomlValue { Kind: TomlValueKind.String, Text: string text }
            ? text
            : throw new ConfigException(_source, node.Line, $"'{key}' must be a string in quotes");
    }

    public List<string>? OptionalStrings(string key)
    {
        if (!_entries.TryGetValue(key, out TomlNode? node))
        {
            return null;
        }

        if (node is not TomlArray array || array.Items.Any(i => i is not TomlValue { Kind: TomlValueKind.String }))
        {
            throw new ConfigException(_source, node.Line, $"'{key}' must be a list of strings, such as [\"a\", \"b\"]");
        }

        return array.Items.Select(i => ((TomlValue)i).Text!).ToList();
    }

    public long? OptionalInteger(string key, long min, long max)
    {
        if (!_entries.TryGetValue(key, out TomlNode? node))
        {
            return null;
        }

        if (node is not TomlValue { Kind: TomlValueKind.Integer } value)
        {
            throw new ConfigException(_source, node.Line, $"'{key}' must be a whole number");
        }

        if (value.Number < min || value.Number > max)
        {
            throw new ConfigException(_source, node.Line, $"'{key}' must be between {min} and {max}, not {value.Number}");
        }

        return value.Number;
    }

    public bool? OptionalBoolean(string key)
    {
        if (!_entries.TryGetValue(key, out TomlNode? node))
        {
            return null;
        }

        return node is TomlValue { Kind: TomlValueKind.Boolean } value
            ? value.Number != 0
            : throw new ConfigException(_source, node.Line, $"'{key}' must be true or false");
    }

    public DateTimeOffset? OptionalDateTime(string key)
    {
        if (!_entries.TryGetValue(key, out TomlNode? node))
        {
            return null;
        }

        if (node is TomlValue { Kind: TomlValueKind.DateTime, Text: string text } &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset value) &&
            text.Contains('T', StringComparison.OrdinalIgnoreCase))
        {
            return value.ToUniversalTime();
        }

        throw new ConfigException(_source, node.Line, $"'{key}' must be a date and time such as 2026-12-31T00:00:00Z");
    }

    public IPAddress? OptionalAddress(string key)
    {
        string? text = OptionalString(key);
        if (text is null)
        {
            return null;
        }

        return AddressText.TryParse(text, out IPAddress? address)
            ? address
            : throw new ConfigException(_source, LineOf(key), $"'{key}' must be an IP address, not '{Printable.Of(text)}'");
    }

    public IPNetwork RequiredNetwork(string key) =>
        OptionalNetwork(key) ?? throw new ConfigException(_source, LineOf(key), $"{_where}is missing '{key}'");

    public IPNetwork? OptionalNetwork(string key)
    {
        string? text = OptionalString(key);
        if (text is null)
        {
            return null;
        }

        return Subnets.TryParseNetwork(text, out IPNetwork network) is string problem
            ? throw new ConfigException(_source, LineOf(key), $"'{key}': {problem}")
            : network;
    }

    public List<int>? OptionalPorts(string key)
    {
        if (!_entries.TryGetValue(key, out TomlNode? node))
        {
            return null;
        }

        if (node is not TomlArray array || array.Items.Any(i => i is not TomlValue { Kind: TomlValueKind.Integer }))
        {
            throw new ConfigException(_source, node.Line, $"'{key}' must be a list of port numbers, such as [22]");
        }

        var ports = new List<int>();
        foreach (TomlValue value in array.Items.Cast<TomlValue>())
        {
            if (value.Number is < 1 or > 65535)
            {
                throw new ConfigException(_source, value.Line, $"'{key}': {value.Number} is not a port (1-65535)");
            }

            ports.Add((int)value.Number);
        }

        return ports;
    }

    public bool Has(string key) => _entries.ContainsKey(key);

    /// <summary>A sub-table (<c>[guard.recidive]</c>) with its own reader, or null when absent.</summary>
    public TableReader? OptionalTable(string key, string where)
    {
        if (!_entries.TryGetValue(key, out TomlNode? node))
        {
            return null;
        }

        return node is TomlTable table
            ? new TableReader(table, _source, where)
            : throw new ConfigException(_source, node.Line, $"'{key}' must be a {where.Trim()} table");
    }

    /// <summary>A duration written as a string, "90s", "10m", "1h", "7d" or "2w".</summary>
    public TimeSpan? OptionalDuration(string key)
    {
        string? text = OptionalString(key);
        if (text is null)
        {
            return null;
        }

        return DurationText.TryParse(text, "smhdw", out TimeSpan span)
            ? span
            : throw new ConfigException(_source, LineOf(key), $"'{key}' must be a duration such as \"90s\", \"10m\", \"1h\", \"7d\" or \"2w\", not \"{Printable.Of(text)}\"");
    }

    /// <summary>One string or a list of them.</summary>
    public List<string>? OptionalStringOrStrings(string key) =>
        _entries.TryGetValue(key, out TomlNode? node) && node is TomlValue { Kind: TomlValueKind.String, Text: string one } ? [one] : OptionalStrings(key);

    /// <summary>An array of tables (<c>[[firewall.public]]</c>), each with its own reader.</summary>
    public List<TableReader> Tables(string key, string where)
    {
        if (!_entries.TryGetValue(key, out TomlNode? node))
        {
            return [];
        }

        if (node is not TomlArray array || array.Items.Any(i => i is not TomlTable))
        {
            throw new ConfigException(_source, node.Line, $"'{key}' must be written as [[{where}]] tables");
        }

        return array.Items.Cast<TomlTable>().Select(t => new TableReader(t, _source, $"[[{where}]] ")).ToList();
    }

    public List<IPNetwork>? OptionalNetworks(string key)
    {
        List<string>? texts = OptionalStrings(key);
        if (texts is null)
        {
            return null;
        }

        var networks = new List<IPNetwork>(texts.Count);
        foreach (string text in texts)
        {
            if (Subnets.TryParseNetwork(text, out IPNetwork network) is string problem)
            {
                throw new ConfigException(_source, LineOf(key), $"'{key}': {problem}");
            }

            networks.Add(network);
        }

        return networks;
    }
}
