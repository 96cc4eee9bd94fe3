using System.Globalization;
using Tomlyn;
using Tomlyn.Parsing;

namespace Holt.Config;

/// <summary>
/// A TOML document read into a small tree that remembers the line of every key, so a configuration checker can
/// say "holt.toml:12: ..." about a value it refuses. Syntax is Tomlyn's (TOML 1.0); the tree holds only the value
/// kinds Holt's files use: strings, integers, booleans, date-times, arrays and tables. A float is refused at read.
/// </summary>
internal static class TomlTree
{
    /// <exception cref="ConfigException">The text is not valid TOML; the message names the line.</exception>
    public static TomlTable Parse(string text, string sourceName)
    {
        try
        {
            TomlParser parser = TomlParser.Create(text);
            var root = new TomlTable(1);
            if (!parser.MoveNext() || parser.Current.Kind != TomlParseEventKind.StartDocument)
            {
                throw new ConfigException(sourceName, 1, "not a TOML document");
            }

            if (!parser.MoveNext() || parser.Current.Kind != TomlParseEventKind.StartTable)
            {
                throw new ConfigException(sourceName, 1, "not a TOML document");
            }

            ReadTable(parser, root, sourceName);
            return root;
        }
        catch (TomlException e)
        {
            throw new ConfigException(sourceName, LineOf(e.Message), SyntaxMessage(e.Message));
        }
    }

    // After a StartTable event: reads properties until the matching EndTable.
    private static void ReadTable(TomlParser parser, TomlTable table, string sourceName)
    {
        while (parser.MoveNext())
        {
            TomlParseEventKind kind = parser.Current.Kind;
            if (kind == TomlParseEventKind.EndTable)
            {
                return;
            }

            if (kind != TomlParseEventKind.PropertyName)
            {
                throw new ConfigException(sourceName, parser.Current.Line, "unexpected TOML structure");
            }

            string name = parser.GetPropertyName();
            int line = parser.Current.Line;
            if (!parser.MoveNext())
            {
                break;
            }

            TomlNode value = ReadValue(parser, line, sourceName);

            // TOML forbids defining a key twice; Tomlyn's event parser lets it through, and a reader would take the
            // last value silently.
            if (table.Entries.FirstOrDefault(e => e.Key == name).Value is TomlNode first)
            {
                throw new ConfigException(sourceName, line, Twice(Text.Printable.Of(name), first, value));
            }

            table.Add(name, value);
        }

        throw new ConfigException(sourceName, 1, "the document ends inside a table");
    }

    private static TomlNode ReadValue(TomlParser parser, int line, string sourceName)
    {
        TomlParseEvent current = parser.Current;
        switch (current.Kind)
        {
            case TomlParseEventKind.String:
                return new TomlValue(TomlValueKind.String, line, parser.GetString(), 0);
            case TomlParseEventKind.Integer:
                return new TomlValue(TomlValueKind.Integer, line, null, unchecked((long)current.Data));
            case TomlParseEventKind.Boolean:
                return new TomlValue(TomlValueKind.Boolean, line, null, current.Data != 0 ? 1 : 0);
            case TomlParseEventKind.DateTime:
                return new TomlValue(TomlValueKind.DateTime, line, current.StringValue, 0);
            case TomlParseEventKind.StartTable:
                var table = new TomlTable(line);
                ReadTable(parser, table, sourceName);
                return table;
            case TomlParseEventKind.StartArray:
                var array = new TomlArray(line);
                while (parser.MoveNext() && parser.Current.Kind != TomlParseEventKind.EndArray)
                {
                    int itemLine = parser.Current.Line > 0 ? parser.Current.Line : line;
                    array.Items.Add(ReadValue(parser, itemLine, sourceName));
                }

                return array;
            case TomlParseEventKind.Float:
                throw new ConfigException(sourceName, line, "a number here must be a whole number");
            default:
                throw new ConfigException(sourceName, line, $"unsupported TOML value ({current.Kind})");
        }
    }

    private static string Twice(string name, TomlNode first, TomlNode second) => (first, second) switch
    {
        (TomlTable, TomlTable) => $"[{name}] appears twice (first on line {first.Line})",
        (TomlTable, TomlArray) or (TomlArray, TomlTable) => $"'{name}' is written both as [{name}] and [[{name}]] (the other on line {first.Line}); write every one as [[{name}]]",
        _ => $"'{name}' is set twice in the same table (first on line {first.Line})",
    };

    // Tomlyn's messages read "(LINE,COLUMN) : error : TEXT"; keep the text and the line.
    private static int LineOf(string message)
    {
        int open = message.IndexOf('(', StringComparison.Ordinal);
        int comma = message.IndexOf(',', StringComparison.Ordinal);
        if (open >= 0 && comma > open &&
            int.TryParse(message.AsSpan(open + 1, comma - open - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int line))
        {
            return line;
        }

        return 1;
    }

    private static string SyntaxMessage(string message)
    {
        const string Marker = ": error : ";
        int at = message.IndexOf(Marker, StringComparison.Ordinal);
        string text = at >= 0 ? message[(at + Marker.Length)..] : message;
        int newline = text.IndexOfAny(['\r', '\n']);
        return "TOML syntax: " + (newline >= 0 ? text[..newline] : text).Trim();
    }
}

internal enum TomlValueKind
{
    String,
    Integer,
    Boolean,
    DateTime,
}

/// <summary>A node of <see cref="TomlTree"/>, with the line it was written on.</summary>
internal abstract class TomlNode(int line)
{
    public int Line { get; } = line;
}

internal sealed class TomlValue(TomlValueKind kind, int line, string? text, long number) : TomlNode(line)
{
    public TomlValueKind Kind { get; } = kind;

    public string? Text { get; } = text;

    public long Number { get; } = number;
}

internal sealed class TomlArray(int line) : TomlNode(line)
{
    public List<TomlNode> Items { get; } = [];
}

internal sealed class TomlTable(int line) : TomlNode(line)
{
    private readonly List<KeyValuePair<string, TomlNode>> _entries = [];

    public IReadOnlyList<KeyValuePair<string, TomlNode>> Entries => _entries;

    public void Add(string key, TomlNode value) => _entries.Add(new(key, value));
}
