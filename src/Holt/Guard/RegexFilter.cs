using System.Net;
using System.Text.RegularExpressions;
using Holt.Text;

namespace Holt.Guard;

/// <summary>
/// A filter the operator writes: one or more .NET regular expressions, each with a named group <c>host</c> that
/// captures the client's address. The first pattern that matches a line decides it; its <c>host</c> must be an IP
/// literal (names are never resolved), or the line is not counted. The failure's time is when the line was read
/// (a journal entry's own time).
/// <para>
/// A pattern cannot stall the guard: it runs on the linear-time engine (RegexOptions.NonBacktracking) when it
/// can, and otherwise (backreferences, lookarounds, atomic groups) on the backtracking engine with a
/// <see cref="MatchTimeout"/>; a line that runs out of time is skipped and counted in <see cref="Timeouts"/>.
/// Where the address sits relative to text the client chose is the pattern's author's responsibility: anchor it
/// to what the server writes (for example <c>^</c> for an access log's first field).
/// </para>
/// </summary>
internal sealed class RegexFilter : IGuardFilter
{
    /// <summary>How long one pattern may spend on one line.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(50);

    private const string HostGroup = "host";

    private readonly Regex[] _patterns;
    private readonly int[] _hostGroups;

    /// <exception cref="ArgumentException">
    /// No pattern, a pattern that is not a valid regex, or one without a <c>host</c> group; the one-line message names
    /// the pattern (and its number when there are several) and says why, and the caller adds where it came from.
    /// </exception>
    public RegexFilter(string name, IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.Count == 0)
        {
            throw new ArgumentException("give at least one pattern");
        }

        Name = name;
        _patterns = new Regex[patterns.Count];
        _hostGroups = new int[patterns.Count];
        for (int i = 0; i < patterns.Count; i++)
        {
            string which = patterns.Count == 1 ? "pattern" : $"pattern {i + 1}";
            Regex regex = Compile(patterns[i], $"{which} '{Printable.Of(patterns[i])}'");
            int host = regex.GroupNumberFromName(HostGroup);
            if (host < 0)
            {
                throw new ArgumentException($"{which} '{Printable.Of(patterns[i])}' has no (?<host>...) group for the client's address");
            }

            _patterns[i] = regex;
            _hostGroups[i] = host;
        }
    }

    public string Name { get; }

    /// <summary>How many times a pattern ran out of time on a line (those lines are not counted).</summary>
    public long Timeouts { get; private set; }

    /// <summary>Which patterns run on the linear-time engine (the others have the backtracking engine's timeout).</summary>
    public IReadOnlyList<bool> Linear => _patterns.Select(p => (p.Options & RegexOptions.NonBacktracking) != 0).ToArray();

    public Failure? MatchLine(string line, DateTimeOffset now) => Match(line, now);

    public Failure? MatchEntry(LogLine entry) => Match(entry.Message, entry.Time);

    private Failure? Match(string text, DateTimeOffset time)
    {
        for (int i = 0; i < _patterns.Length; i++)
        {
            Match match;
            try
            {
                match = _patterns[i].Match(text);
            }
            catch (RegexMatchTimeoutException)
            {
                Timeouts++;
                return null;
            }

            if (match.Success)
            {
                Group host = match.Groups[_hostGroups[i]];
                return host.Success && FilterText.TryAddress(host.ValueSpan, out IPAddress? address) ? new Failure(address, time) : null;
            }
        }

        return null;
    }

    private static Regex Compile(string pattern, string what)
    {
        const RegexOptions Options = RegexOptions.CultureInvariant;
        try
        {
            // Linear in the line's length whatever the pattern: no timeout, which on a loaded machine would skip a line
            // that merely waited for the CPU.
            return new Regex(pattern, Options | RegexOptions.NonBacktracking, Regex.InfiniteMatchTimeout);
        }
        catch (NotSupportedException)
        {
            // A construct only the backtracking engine has; it runs there, under the timeout.
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{what} is not a valid regex: {Reason(e)}", e);
        }

        try
        {
            return new Regex(pattern, Options, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{what} is not a valid regex: {Reason(e)}", e);
        }
    }

    /// <summary>The parser's explanation, on one line (it quotes the pattern, which the message already names).</summary>
    private static string Reason(ArgumentException e) =>
        e is RegexParseException parse ? $"{ParseReason(parse)} (at offset {parse.Offset})" : Printable.Of(e.Message);

    private static string ParseReason(RegexParseException e)
    {
        // "Invalid pattern 'PATTERN' at offset N. REASON": keep REASON, the part that says why.
        string message = Printable.Of(e.Message);
        string marker = $" at offset {e.Offset}. ";
        int at = message.LastIndexOf(marker, StringComparison.Ordinal);
        return at >= 0 ? message[(at + marker.Length)..].TrimEnd('.') : message;
    }
}
