using System.Security.Cryptography;
using Holt.WireGuard.Crypto;

namespace Holt.WireGuard.Keys;

/// <summary>A Curve25519 private key, clamped exactly as <c>wg genkey</c> clamps it.</summary>
public sealed class PrivateKey : SecretKey
{
    private PrivateKey(ReadOnlySpan<byte> bytes)
        : base(bytes)
    {
        Span<byte> pub = stackalloc byte[KeyText.KeySize];
        X25519.DerivePublicKey(bytes, pub);
        PublicKey = new PublicKey(pub);
    }

    /// <summary>The matching public key, as <c>wg pubkey</c> prints it.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>A new random clamped key, like <c>wg genkey</c>.</summary>
    public static PrivateKey Generate()
    {
        Span<byte> raw = stackalloc byte[KeyText.KeySize];
        X25519.GeneratePrivateKey(raw);
        var key = new PrivateKey(raw);
        CryptographicOperations.ZeroMemory(raw);
        return key;
    }

    /// <summary>Takes 32 bytes as given. The control protocol stores keys unclamped, as the kernel does.</summary>
    public static PrivateKey FromBytes(ReadOnlySpan<byte> bytes) => new(bytes);

    public static PrivateKey Parse(ReadOnlySpan<char> base64) => FromDecoded(Decode(base64, hex: false));

    public static PrivateKey ParseHex(ReadOnlySpan<char> hex) => FromDecoded(Decode(hex, hex: true));

    public override string ToString() => "(private key)";

    private static PrivateKey FromDecoded(byte[] raw)
    {
        try
        {
            return new PrivateKey(raw);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }
}
