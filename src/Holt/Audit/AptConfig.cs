using System.Text;

namespace Holt.Audit;

/// <summary>
/// APT's configuration (apt.conf(5)), read loosely but in its own grammar: <c>Name "value";</c> statements, scopes
/// (<c>APT { Periodic { Unattended-Upgrade "1"; }; };</c> is <c>APT::Periodic::Unattended-Upgrade</c>), values
/// quoted or not, comments from <c>//</c> or <c>#</c> to the end of the line and between <c>/*</c> and <c>*/</c>.
/// Names are case-insensitive. A later file overrides an earlier one: APT reads /etc/apt/apt.conf.d in lexical
/// order, then /etc/apt/apt.conf. Directives (<c>#include</c>, <c>#clear</c>) are skipped with the comments.
/// </summary>
internal static class AptConfig
{
    public const string PartsDirectory = "/etc/apt/apt.conf.d";
    public const string MainFile = "/etc/apt/apt.conf";

    /// <summary>A setting's value and where it was set ("/etc/apt/apt.conf.d/20auto-upgrades:2").</summary>
    internal readonly record struct Setting(string Value, string Source);

    /// <summary>
    /// Whether APT reads a file of apt.conf.d by that name: letters, digits, '_', '-' and '.' only, and either no
    /// extension or ".conf" (so dpkg's leftovers, 50unattended-upgrades.ucf-dist, are not read).
    /// </summary>
    public static bool IsRead(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') &&
        (!name.Contains('.', StringComparison.Ordinal) || name.EndsWith(".conf", StringComparison.Ordinal));

    /// <summary>The settings of the machine's APT configuration, by lower-case full name.</summary>
    public static Dictionary<string, Setting> Read(AuditMachine machine)
    {
        var settings = new Dictionary<string, Setting>(StringComparer.Ordinal);
        foreach (string name in machine.List(PartsDirectory).Where(IsRead))
        {
            string path = $"{PartsDirectory}/{name}";
            if (machine.StatusOf(path, follow: true) is { Type: Storage.FileType.RegularFile } && machine.ReadText(path) is string text)
            {
                Parse(text, path, settings);
            }
        }

        if (machine.ReadText(MainFile) is string main)
        {
            Parse(main, MainFile, settings);
        }

        return settings;
    }

    /// <summary>Adds the settings of one file's <paramref name="text"/> to <paramref name="settings"/>, over those already there.</summary>
    public static void Parse(string text, string source, Dictionary<string, Setting> settings)
    {
        var scopes = new Stack<string>();
        var words = new List<(string Text, bool Quoted)>();
        int statementLine = 1;
        foreach ((string token, bool quoted, int line) in Tokens(text))
        {
            if (!quoted && token == "{")
            {
                // "Name {" opens a scope; a bare "{" (a list's opening) opens an unnamed one.
                string name = words.Count > 0 ? words[0].Text : "";
                scopes.Push(scopes.Count > 0 && name.Length > 0 ? $"{scopes.Peek()}::{name}" : scopes.Count > 0 ? scopes.Peek() : name);
                words.Clear();
            }
            else if (!quoted && token == "}")
            {
                _ = scopes.TryPop(out _);
                words.Clear();
            }
            else if (!quoted && token == ";")
            {
                if (words.Count >= 2 && !words[0].Quoted)
                {
                    string name = scopes.Count > 0 && scopes.Peek().Length > 0 ? $"{scopes.Peek()}::{words[0].Text}" : words[0].Text;
                    settings[name.ToLowerInvariant()] = new Setting(words[1].Text, $"{source}:{statementLine}");
                }

                words.Clear();
            }
            else
            {
                if (words.Count == 0)
                {
                    statementLine = line;
                }

                words.Add((token, quoted));
            }
        }
    }

    /// <summary>The file's tokens: words, quoted strings (without their quotes), and the punctuation { } ;, each with its line.</summary>
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
            else if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                int end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                int stop = end < 0 ? text.Length : end + 2;
                line += text.AsSpan(i, stop - i).Count('\n');
                i = stop;
            }
            else if (c is '{' or '}' or ';')
            {
                yield return (c.ToString(), false, line);
                i++;
            }
            else if (c == '"')
            {
                int end = text.IndexOf('"', i + 1);
                int stop = end < 0 ? text.Length : end;
                string value = text[(i + 1)..stop];
                yield return (value, true, line);
                line += value.Count(ch => ch == '\n');
                i = Math.Min(text.Length, stop + 1);
            }
            else
            {
                var word = new StringBuilder();
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('{' or '}' or ';' or '"'))
                {
                    word.Append(text[i]);
                    i++;
                }

                yield return (word.ToString(), false, line);
            }
        }
    }
}
