using System.Text;
using System.Text.RegularExpressions;

namespace Holt.Audit;

/// <summary>One nginx directive: its name and arguments, the block it opens (if any), and where it is written.</summary>
internal sealed record NginxDirective(string Name, IReadOnlyList<string> Arguments, IReadOnlyList<NginxDirective>? Block, string File, int Line)
{
    public string Where => $"{File}:{Line}";
}

/// <summary>
/// nginx's configuration, read enough to judge which location answers a request: directives
/// (<c>name arg ...;</c>), blocks (<c>name arg ... { ... }</c>), quoted arguments, <c>#</c> comments, and
/// <c>include</c> expanded one level (relative names from /etc/nginx, a <c>*</c> in the file name), which is how
/// sites pull in snippets such as the one <c>holt firewall nginx-snippet</c> writes.
/// </summary>
internal static class NginxConfig
{
    public const string Prefix = "/etc/nginx";

    /// <summary>Most directives one file may hold: a bound on a hostile or runaway file.</summary>
    private const int MaxDirectives = 100_000;

    /// <summary>How long one location's regular expression may take on one path.</summary>
    private static readonly TimeSpan s_regexTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The directives of <paramref name="file"/>, its includes expanded one level; empty when it does not exist.</summary>
    public static IReadOnlyList<NginxDirective> Read(AuditMachine machine, string file) =>
        WebConfigFile.Read(machine, file) is string text ? Expand(machine, Parse(text, file), depth: 0) : [];

    /// <summary>Parses one file's text; an unclosed block ends with the file, a stray '}' is ignored.</summary>
    public static List<NginxDirective> Parse(string text, string file)
    {
        var stack = new Stack<(List<NginxDirective> Items, string Name, List<string> Arguments, int Line)>();
        var items = new List<NginxDirective>();
        var words = new List<string>();
        int statementLine = 0;
        int count = 0;
        foreach ((string token, bool quoted, int line) in Tokens(text))
        {
            if (++count > MaxDirectives)
            {
                break;
            }

            if (!quoted && token == ";")
            {
                if (words.Count > 0)
                {
                    items.Add(new NginxDirective(words[0], words.Skip(1).ToList(), null, file, statementLine));
                }

                words = [];
            }
            else if (!quoted && token == "{")
            {
                stack.Push((items, words.Count > 0 ? words[0] : "", words.Skip(1).ToList(), statementLine));
                items = [];
                words = [];
            }
            else if (!quoted && token == "}")
            {
                if (stack.TryPop(out var outer))
                {
                    outer.Items.Add(new NginxDirective(outer.Name, outer.Arguments, items, file, outer.Line));
                    items = outer.Items;
                }

                words = [];
            }
            else
            {
                if (words.Count == 0)
                {
                    statementLine = line;
                }

                words.Add(token);
            }
        }

        while (stack.TryPop(out var outer))
        {
            outer.Items.Add(new NginxDirective(outer.Name, outer.Arguments, items, file, outer.Line));
            items = outer.Items;
        }

        return items;
    }

    /// <summary>Every <c>server</c> block, wherever it is (top level of a site file, or inside <c>http</c>).</summary>
    public static IEnumerable<NginxDirective> Servers(IEnumerable<NginxDirective> directives)
    {
        foreach (NginxDirective directive in directives)
        {
            if (directive is { Name: "server", Block: not null })
            {
                yield return directive;
            }
            else if (directive is { Name: "http", Block: IReadOnlyList<NginxDirective> inner })
            {
                foreach (NginxDirective server in Servers(inner))
                {
                    yield return server;
                }
            }
        }
    }

