namespace Holt.WireGuard.Keys;

/// <summary>The text form of a 32-byte key, as <c>wg</c> reads and writes it: 44 characters of padded base64.</summary>
internal static class KeyText
{
    public const int KeySize = 32;
    public const int Base64Length = 44;

    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> key)
    {
        text = text.Trim();
        if (text.Length != Base64Length || text[^1] != '=' || text[^2] == '=')
        {
            return false;
        }

        if (!Convert.TryFromBase64Chars(text, key, out int written) || written != KeySize)
        {
            return false;
        }

        // 43 digits carry 258 bits; .NET ignores the 2 spare bits of the last one but wg refuses a key that sets
        // them, so accept only the one canonical spelling, as wg does.
        return (Base64Value(text[^2]) & 3) == 0;
    }

    private static int Base64Value(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '+' => 62,
        _ => 63, // '/': nothing else is left once the text has decoded.
    };

    public static bool TryDecodeHex(ReadOnlySpan<char> text, Span<byte> key)
    {
        if (text.Length != KeySize * 2)
        {
            return false;
        }

        for (int i = 0; i < KeySize; i++)
        {
            int hi = HexValue(text[2 * i]);
            int lo = HexValue(text[(2 * i) + 1]);
            if ((hi | lo) < 0)
            {
                return false;
            }

            key[i] = (byte)((hi << 4) | lo);
        }

        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
