namespace Holt.Tunnel;

/// <summary>
/// Interface names as wg-quick accepts them: 1 to 15 characters of letters, digits and <c>_=+.-</c>. The limit is
/// the kernel's (IFNAMSIZ less the terminator), and the character set keeps the name safe inside the control
/// socket's path.
/// </summary>
internal static class InterfaceName
{
    public const int MaxLength = 15;

    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && name is not "." and not ".." && name.All(IsAllowed);

    public static void Validate(string? name)
    {
        if (!IsValid(name))
        {
            throw new CommandException($"invalid interface name '{name}': use 1 to {MaxLength} letters, digits or _=+.-");
        }
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '=' or '+' or '.' or '-';
}
