using System.CommandLine;
using System.CommandLine.Parsing;
using Holt.Text;

namespace Holt.Cli;

/// <summary>
/// A command line that does not parse, as one line for standard error: what is wrong, a guess at what a mistyped
/// command or option meant, and which <c>--help</c> says more. It exits with <see cref="ExitCode"/>, apart from
/// the failures of commands that did run (1), so that a script can tell a wrong call from a failed operation.
/// </summary>
internal static class UsageError
{
    /// <summary>As BSD's EX_USAGE is to sysexits' 64, 2 is what shells and GNU tools give a wrong invocation.</summary>
    public const int ExitCode = 2;

    /// <summary>Whether nothing but the command is missing at the root: <c>holt</c> alone, answered with its help.</summary>
    public static bool IsBareRoot(ParseResult parsed) =>
        parsed.CommandResult.Parent is null && parsed.UnmatchedTokens.Count == 0 && LacksSubcommand(parsed.CommandResult.Command)
        && parsed.Errors.All(e => e.SymbolResult is null or CommandResult);

    /// <summary>The line to print, without the <c>holt: </c> prefix.</summary>
    public static string Describe(ParseResult parsed)
    {
        CommandResult at = parsed.CommandResult;
        string path = string.Join(' ', ["holt", .. CommandPath(at)]);
        string message;
        if (parsed.UnmatchedTokens.Count > 0)
        {
            message = Unmatched(parsed.UnmatchedTokens[0], at, path);
        }
        else if (parsed.Errors.FirstOrDefault(e => e.SymbolResult is not null and not CommandResult) is ParseError specific)
        {
            // A value or an option of the command is wrong: that says more than "a command is missing".
            message = Reworded(specific.Message);
        }
        else if (LacksSubcommand(at.Command))
        {
            message = $"'{path}' needs a command: {string.Join(", ", Visible(at.Command.Subcommands).Select(c => c.Name))}";
        }
        else
        {
            message = Reworded(parsed.Errors[0].Message);
        }

        return $"{message} (see {path} --help)";
    }

    private static Stack<string> CommandPath(CommandResult result)
    {
        var names = new Stack<string>();
        for (CommandResult? current = result; current?.Parent is not null; current = current.Parent as CommandResult)
        {
            names.Push(current.Command.Name);
        }

        return names;
    }

    private static bool LacksSubcommand(Command command) => command.Action is null && command.Subcommands.Count > 0;

    private static IEnumerable<T> Visible<T>(IEnumerable<T> symbols)
        where T : Symbol => symbols.Where(s => !s.Hidden);

    /// <summary>A word the parser matched to nothing: an unknown option, an unknown command, or one argument too many.</summary>
    private static string Unmatched(string token, CommandResult at, string path)
    {
        Command command = at.Command;
        if (token.Length > 1 && token[0] == '-')
        {
            // --name=value is one token; the name alone is what was mistyped.
            string name = token.Split('=', 2)[0];
            return $"unknown option '{Printable.Of(name)}'{DidYouMean(name, OptionNames(at))}";
        }

        if (Visible(command.Subcommands).Any())
        {
            IEnumerable<string> names = Visible(command.Subcommands).SelectMany(c => c.Aliases.Prepend(c.Name));
            return $"unknown command '{Printable.Of(token)}' for '{path}'{DidYouMean(token, names)}";
        }

        return $"unexpected argument '{Printable.Of(token)}'";
    }

    /// <summary>The command's own options and those its ancestors give every command below them (--help, --color).</summary>
    private static IEnumerable<string> OptionNames(CommandResult at)
    {
        IEnumerable<Option> options = at.Command.Options;
        for (CommandResult? parent = at.Parent as CommandResult; parent is not null; parent = parent.Parent as CommandResult)
        {
            options = options.Concat(parent.Command.Options.Where(o => o.Recursive));
        }

        return Visible(options).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith('-'));
    }

    private static string DidYouMean(string typed, IEnumerable<string> known)
    {
        IReadOnlyList<string> guesses = Spelling.Suggestions(typed, known);
        if (guesses.Count == 0)
        {
            return "";
        }

        IEnumerable<string> quoted = guesses.Select(g => $"'{g}'");
        return guesses.Count == 1
            ? $"; did you mean {quoted.First()}?"
            : $"; did you mean {string.Join(", ", quoted.SkipLast(1))} or {quoted.Last()}?";
    }

    /// <summary>
    /// System.CommandLine's own message made to read as Holt's do: one line (a list of allowed values comes one per
    /// line), no type names, lower case and no full stop, as it is followed by the hint.
    /// </summary>
    private static string Reworded(string message)
    {
        string[] lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string text = lines.Length == 0 ? "the command line does not parse" : lines[0];
        if (lines.Length > 1)
        {
            text = text.TrimEnd(':') + " " + string.Join(", ", lines[1..]);
        }

        text = text.Replace("as expected type 'System.Nullable`1[System.Int32]'", "as a number", StringComparison.Ordinal)
            .Replace("as expected type 'System.Int32'", "as a number", StringComparison.Ordinal)
            .Replace(" not recognized. Must be one of", " not recognized; it must be one of", StringComparison.Ordinal);
        text = Printable.Of(text.TrimEnd('.'));
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : text;
    }
}
