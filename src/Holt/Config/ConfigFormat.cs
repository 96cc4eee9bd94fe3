using System.Text;

namespace Holt.Config;

/// <summary>
/// holt.toml's layout: which section owns each top-level table, in what order they are written, and the header.
/// Reading dispatches every table to its owner, then runs every section's checks over the whole; the first problem
/// is refused with its line and nothing is taken from a file that has one. The sections are given by the program's
/// composition (the command line), so this layer depends on none of them.
/// </summary>
internal sealed class ConfigFormat
{
    private const string Header =
        "# Holt gateway configuration. Holt rewrites this file on every change (holt peer ...);\n" +
        "# edit it while no holt command runs. Hand-written comments are not kept.\n\n";

    private readonly IReadOnlyList<ConfigSection> _sections;
    private readonly Dictionary<string, (ConfigSection Section, SectionKey Key)> _owners = new(StringComparer.Ordinal);

    public ConfigFormat(IReadOnlyList<ConfigSection> sections)
    {
        _sections = sections;
        foreach (ConfigSection section in sections)
        {
            foreach (SectionKey key in section.Keys)
            {
                _owners.Add(key.Name, (section, key));
            }
        }
    }

    /// <exception cref="ConfigException">The text is not a valid configuration.</exception>
    public HoltConfig Read(string text, string source, bool thorough = false)
    {
        TomlTable root = TomlTree.Parse(text, source);
        var nodes = new Dictionary<ConfigSection, Dictionary<string, TomlNode>>();
        foreach ((string name, TomlNode node) in root.Entries)
        {
            if (!_owners.TryGetValue(name, out (ConfigSection Section, SectionKey Key) owner))
            {
                throw new ConfigException(source, node.Line, $"unknown section or key '{Text.Printable.Of(name)}' (expected {Expected()})");
            }

            if (owner.Key.IsArray ? node is not TomlArray array || array.Items.Any(i => i is not TomlTable) : node is not TomlTable)
            {
                throw new ConfigException(source, node.Line, $"'{name}' must be {(owner.Key.IsArray ? $"a list of {owner.Key} tables" : $"a {owner.Key} table")}");
            }

            if (!nodes.TryGetValue(owner.Section, out Dictionary<string, TomlNode>? own))
            {
                own = new Dictionary<string, TomlNode>(StringComparer.Ordinal);
                nodes[owner.Section] = own;
            }

            own[name] = node;
        }

        var places = new Dictionary<(string, int), TableReader>();
        HoltConfig config = HoltConfig.Empty;
        foreach (ConfigSection section in _sections)
        {
            var tables = new SectionTables(nodes.GetValueOrDefault(section) ?? [], source, places);
            config = config.WithSection(section.ValueType, section.Read(tables));
        }

        Check(config, ConfigChecker.ForFile(source, places, thorough));
        return config;
    }

    /// <summary>Checks a configuration built in memory (by an edit) as <see cref="Read"/> checks a file.</summary>
    /// <exception cref="CommandException">The configuration is inconsistent.</exception>
    public void Validate(HoltConfig config) => Check(config, ConfigChecker.InMemory);

    /// <summary>The canonical text: the header, then each section in order.</summary>
    public string Write(HoltConfig config)
    {
        var text = new StringBuilder(Header);
        foreach (ConfigSection section in _sections)
        {
            section.Write(config, text);
        }

        return text.ToString();
    }

    private void Check(HoltConfig config, ConfigChecker checker)
    {
        foreach (ConfigSection section in _sections)
        {
            section.Check(config, checker);
        }
    }

    private string Expected()
    {
        List<string> keys = _sections.SelectMany(s => s.Keys).Select(k => k.ToString()).ToList();
        return keys.Count == 1 ? keys[0] : string.Join(", ", keys.Take(keys.Count - 1)) + " and " + keys[^1];
    }
}
