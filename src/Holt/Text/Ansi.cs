namespace Holt.Text;

/// <summary>
/// The few ECMA-48 SGR sequences Holt colours terminal text with, and the width text takes on the screen once its
/// sequences are left out. Whether colour is wanted at all is the caller's to decide.
/// </summary>
internal static class Ansi
{
    public const string Red = "\e[31m";

    public const string Green = "\e[32m";

    public const string Yellow = "\e[33m";

    public const string Reset = "\e[0m";

    /// <summary><paramref name="text"/> in the colour <paramref name="sgr"/>, back to the default after it.</summary>
    public static string Paint(string text, string sgr) => text.Length == 0 ? text : sgr + text + Reset;

    /// <summary>
    /// How many columns <paramref name="text"/> takes: its characters less its control sequences (CSI: ESC, '[',
    /// parameters, then a final character from '@' to '~'), which a terminal acts on without showing.
    /// </summary>
    public static int VisibleWidth(string text)
    {
        int width = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\e' && i + 1 < text.Length && text[i + 1] == '[')
            {
                i += 2;
                while (i < text.Length && text[i] is < '@' or > '~')
                {
                    i++;
                }

                continue;
            }

            width++;
        }

        return width;
    }
}
