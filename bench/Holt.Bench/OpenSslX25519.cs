using System.Runtime.InteropServices;

namespace Holt.Bench;

/// <summary>
/// X25519 through the OpenSSL 3 libcrypto that the .NET runtime already loads for its own cryptography, by its
/// EVP interface: a key object for each side, a derivation context, the derivation. This is the whole cost a
/// handshake would pay, whose keys are new in every message.
/// </summary>
internal static unsafe partial class OpenSslX25519
{
    private const string Library = "libcrypto.so.3";

    // NID_X25519 in OpenSSL's obj_mac.h.
    private const int KeyType = 1034;

    public static bool SharedSecret(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey, Span<byte> shared)
    {
        nint own = 0, peer = 0, context = 0;
        try
        {
            fixed (byte* k = privateKey)
            fixed (byte* p = publicKey)
            fixed (byte* s = shared)
            {
                own = EVP_PKEY_new_raw_private_key(KeyType, 0, k, 32);
                peer = EVP_PKEY_new_raw_public_key(KeyType, 0, p, 32);
                if (own == 0 || peer == 0)
                {
                    return false;
                }

                context = EVP_PKEY_CTX_new(own, 0);
                nuint length = 32;
                return context != 0 && EVP_PKEY_derive_init(context) == 1 && EVP_PKEY_derive_set_peer(context, peer) == 1 &&
                    EVP_PKEY_derive(context, s, &length) == 1 && length == 32;
            }
        }
        finally
        {
            EVP_PKEY_CTX_free(context);
            EVP_PKEY_free(peer);
            EVP_PKEY_free(own);
        }
    }

    /// <summary>The public key of a private key: OpenSSL computes it when the key object is made.</summary>
    public static bool PublicKey(ReadOnlySpan<byte> privateKey, Span<byte> publicKey)
    {
        fixed (byte* k = privateKey)
        fixed (byte* p = publicKey)
        {
            nint own = EVP_PKEY_new_raw_private_key(KeyType, 0, k, 32);
            try
            {
                nuint length = 32;
                return own != 0 && EVP_PKEY_get_raw_public_key(own, p, &length) == 1 && length == 32;
            }
            finally
            {
                EVP_PKEY_free(own);
            }
        }
    }

    [LibraryImport(Library)]
    private static partial nint EVP_PKEY_new_raw_private_key(int type, nint engine, byte* key, nuint length);

    [LibraryImport(Library)]
    private static partial nint EVP_PKEY_new_raw_public_key(int type, nint engine, byte* key, nuint length);

    [LibraryImport(Library)]
    private static partial int EVP_PKEY_get_raw_public_key(nint key, byte* publicKey, nuint* length);

    [LibraryImport(Library)]
    private static partial nint EVP_PKEY_CTX_new(nint key, nint engine);

    [LibraryImport(Library)]
    private static partial int EVP_PKEY_derive_init(nint context);

    [LibraryImport(Library)]
    private static partial int EVP_PKEY_derive_set_peer(nint context, nint peer);

    [LibraryImport(Library)]
    private static partial int EVP_PKEY_derive(nint context, byte* key, nuint* length);

    [LibraryImport(Library)]
    private static partial void EVP_PKEY_CTX_free(nint context);

    [LibraryImport(Library)]
    private static partial void EVP_PKEY_free(nint key);
}
