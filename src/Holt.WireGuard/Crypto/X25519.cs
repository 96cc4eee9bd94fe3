using System.Security.Cryptography;

namespace Holt.WireGuard.Crypto;

/// <summary>
/// Curve25519 as the whitepaper uses it: DH(private, public) and DH-GENERATE. Private keys are clamped the way
/// <c>wg genkey</c> clamps them.
/// </summary>
internal static unsafe class X25519
{
    public const int KeySize = 32;

    static X25519() => Sodium.EnsureInitialized();

    public static void Clamp(Span<byte> privateKey)
    {
        privateKey[0] &= 248;
        privateKey[31] = (byte)((privateKey[31] & 127) | 64);
    }

    /// <summary>DH-GENERATE: a fresh clamped private key.</summary>
    public static void GeneratePrivateKey(Span<byte> privateKey)
    {
        RandomNumberGenerator.Fill(privateKey[..KeySize]);
        Clamp(privateKey);
    }

    public static void DerivePublicKey(ReadOnlySpan<byte> privateKey, Span<byte> publicKey)
    {
        if (privateKey.Length != KeySize || publicKey.Length != KeySize)
        {
            throw new ArgumentException("Curve25519 keys are 32 bytes.");
        }

        fixed (byte* n = privateKey)
        fixed (byte* q = publicKey)
        {
            if (Sodium.crypto_scalarmult_curve25519_base(q, n) != 0)
            {
                throw new CryptographicException("The private key has no valid public key.");
            }
        }
    }

    /// <summary>
    /// DH(private, public). Returns false when the result is all zeros, which is what a low-order (or otherwise
    /// degenerate) public key produces; the caller must then abandon the handshake.
    /// </summary>
    public static bool SharedSecret(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey, Span<byte> shared)
    {
        if (privateKey.Length != KeySize || publicKey.Length != KeySize || shared.Length != KeySize)
        {
            return false;
        }

        int rc;
        fixed (byte* n = privateKey)
        fixed (byte* p = publicKey)
        fixed (byte* q = shared)
        {
            // libsodium itself returns -1 for an all-zero output; the explicit check below keeps the rule
            // independent of the library's build options.
            rc = Sodium.crypto_scalarmult_curve25519(q, n, p);
        }

        return rc == 0 && !IsZero(shared);
    }

    /// <summary>Constant-time test for all zeros.</summary>
    public static bool IsZero(ReadOnlySpan<byte> value)
    {
        int acc = 0;
        foreach (byte b in value)
        {
            acc |= b;
        }

        return acc == 0;
    }
}
