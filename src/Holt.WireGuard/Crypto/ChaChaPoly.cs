using System.Buffers.Binary;

namespace Holt.WireGuard.Crypto;

/// <summary>
/// AEAD(key, counter, plain text, auth text) of the whitepaper: ChaCha20-Poly1305 (RFC 7539) with a 96-bit nonce of
/// 32 zero bits followed by the little-endian 64-bit counter. XAEAD is XChaCha20-Poly1305 with a 192-bit nonce.
/// Outputs are cipher text followed by the 16-byte tag. Both operate in place when source and destination overlap
/// exactly.
/// </summary>
internal static unsafe class ChaChaPoly
{
    public const int KeySize = 32;
    public const int TagSize = 16;
    public const int XNonceSize = 24;

    static ChaChaPoly() => Sodium.EnsureInitialized();

    /// <summary>Seals <paramref name="plaintext"/> into <paramref name="destination"/> (length plain + 16).</summary>
    public static void Seal(ReadOnlySpan<byte> key, ulong counter, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> authText, Span<byte> destination)
    {
        if (key.Length != KeySize || destination.Length != plaintext.Length + TagSize)
        {
            throw new ArgumentException("AEAD key or destination has the wrong size.");
        }

        byte* nonce = stackalloc byte[12];
        *(uint*)nonce = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(nonce + 4, 8), counter);
        fixed (byte* k = key)
        fixed (byte* m = plaintext)
        fixed (byte* ad = authText)
        fixed (byte* c = destination)
        {
            // Encryption cannot fail; libsodium always returns 0 here.
            _ = Sodium.crypto_aead_chacha20poly1305_ietf_encrypt_detached(
                c, c + plaintext.Length, null, m, (ulong)plaintext.Length, ad, (ulong)authText.Length, null, nonce, k);
        }
    }

    /// <summary>Opens <paramref name="ciphertext"/> (cipher text + tag) into <paramref name="destination"/>; false if the tag is wrong.</summary>
    public static bool Open(ReadOnlySpan<byte> key, ulong counter, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> authText, Span<byte> destination)
    {
        if (key.Length != KeySize || ciphertext.Length < TagSize || destination.Length != ciphertext.Length - TagSize)
        {
            return false;
        }

        byte* nonce = stackalloc byte[12];
        *(uint*)nonce = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(nonce + 4, 8), counter);
        int length = ciphertext.Length - TagSize;
        fixed (byte* k = key)
        fixed (byte* c = ciphertext)
        fixed (byte* ad = authText)
        fixed (byte* m = destination)
        {
            // libsodium verifies the tag in constant time before it writes any plain text; on failure it zeroes
            // the destination instead, so a failed in-place open destroys the packet.
            return Sodium.crypto_aead_chacha20poly1305_ietf_decrypt_detached(
                m, null, c, (ulong)length, c + length, ad, (ulong)authText.Length, nonce, k) == 0;
        }
    }

    public static void XSeal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> authText, Span<byte> destination)
    {
        if (key.Length != KeySize || nonce.Length != XNonceSize || destination.Length != plaintext.Length + TagSize)
        {
            throw new ArgumentException("XAEAD key, nonce or destination has the wrong size.");
        }

        fixed (byte* k = key)
        fixed (byte* n = nonce)
        fixed (byte* m = plaintext)
        fixed (byte* ad = authText)
        fixed (byte* c = destination)
        {
            _ = Sodium.crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
                c, c + plaintext.Length, null, m, (ulong)plaintext.Length, ad, (ulong)authText.Length, null, n, k);
        }
    }

    public static bool XOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> authText, Span<byte> destination)
    {
        if (key.Length != KeySize || nonce.Length != XNonceSize || ciphertext.Length < TagSize || destination.Length != ciphertext.Length - TagSize)
        {
            return false;
        }

        int length = ciphertext.Length - TagSize;
        fixed (byte* k = key)
        fixed (byte* n = nonce)
        fixed (byte* c = ciphertext)
        fixed (byte* ad = authText)
        fixed (byte* m = destination)
        {
            return Sodium.crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
                m, null, c, (ulong)length, c + length, ad, (ulong)authText.Length, n, k) == 0;
        }
    }
}
