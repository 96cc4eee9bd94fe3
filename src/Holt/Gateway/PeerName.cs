namespace Holt.Gateway;

/// <summary>
/// A peer's name: 1 to 32 letters, digits, '.', '_' and '-', starting with a letter or digit. Short and plain, so
/// it is safe in a file name, a table column and a shell word, and cannot be mistaken for an option.
/// </summary>
internal static class PeerName
{
    public const int MaxLength = 32;

    /// <summary>Why <paramref name="name"/> is not a valid peer name, or null if it is.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0)
        {
            return "a peer name cannot be empty";
        }

        if (name.Length > MaxLength)
        {
            return $"peer name '{Printable(name)}' is longer than {MaxLength} characters";
        }

        if (!char.IsAsciiLetterOrDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            return $"invalid peer name '{Printable(name)}': use letters, digits, '.', '_' and '-', starting with a letter or digit";
        }

        return null;
    }

    /// <summary>Any text (a name, a value from a file, an attacker's user name) with control characters shown as '?', so a line stays one line.</summary>
    public static string Printable(string text) =>
        new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
