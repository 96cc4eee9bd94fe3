using System.Text.RegularExpressions;

namespace Holt.Audit;

/// <summary>An Apache directive or section (<c>&lt;VirtualHost&gt;</c>, <c>&lt;Files&gt;</c>...): its name, arguments, contents and place.</summary>
internal sealed record ApacheDirective(string Name, IReadOnlyList<string> Arguments, IReadOnlyList<ApacheDirective>? Section, string File, int Line)
{
    public string Where => $"{File}:{Line}";

    public bool Is(string name) => Name.Equals(name, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Apache httpd's configuration, read enough to find its virtual hosts and the sections that guard a path: one
/// directive a line (a trailing backslash continues it), sections between <c>&lt;Name args&gt;</c> and
/// <c>&lt;/Name&gt;</c>, <c>#</c> comments, names case-insensitive, and <c>Include</c>/<c>IncludeOptional</c>
/// expanded one level (relative names from /etc/apache2, a <c>*</c> in the file name).
/// </summary>
internal static class ApacheConfig
{
    public const string ServerRoot = "/etc/apache2";

    private const int MaxLines = 100_000;

    private static readonly TimeSpan s_regexTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The directives of <paramref name="file"/>, includes expanded one level; empty when it does not exist.</summary>
    public static IReadOnlyList<ApacheDirective> Read(AuditMachine machine, string file)
    {
        if (WebConfigFile.Read(machine, file) is not string text)
        {
            return [];
        }

        var expanded = new List<ApacheDirective>();
        foreach (ApacheDirective directive in Parse(text, file))
        {
            expanded.Add(directive);
            if ((directive.Is("Include") || directive.Is("IncludeOptional")) && directive.Arguments.Count == 1)
            {
                foreach (string included in Included(machine, directive.Arguments[0]))
                {
                    if (WebConfigFile.Read(machine, included) is string more)
                    {
                        expanded.AddRange(Parse(more, included));
                    }
                }
            }
        }

        return expanded;
    }

    public static List<ApacheDirective> Parse(string text, string file)
    {
        var stack = new Stack<(List<ApacheDirective> Items, string Name, List<string> Arguments, int Line)>();
        var items = new List<ApacheDirective>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < Math.Min(lines.Length, MaxLines); i++)
        {
            int number = i + 1;
            string line = lines[i].TrimEnd('\r').Trim();
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                i++;
                line = line[..^1] + " " + lines[i].TrimEnd('\r').Trim();
            }

            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("</", StringComparison.Ordinal))
            {
                if (stack.TryPop(out var outer))
                {
                    outer.Items.Add(new ApacheDirective(outer.Name, outer.Arguments, items, file, outer.Line));
                    items = outer.Items;
                }
            }
            else if (line[0] == '<' && line.EndsWith('>'))
            {
                List<string> words = Words(line[1..^1]);
                if (words.Count > 0)
                {
                    stack.Push((items, words[0], words.Skip(1).ToList(), number));
                    items = [];
                }
            }
            else
            {
                List<string> words = Words(line);
                items.Add(new ApacheDirective(words[0], words.Skip(1).ToList(), null, file, number));
            }
        }

        while (stack.TryPop(out var outer))
        {
            outer.Items.Add(new ApacheDirective(outer.Name, outer.Arguments, items, file, outer.Line));
            items = outer.Items;
        }

