using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Holt.Gateway;

namespace Holt.Import;

/// <summary>
/// Peer names from what other tools leave beside a [Peer]: the comments people and scripts write. Each tool has
/// its habit, tried from the most explicit: a "Name: laptop" field (wireguard-ui's block, "friendly_name ="),
/// wg-easy's "Client: NAME (ID)", PiVPN's "begin NAME", wireguard-install's "Client NAME", and last a comment
/// that is a name alone ("# laptop").
/// </summary>
internal static partial class ImportNames
{
    /// <summary>Longer comments are prose ("peers below are the office"), not a name.</summary>
    private const int MaxPlainComment = 48;

    /// <summary>Comments longer than this are not searched for a name at all.</summary>
    private const int MaxComment = 256;

    /// <summary>
    /// The name in the comments around one [Peer]: <paramref name="above"/> (the comment lines right above its
    /// header, top to bottom), <paramref name="inline"/> (after the header on its line) and
    /// <paramref name="below"/> (right after the header, before its first key). Null when none holds one.
    /// </summary>
    public static string? FromComments(IReadOnlyList<string> above, string? inline, IReadOnlyList<string> below)
    {
        List<string> all = [.. above, .. inline is null ? Array.Empty<string>() : [inline], .. below];
        // A name is short; a long comment is prose, and matching it would cost time in proportion to its square.
        List<string> texts = all.Select(Strip).Where(t => t.Length is > 0 and <= MaxComment).ToList();
        foreach (Regex form in new[] { NameField(), WgEasyClient(), PiVpnBegin(), InstallScriptClient() })
        {
            foreach (string text in texts)
            {
                Match match = form.Match(text);
                if (match.Success && match.Groups["name"].Value.Trim() is { Length: > 0 } name)
                {
                    return name;
                }
            }
        }

        // A bare comment: the one on the header's line, else the nearest above, else the first below.
        IEnumerable<string> plain = (inline is null ? [] : new[] { inline }).Concat(Enumerable.Reverse(above)).Concat(below).Select(Strip);
        return plain.FirstOrDefault(IsBareName);
    }

    /// <summary>
    /// A valid peer name made from <paramref name="text"/>: every run of other characters (and of '-') becomes one '-', it
    /// starts with a letter or digit, and it is cut to <see cref="PeerName.MaxLength"/>. Null when nothing is left.
    /// </summary>
    public static string? Sanitize(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var name = new StringBuilder();
        foreach (char c in text.Trim())
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_')
            {
                name.Append(c);
            }
            else if (name.Length > 0 && name[^1] != '-')
            {
                name.Append('-');
            }
        }

        string result = name.ToString().TrimStart('.', '_', '-');
        if (result.Length > PeerName.MaxLength)
        {
            result = result[..PeerName.MaxLength];
        }

        result = result.TrimEnd('-');
        return result.Length > 0 && PeerName.Problem(result) is null ? result : null;
    }

    /// <summary>A name for a peer whose file gives none: its address ("peer-10-8-0-2"), else its place.</summary>
    public static string Fallback(IPAddress? address, int index) =>
        address is null ? $"peer-{index}" : "peer-" + address.ToString().Replace('.', '-').Replace(':', '-');

    /// <summary>A comment's text without its '#' marks and the spaces around them ("### begin x ###" is "begin x").</summary>
    private static string Strip(string comment) => comment.Trim().Trim('#').Trim();

    /// <summary>
    /// Whether a comment could be a name on its own: short, and not a commented-out setting ("PostUp = ...",
    /// "[Peer]") or the end marker of PiVPN's block, which names the peer before.
    /// </summary>
    private static bool IsBareName(string text) =>
        text.Length is > 0 and <= MaxPlainComment &&
        !text.Contains('=', StringComparison.Ordinal) &&
        !text.StartsWith('[') &&
        !PiVpnEnd().IsMatch(text) &&
        text.Count(char.IsWhiteSpace) <= 3;

    [GeneratedRegex(@"^(?:friendly[ _]?name|name)\s*[:=]\s*(?<name>.+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NameField();

    [GeneratedRegex(@"^Client:\s*(?<name>.+?)(?:\s*\([0-9A-Fa-f-]{8,}\))?$", RegexOptions.CultureInvariant)]
    private static partial Regex WgEasyClient();

    [GeneratedRegex(@"^begin\s+(?<name>\S+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PiVpnBegin();

    [GeneratedRegex(@"^end\s+\S+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PiVpnEnd();

    [GeneratedRegex(@"^Client\s+(?<name>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex InstallScriptClient();
}
