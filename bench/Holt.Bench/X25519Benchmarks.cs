using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using NSec.Cryptography;
using BouncyX25519 = Org.BouncyCastle.Math.EC.Rfc7748.X25519;
using HoltX25519 = Holt.WireGuard.Crypto.X25519;
using NSecPublicKey = NSec.Cryptography.PublicKey;

namespace Holt.Bench;

/// <summary>One Curve25519 shared secret, DH(private, public), as each handshake message needs several of.</summary>
[MemoryDiagnoser]
public class X25519Benchmarks
{
    private readonly byte[] _privateKey = new byte[HoltX25519.KeySize];
    private readonly byte[] _peerPublicKey = new byte[HoltX25519.KeySize];
    private readonly byte[] _shared = new byte[HoltX25519.KeySize];
    private Key? _nsecPrivateKey;
    private NSecPublicKey? _nsecPeerPublicKey;

    [GlobalSetup]
    public void Setup()
    {
        byte[] peerPrivateKey = new byte[HoltX25519.KeySize];
        HoltX25519.GeneratePrivateKey(_privateKey);
        HoltX25519.GeneratePrivateKey(peerPrivateKey);
        HoltX25519.DerivePublicKey(peerPrivateKey, _peerPublicKey);

        _nsecPrivateKey = Key.Import(KeyAgreementAlgorithm.X25519, _privateKey, KeyBlobFormat.RawPrivateKey);
        _nsecPeerPublicKey = NSecPublicKey.Import(KeyAgreementAlgorithm.X25519, _peerPublicKey, KeyBlobFormat.RawPublicKey);

        Verify();
    }

    [GlobalCleanup]
    public void Cleanup() => _nsecPrivateKey?.Dispose();

    [Benchmark(Baseline = true)]
    public bool Holt() => HoltX25519.SharedSecret(_privateKey, _peerPublicKey, _shared);

    [Benchmark]
    public bool NSec()
    {
        // NSec hands the secret back as an object that only a key derivation can read; creating and disposing it
        // is part of what using NSec here costs.
        using SharedSecret? secret = KeyAgreementAlgorithm.X25519.Agree(_nsecPrivateKey!, _nsecPeerPublicKey!);
        return secret is not null;
    }

    [Benchmark]
    public void BouncyCastle() => BouncyX25519.ScalarMult(_privateKey, 0, _peerPublicKey, 0, _shared, 0);

    [Benchmark]
    public bool OpenSsl() => OpenSslX25519.SharedSecret(_privateKey, _peerPublicKey, _shared);

    /// <summary>DH-GENERATE's other half, the public key of a new ephemeral key: two per handshake.</summary>
    [Benchmark]
    public void HoltPublicKey() => HoltX25519.DerivePublicKey(_privateKey, _shared);

    [Benchmark]
    public bool OpenSslPublicKey() => OpenSslX25519.PublicKey(_privateKey, _shared);

    private void Verify()
    {
        byte[] expected = new byte[HoltX25519.KeySize];
        if (!HoltX25519.SharedSecret(_privateKey, _peerPublicKey, expected) || !NSec())
        {
            throw new InvalidOperationException("key agreement failed");
        }

        BouncyCastle();
        if (!_shared.AsSpan().SequenceEqual(expected))
        {
            throw new InvalidOperationException("BouncyCastle's shared secret differs from libsodium's");
        }

        _shared.AsSpan().Clear();
        if (!OpenSsl() || !_shared.AsSpan().SequenceEqual(expected))
        {
            throw new InvalidOperationException("OpenSSL's shared secret differs from libsodium's");
        }

        byte[] publicKey = new byte[HoltX25519.KeySize];
        HoltX25519.DerivePublicKey(_privateKey, publicKey);
        if (!OpenSslPublicKey() || !_shared.AsSpan().SequenceEqual(publicKey))
        {
            throw new InvalidOperationException("OpenSSL's public key differs from libsodium's");
        }

        // NSec exposes its secret only through a KDF, so compare HKDF outputs of both.
        using SharedSecret secret = KeyAgreementAlgorithm.X25519.Agree(_nsecPrivateKey!, _nsecPeerPublicKey!)!;
        byte[] viaNSec = KeyDerivationAlgorithm.HkdfSha256.DeriveBytes(secret, default, default, 32);
        byte[] viaBcl = HKDF.DeriveKey(HashAlgorithmName.SHA256, expected, 32);
        if (!viaNSec.AsSpan().SequenceEqual(viaBcl))
        {
            throw new InvalidOperationException("NSec's shared secret differs from libsodium's");
        }
    }
}
