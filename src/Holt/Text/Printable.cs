namespace Holt.Text;

/// <summary>
/// Text from outside Holt (a name, a value from a file, an attacker's user name) made safe for one line of output:
/// control characters become '?', so a line stays one line and cannot move the cursor or forge a second message.
/// </summary>
internal static class Printable
{
    public static string Of(string text) =>
        new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
