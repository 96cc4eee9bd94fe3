using System.Buffers;
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
    /// <summary>The control characters TOML allows nowhere (all of C0 but tab, newline and carriage return; and DEL).</summary>
    private static readonly SearchValues<char> s_controls = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000b\u000c\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015" +
        "\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u007f");

    /// <exception cref="ConfigException">The text is not valid TOML; the message names the line.</exception>
    public static TomlTable Parse(string text, string sourceName)
    {
        // Said before parsing: the parser's own words for these are its token dumps ("Unexpected token `\u0;`").
        int control = text.AsSpan().IndexOfAny(s_controls);
        if (control >= 0)
        {
            int line = text.AsSpan(0, control).Count('\n') + 1;
            throw new ConfigException(sourceName, line, text[control] == '\0'
                ? "not a text file (a NUL byte)"
                : $"not a text file (control character 0x{(int)text[control]:X2}, which TOML does not allow)");
        }

        try
        {
            TomlParser parser = TomlParser.Create(text);
            var document = new Document(sourceName, text.Split('\n'));
            var root = new TomlTable(1);
            if (!parser.MoveNext() || parser.Current.Kind != TomlParseEventKind.StartDocument)
            {
                throw new ConfigException(sourceName, 1, "not a TOML document");
            }

            if (!parser.MoveNext() || parser.Current.Kind != TomlParseEventKind.StartTable)
            {
                throw new ConfigException(sourceName, 1, "not a TOML document");
            }

            ReadTable(parser, root, document, depth: 0);
            return root;
        }
        catch (TomlException e)
        {
            throw new ConfigException(sourceName, LineOf(e.Message), SyntaxMessage(e.Message));
        }
    }

    /// <summary>The text's lines, to tell a [[header]] from a key's value where Tomlyn's events do not.</summary>
    private sealed record Document(string SourceName, string[] Lines)
    {
        /// <summary>The dotted path of the table header on a line ([a.b] or [[a.b]]), or null for any other line.</summary>
        public (bool ArrayOfTables, int Length)? Header(int line)
        {
            if (line < 1 || line > Lines.Length)
            {
                return null;
            }

            string text = Lines[line - 1].Trim();
            bool array = text.StartsWith("[[", StringComparison.Ordinal);
            if (!text.StartsWith('['))
            {
                return null;
            }

            int close = text.IndexOf(array ? "]]" : "]", StringComparison.Ordinal);
            if (close < 0)
            {
                return null;
            }

            string path = text[(array ? 2 : 1)..close];
            return path.Contains('"', StringComparison.Ordinal) || path.Contains('\'', StringComparison.Ordinal) ? null : (array, path.Split('.').Length);
        }
    }

    // After a StartTable event: reads properties until the matching EndTable. depth: how deep the table sits.
    private static void ReadTable(TomlParser parser, TomlTable table, Document document, int depth)
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
                throw new ConfigException(document.SourceName, parser.Current.Line, "unexpected TOML structure");
            }

            string name = parser.GetPropertyName();
            int line = parser.Current.Line;
            if (!parser.MoveNext())
            {
                break;
            }

            AddOrJoin(table, name, ReadValue(parser, line, document, depth), document, depth);
        }

        throw new ConfigException(document.SourceName, 1, "the document ends inside a table");
    }

    /// <summary>
    /// Adds a key to a table. TOML forbids defining a key twice, which Tomlyn's event parser lets through (a reader
    /// would take the last value silently), but two things that look alike are allowed: more [[name]] tables after
    /// other tables (they extend the same list), and a header such as [[a.b]] or [a.b] after [a] was closed (it
    /// adds to the table a). Tomlyn reports each of those as the key again; they are joined here.
    /// </summary>
    private static void AddOrJoin(TomlTable table, string name, TomlNode value, Document document, int depth)
    {
        if (table.Entries.FirstOrDefault(e => e.Key == name).Value is not TomlNode first)
        {
            table.Add(name, value);
            return;
        }

        (bool ArrayOfTables, int Length)? header = document.Header(value.Line);
        if (first is TomlArray list && value is TomlArray more && header is { ArrayOfTables: true } h && h.Length == depth + 1 &&
            document.Header(first.Line) is { ArrayOfTables: true })
        {
            list.Items.AddRange(more.Items);
            return;
        }

        if (first is TomlTable earlier && value is TomlTable later && header is { } deeper && deeper.Length > depth + 1 &&
            document.Header(first.Line) is not null)
        {
            foreach ((string key, TomlNode node) in later.Entries)
            {
                AddOrJoin(earlier, key, node, document, depth + 1);
            }

            return;
        }

        throw new ConfigException(document.SourceName, value.Line, Twice(Text.Printable.Of(name), first, value));
    }

    private static TomlNode ReadValue(TomlParser parser, int line, Document document, int depth)
    {
        string sourceName = document.SourceName;
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
                ReadTable(parser, table, document, depth + 1);
                return table;
            case TomlParseEventKind.StartArray:
                var array = new TomlArray(line);
                while (parser.MoveNext() && parser.Current.Kind != TomlParseEventKind.EndArray)
                {
                    int itemLine = parser.Current.Line > 0 ? parser.Current.Line : line;
                    // A [[name]] table sits where a [name] one would.
                    array.Items.Add(ReadValue(parser, itemLine, document, depth));
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
        text = (newline >= 0 ? text[..newline] : text).Trim();

        // Tomlyn's advice is for programs that call it ("Change TomlSerializerOptions.MaxDepth"), not for whoever edits the file.
        const string DepthMarker = "The maximum depth of ";
        if (text.StartsWith(DepthMarker, StringComparison.Ordinal))
        {
            string limit = new([.. text.Skip(DepthMarker.Length).TakeWhile(char.IsAsciiDigit)]);
            return $"values are nested too deeply (more than {limit} levels of arrays and tables)";
        }

        return "TOML syntax: " + text;
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
