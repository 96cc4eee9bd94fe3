using System.Runtime.InteropServices;

namespace Holt.WireGuard.Crypto;

/// <summary>
/// The few libsodium functions the engine uses. libsodium is called directly rather than through a wrapper
/// because the transport path encrypts in place on pooled buffers, and any per-call object or copy would show
/// up in small-packet throughput (see bench/README.md for the comparison that chose it).
/// </summary>
internal static unsafe partial class Sodium
{
    private const string Library = "libsodium";

    static Sodium()
    {
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium failed to initialise.");
        }
    }

    /// <summary>Forces the static constructor (and so sodium_init) to run.</summary>
    public static void EnsureInitialized()
    {
    }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    public static partial int crypto_scalarmult_curve25519(byte* q, byte* n, byte* p);

    [LibraryImport(Library)]
    public static partial int crypto_scalarmult_curve25519_base(byte* q, byte* n);

    [LibraryImport(Library)]
    public static partial int crypto_aead_chacha20poly1305_ietf_encrypt_detached(
        byte* c, byte* mac, ulong* maclen, byte* m, ulong mlen, byte* ad, ulong adlen, byte* nsec, byte* npub, byte* k);

    [LibraryImport(Library)]
    public static partial int crypto_aead_chacha20poly1305_ietf_decrypt_detached(
        byte* m, byte* nsec, byte* c, ulong clen, byte* mac, byte* ad, ulong adlen, byte* npub, byte* k);

    [LibraryImport(Library)]
    public static partial int crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
        byte* c, byte* mac, ulong* maclen, byte* m, ulong mlen, byte* ad, ulong adlen, byte* nsec, byte* npub, byte* k);

    [LibraryImport(Library)]
    public static partial int crypto_hash_sha256(byte* output, byte* input, ulong length);

    [LibraryImport(Library)]
    public static partial int crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
        byte* m, byte* nsec, byte* c, ulong clen, byte* mac, byte* ad, ulong adlen, byte* npub, byte* k);
}
