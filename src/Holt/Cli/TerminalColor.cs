using System.CommandLine;
using Holt.Text;

namespace Holt.Cli;

/// <summary>--color: auto (the default), always or never.</summary>
internal enum ColorMode
{
    Auto,
    Always,
    Never,
}

/// <summary>
/// Whether holt colours what it prints, decided once a run for standard output and standard error apart, and which
/// word gets which colour. Colour is only ever added to text: with it off, every line is as it would be without
/// this class, and JSON never asks for it.
/// </summary>
internal static class TerminalColor
{
    /// <summary>https://no-color.org: any value but the empty one turns colour off, unless --color asks for it.</summary>
    public const string NoColorVariable = "NO_COLOR";

    /// <summary>Whether standard output is coloured: tables' states and phases.</summary>
    public static bool Output { get; private set; }

    /// <summary>Whether standard error is coloured: the <c>holt:</c> of an error.</summary>
    public static bool Error { get; private set; }

    /// <summary>The prefix of an error line, red when standard error is coloured.</summary>
    public static string ErrorPrefix => Error ? Ansi.Paint("holt:", Ansi.Red) : "holt:";

    /// <summary>The global --color option; a value other than these three is a usage error.</summary>
    public static Option<string> Option()
    {
        var option = new Option<string>("--color")
        {
            Description = $"Colour: auto (on a terminal, unless {NoColorVariable} is set or TERM is dumb), always or never; it wins over {NoColorVariable}.",
            HelpName = "auto|always|never",
            Recursive = true,
        };
        option.AcceptOnlyFromAmong("auto", "always", "never");
        return option;
    }

    /// <summary>Decides for this run, from --color as given (even in a command line that does not parse) and the environment.</summary>
    public static void Choose(ParseResult parsed, Option<string> option)
    {
        // The raw word rather than the value: a command line with another error still says how to show that error.
        IReadOnlyList<System.CommandLine.Parsing.Token> words = parsed.GetResult(option)?.Tokens ?? [];
        ColorMode mode = (words.Count == 0 ? null : words[^1].Value) switch
        {
            "always" => ColorMode.Always,
            "never" => ColorMode.Never,
            _ => ColorMode.Auto,
        };
        string? noColor = Environment.GetEnvironmentVariable(NoColorVariable);
        string? term = Environment.GetEnvironmentVariable("TERM");
        Output = IsOn(mode, terminal: !Console.IsOutputRedirected, noColor, term);
        Error = IsOn(mode, terminal: !Console.IsErrorRedirected, noColor, term);
    }

    /// <summary>An explicit --color wins over everything; auto colours a terminal that can show it, unless NO_COLOR says not to.</summary>
    internal static bool IsOn(ColorMode mode, bool terminal, string? noColor, string? term) => mode switch
    {
        ColorMode.Always => true,
        ColorMode.Never => false,
        _ => terminal && string.IsNullOrEmpty(noColor) && term != "dumb",
    };

    /// <summary>A gateway peer's state (<c>holt peer list</c>, <c>holt status</c>): enabled green, disabled or expired yellow, the gateway down red.</summary>
    public static string PeerState(string state, bool color) => !color ? state : state switch
    {
        "enabled" => Ansi.Paint(state, Ansi.Green),
        "disabled" or "expired" => Ansi.Paint(state, Ansi.Yellow),
        _ => Ansi.Paint(state, Ansi.Red),
    };

    /// <summary>A peer's state as the monitor sees it: up green, disabled yellow, stale, down or never red; idle is ordinary.</summary>
    public static string MonitorState(string state, bool color) => !color ? state : state switch
    {
        "up" => Ansi.Paint(state, Ansi.Green),
        "disabled" => Ansi.Paint(state, Ansi.Yellow),
        "stale" or "down" or "never" => Ansi.Paint(state, Ansi.Red),
        _ => state,
    };

    /// <summary>An alert's phase or notice: firing red, resolving or resolved green, pending yellow (a phase may carry why it is held back).</summary>
    public static string AlertPhase(string phase, bool color)
    {
        if (!color)
        {
            return phase;
        }

        return phase.StartsWith("firing", StringComparison.Ordinal) ? Ansi.Paint(phase, Ansi.Red)
            : phase.StartsWith("resolv", StringComparison.Ordinal) ? Ansi.Paint(phase, Ansi.Green)
            : phase.StartsWith("pending", StringComparison.Ordinal) ? Ansi.Paint(phase, Ansi.Yellow)
            : phase;
    }

    /// <summary>A check's result: ok green, FAIL red, pending yellow.</summary>
    public static string CheckResult(string result, bool color) => !color ? result : result switch
    {
        "ok" => Ansi.Paint(result, Ansi.Green),
        "FAIL" => Ansi.Paint(result, Ansi.Red),
        "pending" => Ansi.Paint(result, Ansi.Yellow),
        _ => result,
    };
}