        return items;
    }

    /// <summary>
    /// Whether a section covers the request <paramref name="path"/> (under the site's <paramref name="documentRoot"/>):
    /// Location by prefix, LocationMatch by regular expression on the path, Files and FilesMatch on its last part,
    /// Directory and DirectoryMatch on the directory it maps to.
    /// </summary>
    public static bool Covers(ApacheDirective section, string path, string? documentRoot)
    {
        if (section.Arguments.Count == 0)
        {
            return false;
        }

        string argument = section.Arguments[0];
        string file = path[(path.LastIndexOf('/') + 1)..];
        string directory = (documentRoot ?? "").TrimEnd('/') + path[..(path.LastIndexOf('/') + 1)];
        bool regex = argument == "~" && section.Arguments.Count > 1;
        string pattern = regex ? section.Arguments[1] : argument;
        return section.Name.ToLowerInvariant() switch
        {
            "location" when !regex => path.StartsWith(pattern, StringComparison.Ordinal),
            "location" or "locationmatch" => Matches(path, pattern),
            "files" when !regex => Wildcard(file, pattern),
            "files" or "filesmatch" => Matches(file, pattern),
            "directory" when !regex => documentRoot is not null && directory.StartsWith(pattern.TrimEnd('/') + "/", StringComparison.Ordinal),
            "directory" or "directorymatch" => documentRoot is not null && Matches(directory, pattern),
            _ => false,
        };
    }

    /// <summary>
    /// Whether a section's access rules keep out everyone but chosen addresses: a <c>Require ip</c> or
    /// <c>Require host</c>, or <c>Require all denied</c> (2.2's <c>Deny from all</c> too), and no
    /// <c>Require all granted</c> beside them. <c>Require</c> inside <c>RequireAll</c>/<c>RequireAny</c> counts as written.
    /// </summary>
    public static bool Restricts(ApacheDirective section)
    {
        List<ApacheDirective> rules = Flatten(section.Section ?? []).ToList();
        bool granted = rules.Any(r => r.Is("Require") && Args(r) is ["all", "granted"]);
        bool limited = rules.Any(r => r.Is("Require") && Args(r) is ["ip" or "host", ..] or ["all", "denied"]) ||
            rules.Any(r => r.Is("Deny") && Args(r) is ["from", "all"]);
        return limited && !granted;
    }

    private static string[] Args(ApacheDirective directive) => directive.Arguments.Select(a => a.ToLowerInvariant()).ToArray();

    private static IEnumerable<ApacheDirective> Flatten(IEnumerable<ApacheDirective> directives) =>
        directives.SelectMany(d => d.Section is IReadOnlyList<ApacheDirective> inner && (d.Is("RequireAll") || d.Is("RequireAny")) ? Flatten(inner) : [d]);

    private static bool Matches(string text, string pattern)
    {
        try
        {
            return Regex.IsMatch(text, pattern, RegexOptions.CultureInvariant, s_regexTimeout);
        }
        catch (Exception e) when (e is ArgumentException or RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>A shell wildcard (* and ?), as Files takes it.</summary>
    private static bool Wildcard(string text, string pattern) =>
        Matches(text, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$");

    private static IEnumerable<string> Included(AuditMachine machine, string name)
    {
        string path = name.StartsWith('/') ? name : $"{ServerRoot}/{name}";
        string directory = path[..Math.Max(1, path.LastIndexOf('/'))];
        string pattern = path[(path.LastIndexOf('/') + 1)..];
        return pattern.Contains('*', StringComparison.Ordinal)
            ? machine.List(directory).Where(n => Wildcard(n, pattern)).Select(n => $"{directory}/{n}")
            : [path];
    }

    /// <summary>A line's words: separated by spaces, double-quoted words kept whole (without their quotes).</summary>
    private static List<string> Words(string line)
    {
        var words = new List<string>();
        int i = 0;
        while (i < line.Length)
        {
            if (char.IsWhiteSpace(line[i]))
            {
                i++;
            }
            else if (line[i] == '"')
            {
                int end = line.IndexOf('"', i + 1);
                int stop = end < 0 ? line.Length : end;
                words.Add(line[(i + 1)..stop]);
                i = stop + 1;
            }
            else
            {
                int start = i;
                while (i < line.Length && !char.IsWhiteSpace(line[i]))
                {
                    i++;
                }

                words.Add(line[start..i]);
            }
        }

        return words;
    }
}