    /// <summary>
    /// The location of <paramref name="server"/> that answers <paramref name="path"/>, chosen as nginx chooses among
    /// a server's own locations: an exact match; else the longest prefix if it is <c>^~</c>; else the first regular
    /// expression that matches, in the order written; else the longest prefix. Null when none matches (the server
    /// itself answers). Nested locations are not followed.
    /// </summary>
    public static NginxDirective? LocationFor(NginxDirective server, string path)
    {
        NginxDirective? longest = null;
        int longestLength = -1;
        bool longestStops = false;
        var regexes = new List<NginxDirective>();
        foreach (NginxDirective location in (server.Block ?? []).Where(d => d is { Name: "location", Block: not null } && d.Arguments.Count > 0))
        {
            (string modifier, string pattern) = location.Arguments.Count >= 2 ? (location.Arguments[0], location.Arguments[1]) : ("", location.Arguments[0]);
            switch (modifier)
            {
                case "=" when pattern == path:
                    return location;
                case "~" or "~*":
                    regexes.Add(location);
                    break;
                case "" or "^~" when path.StartsWith(pattern, StringComparison.Ordinal) && pattern.Length > longestLength:
                    (longest, longestLength, longestStops) = (location, pattern.Length, modifier == "^~");
                    break;
            }
        }

        if (longestStops)
        {
            return longest;
        }

        foreach (NginxDirective location in regexes)
        {
            RegexOptions options = location.Arguments[0] == "~*" ? RegexOptions.IgnoreCase : RegexOptions.None;
            try
            {
                if (Regex.IsMatch(path, location.Arguments[1], options | RegexOptions.CultureInvariant, s_regexTimeout))
                {
                    return location;
                }
            }
            catch (Exception e) when (e is ArgumentException or RegexMatchTimeoutException)
            {
                // A pattern .NET cannot read (a PCRE extension) decides nothing here.
            }
        }

        return longest;
    }

    /// <summary>Includes replaced by the directives of the files they name (one level: an included file's includes stay as they are).</summary>
    private static List<NginxDirective> Expand(AuditMachine machine, IReadOnlyList<NginxDirective> directives, int depth)
    {
        var expanded = new List<NginxDirective>();
        foreach (NginxDirective directive in directives)
        {
            if (directive is { Name: "include", Block: null, Arguments.Count: 1 } && depth == 0)
            {
                expanded.Add(directive);
                foreach (string file in Included(machine, directive.Arguments[0]))
                {
                    if (WebConfigFile.Read(machine, file) is string text)
                    {
                        expanded.AddRange(Parse(text, file));
                    }
                }
            }
            else if (directive.Block is IReadOnlyList<NginxDirective> block)
            {
                expanded.Add(directive with { Block = Expand(machine, block, depth) });
            }
            else
            {
                expanded.Add(directive);
            }
        }

        return expanded;
    }

    /// <summary>The files an include names: relative to /etc/nginx, with a <c>*</c> allowed in the last part.</summary>
    private static IEnumerable<string> Included(AuditMachine machine, string name)
    {
        string path = name.StartsWith('/') ? name : $"{Prefix}/{name}";
        string directory = path[..Math.Max(1, path.LastIndexOf('/'))];
        string pattern = path[(path.LastIndexOf('/') + 1)..];
        if (!pattern.Contains('*', StringComparison.Ordinal))
        {
            return [path];
        }

        var glob = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
        return machine.List(directory).Where(n => glob.IsMatch(n)).Select(n => $"{directory}/{n}");
    }

    /// <summary>The tokens of nginx's syntax: words, quoted strings (unquoted, escapes kept), and { } ;, each with its line.</summary>
    private static IEnumerable<(string Token, bool Quoted, int Line)> Tokens(string text)
    {
        int line = 1;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\n')
            {
                line++;
                i++;
            }
            else if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '#')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else if (c is '{' or '}' or ';')
            {
                yield return (c.ToString(), false, line);
                i++;
            }
            else if (c is '"' or '\'')
            {
                int start = line;
                var value = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != c)
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        value.Append(text[i]);
                        i++;
                    }

                    line += text[i] == '\n' ? 1 : 0;
                    value.Append(text[i]);
                    i++;
                }

                i++;
                yield return (value.ToString(), true, start);
            }
            else
            {
                var word = new StringBuilder();
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('{' or '}' or ';'))
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        word.Append(text[i]);
                        i++;
                    }

                    word.Append(text[i]);
                    i++;
                }

                yield return (word.ToString(), false, line);
            }
        }
    }
}
