using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Holt.Config;

/// <summary>A top-level name of holt.toml and how it must be written: <c>[name]</c> or <c>[[name]]</c>.</summary>
internal readonly record struct SectionKey(string Name, bool IsArray)
{
    public override string ToString() => IsArray ? $"[[{Name}]]" : $"[{Name}]";
}

/// <summary>
/// Where a checked value sits in the file: a table, by its name as written (<c>peer</c>, <c>firewall.public</c>)
/// and its position among the tables of that name, and a key in it. It serves only to find the line.
/// </summary>
internal readonly record struct ConfigPlace(string Table, int Index, string Key)
{
    public static ConfigPlace Of(string table, string key) => new(table, 0, key);
}

/// <summary>
/// One subsystem's part of holt.toml: the reader, the consistency checks and the writer of its tables. Config/
/// dispatches each top-level table to the section that owns it (<see cref="ConfigFormat"/>) and knows nothing of
/// what is inside.
/// </summary>
internal abstract class ConfigSection
{
    /// <summary>The top-level names this section owns.</summary>
    public abstract IReadOnlyList<SectionKey> Keys { get; }

    /// <summary>The type of the value it reads, as <see cref="HoltConfig"/> keeps it.</summary>
    public abstract Type ValueType { get; }

    /// <summary>
    /// Reads the section's tables (those present in the file) into its value, or null when the file has none and
    /// the section may be left out. Refusals are <see cref="ConfigException"/>s with their line.
    /// </summary>
    public abstract object? Read(SectionTables tables);

    /// <summary>The section's consistency rules over the whole configuration (it may look at other sections).</summary>
    public abstract void Check(HoltConfig config, ConfigChecker checker);

    /// <summary>Appends the section's canonical text; nothing when the configuration has no value for it.</summary>
    public abstract void Write(HoltConfig config, StringBuilder text);
}

/// <summary>A section whose value is a <typeparamref name="T"/>.</summary>
internal abstract class ConfigSection<T> : ConfigSection
    where T : class
{
    public sealed override Type ValueType => typeof(T);
}

/// <summary>
/// The tables of one section as the file has them, each with a line-aware reader, and the record of every table
/// read, so a later check can name the line of the value it refuses.
/// </summary>
internal sealed class SectionTables(IReadOnlyDictionary<string, TomlNode> nodes, string source, Dictionary<(string, int), TableReader> places)
{
    public string Source { get; } = source;

    /// <summary>The <c>[name]</c> table, or null when the file has none.</summary>
    public TableReader? Table(string name) =>
        nodes.TryGetValue(name, out TomlNode? node) ? Remember(name, 0, new TableReader((TomlTable)node, Source, $"[{name}] ")) : null;

    /// <summary>The <c>[[name]]</c> tables, in file order.</summary>
    public IReadOnlyList<TableReader> Array(string name)
    {
        if (!nodes.TryGetValue(name, out TomlNode? node))
        {
            return [];
        }

        var readers = new List<TableReader>();
        foreach (TomlNode item in ((TomlArray)node).Items)
        {
            readers.Add(Remember(name, readers.Count, new TableReader((TomlTable)item, Source, $"[[{name}]] ")));
        }

        return readers;
    }

    /// <summary>Records a table for line lookups (sub-tables such as <c>[[firewall.public]]</c> are read by the section itself).</summary>
    public TableReader Remember(string name, int index, TableReader reader)
    {
        places[(name, index)] = reader;
        return reader;
    }
}

/// <summary>
/// Turns a problem a check finds into the right error: with the file and line when the configuration came from a
/// file (<see cref="ConfigException"/>), a plain one-line <see cref="CommandException"/> for an edit made in memory.
/// </summary>
internal sealed class ConfigChecker
{
    private readonly string? _source;
    private readonly IReadOnlyDictionary<(string, int), TableReader>? _places;

    private ConfigChecker(string? source, IReadOnlyDictionary<(string, int), TableReader>? places, bool thorough)
    {
        _source = source;
        _places = places;
        Thorough = thorough;
    }

    /// <summary>Whether to run the expensive checks too (key pairs: one X25519 operation per peer).</summary>
    public bool Thorough { get; }

    public static ConfigChecker ForFile(string source, IReadOnlyDictionary<(string, int), TableReader> places, bool thorough) => new(source, places, thorough);

    public static ConfigChecker InMemory { get; } = new(null, null, thorough: false);

    [DoesNotReturn]
    public void Fail(ConfigPlace place, string problem)
    {
        if (_source is null || _places is null)
        {
            throw new CommandException(problem);
        }

        int line = _places.TryGetValue((place.Table, place.Index), out TableReader? table) ? table.LineOf(place.Key) : 1;
        throw new ConfigException(_source, line, problem);
    }
}
