using System.Security.Cryptography;

namespace Holt.WireGuard.Keys;

/// <summary>A 32-byte symmetric pre-shared key (the whitepaper's Q), like <c>wg genpsk</c> makes.</summary>
public sealed class PresharedKey : SecretKey
{
    private PresharedKey(ReadOnlySpan<byte> bytes)
        : base(bytes)
    {
    }

    public static PresharedKey Generate()
    {
        Span<byte> raw = stackalloc byte[KeyText.KeySize];
        RandomNumberGenerator.Fill(raw);
        var key = new PresharedKey(raw);
        CryptographicOperations.ZeroMemory(raw);
        return key;
    }

    public static PresharedKey FromBytes(ReadOnlySpan<byte> bytes) => new(bytes);

    public static PresharedKey Parse(ReadOnlySpan<char> base64) => FromDecoded(Decode(base64, hex: false));

    public static PresharedKey ParseHex(ReadOnlySpan<char> hex) => FromDecoded(Decode(hex, hex: true));

    public override string ToString() => "(preshared key)";

    private static PresharedKey FromDecoded(byte[] raw)
    {
        try
        {
            return new PresharedKey(raw);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }
}
