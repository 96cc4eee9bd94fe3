using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Holt.WireGuard.Crypto;

namespace Holt.WireGuard.Noise;

/// <summary>
/// The Noise SymmetricState (Noise spec section 5.2) for Noise_*_25519_ChaChaPoly_BLAKE2s: chaining key ck,
/// handshake hash h and cipher key k with its nonce n. WireGuard's whitepaper names ck and h as Ci/Cr and Hi/Hr.
/// </summary>
internal struct SymmetricState
{
    private Bytes32 _chainingKey;
    private Bytes32 _hash;
    private Bytes32 _key;
    private ulong _nonce;
    private bool _hasKey;

    [UnscopedRef]
    public Span<byte> ChainingKey => _chainingKey;

    [UnscopedRef]
    public Span<byte> Hash => _hash;

    /// <summary>InitializeSymmetric(protocol name): h = HASH(name) for names longer than 32 bytes, ck = h.</summary>
    public void Initialize(ReadOnlySpan<byte> protocolName)
    {
        if (protocolName.Length <= Blake2s.HashSize)
        {
            Span<byte> h = _hash;
            h.Clear();
            protocolName.CopyTo(h);
        }
        else
        {
            Blake2s.Hash(protocolName, _hash);
        }

        ((Span<byte>)_hash).CopyTo(_chainingKey);
        _hasKey = false;
        _nonce = 0;
    }

    /// <summary>Restores a state computed earlier (WireGuard precomputes Ci and Hi per responder key).</summary>
    public void Load(ReadOnlySpan<byte> chainingKey, ReadOnlySpan<byte> hash)
    {
        chainingKey.CopyTo(_chainingKey);
        hash.CopyTo(_hash);
        _hasKey = false;
        _nonce = 0;
    }

    /// <summary>MixHash(data): h = HASH(h || data).</summary>
    public void MixHash(ReadOnlySpan<byte> data) => Blake2s.Hash(_hash, data, _hash);

    /// <summary>MixKey(ikm): (ck, k) = KDF2(ck, ikm), n = 0.</summary>
    public void MixKey(ReadOnlySpan<byte> inputKeyMaterial)
    {
        Blake2s.Kdf(_chainingKey, inputKeyMaterial, _chainingKey, _key, default);
        _nonce = 0;
        _hasKey = true;
    }

    /// <summary>MixKeyAndHash(psk): (ck, t, k) = KDF3(ck, psk); MixHash(t); n = 0.</summary>
    public void MixKeyAndHash(ReadOnlySpan<byte> inputKeyMaterial)
    {
        Span<byte> temp = stackalloc byte[Blake2s.HashSize];
        Blake2s.Kdf(_chainingKey, inputKeyMaterial, _chainingKey, temp, _key);
        MixHash(temp);
        CryptographicOperations.ZeroMemory(temp);
        _nonce = 0;
        _hasKey = true;
    }

    /// <summary>EncryptAndHash(plain): c = AEAD(k, n++, plain, h); MixHash(c). Output is plain + 16 bytes.</summary>
    public void EncryptAndHash(ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        if (!_hasKey)
        {
            throw new InvalidOperationException("Noise patterns used here always have a key before encrypting.");
        }

        ChaChaPoly.Seal(_key, _nonce++, plaintext, _hash, ciphertext);
        MixHash(ciphertext);
    }

    /// <summary>DecryptAndHash(c): plain = AEAD-open(k, n++, c, h); MixHash(c). False if authentication fails.</summary>
    public bool DecryptAndHash(ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        if (!_hasKey || !ChaChaPoly.Open(_key, _nonce, ciphertext, _hash, plaintext))
        {
            return false;
        }

        _nonce++;
        MixHash(ciphertext);
        return true;
    }

    /// <summary>Split(): (k1, k2) = KDF2(ck, empty). k1 encrypts initiator to responder.</summary>
    public readonly void Split(Span<byte> initiatorToResponder, Span<byte> responderToInitiator) =>
        Blake2s.Kdf(_chainingKey, default, initiatorToResponder, responderToInitiator, default);

    public void Clear()
    {
        CryptographicOperations.ZeroMemory(_chainingKey);
        CryptographicOperations.ZeroMemory(_hash);
        CryptographicOperations.ZeroMemory(_key);
        _hasKey = false;
        _nonce = 0;
    }
}

/// <summary>32 bytes held inside a struct, for the Noise state's keys and hash.</summary>
[InlineArray(32)]
internal struct Bytes32
{
    private byte _element0;
}
