namespace Holt.WireGuard.Crypto;

/// <summary>
/// SHA-256 (FIPS 180-4) through libsodium, which the engine links anyway. .NET's own SHA256 loads OpenSSL, about
/// 3.7 MiB resident, into a process that may need nothing else from it: the guard hashes a log file's first bytes
/// and holt.toml, and nothing more.
/// </summary>
public static unsafe class Sha256
{
    /// <summary>A digest's length in bytes.</summary>
    public const int HashSize = 32;

    static Sha256() => Sodium.EnsureInitialized();

    /// <summary>Writes the digest of <paramref name="data"/> into the first <see cref="HashSize"/> bytes of <paramref name="digest"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(digest.Length, HashSize, nameof(digest));
        fixed (byte* input = data)
        fixed (byte* output = digest)
        {
            if (Sodium.crypto_hash_sha256(output, input, (ulong)data.Length) != 0)
            {
                throw new InvalidOperationException("libsodium's SHA-256 failed");
            }
        }
    }

    /// <summary>The digest of <paramref name="data"/> in lowercase hexadecimal.</summary>
    public static string HexOf(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[HashSize];
        Hash(data, digest);
        return Convert.ToHexStringLower(digest);
    }
}
