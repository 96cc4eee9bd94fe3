using Holt.Text;

namespace Holt.Gateway;

/// <summary>
/// A peer's name: 1 to 32 ASCII letters, digits, '.', '_' and '-', starting with a letter or digit. Short and plain,
/// so it is safe in a file name, a table column and a shell word, and cannot be mistaken for an option. Names are
/// unique whatever their case: <c>laptop</c> and <c>LAPTOP</c> would be one device to a person reading a table.
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
            return $"peer name '{Printable.Of(name)}' is longer than {MaxLength} characters";
        }

        if (!char.IsAsciiLetterOrDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            return $"invalid peer name '{Printable.Of(name)}': use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit";
        }

        return null;
    }
}
