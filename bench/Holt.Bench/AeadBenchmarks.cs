using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Holt.WireGuard.Crypto;
using NSec.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using BclChaCha = System.Security.Cryptography.ChaCha20Poly1305;
using BouncyChaCha = Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305;

namespace Holt.Bench;

/// <summary>
/// One transport packet sealed or opened in place, as the data path does it, with each ChaCha20-Poly1305 on offer.
/// The auth text is empty, as in WireGuard's transport messages. Open benchmarks first copy the pristine packet
/// back into the work buffer (the <c>CopyOnly</c> row measures that alone), since opening in place consumes it.
/// </summary>
[MemoryDiagnoser]
public class AeadBenchmarks
{
    private const ulong OpenCounter = 12345;

    private readonly AeadAlgorithm _nsecAlgorithm = AeadAlgorithm.ChaCha20Poly1305;
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _openNonce = new byte[12];
    private byte[] _key = [];
    private byte[] _buffer = [];
    private byte[] _sealedPacket = [];
    private ulong _counter;
    private BclChaCha? _bcl;
    private Key? _nsecKey;
    private BouncyChaCha? _bouncy;
    private ParametersWithIV? _bouncyOpenParameters;

    [Params(64, 1420, 16384)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _key = RandomNumberGenerator.GetBytes(ChaChaPoly.KeySize);
        _buffer = new byte[Size + ChaChaPoly.TagSize];
        _sealedPacket = new byte[Size + ChaChaPoly.TagSize];
        BinaryPrimitives.WriteUInt64LittleEndian(_openNonce.AsSpan(4), OpenCounter);
        ChaChaPoly.Seal(_key, OpenCounter, RandomNumberGenerator.GetBytes(Size), default, _sealedPacket);

        _bcl = new BclChaCha(_key);
        _nsecKey = Key.Import(_nsecAlgorithm, _key, KeyBlobFormat.RawSymmetricKey);
        _bouncy = new BouncyChaCha();
        _bouncy.Init(true, new ParametersWithIV(new KeyParameter(_key), new byte[12]));
        // Decryption may reuse a nonce, so one parameters object serves every Open; the key stays from the first Init.
        _bouncyOpenParameters = new ParametersWithIV(null, _openNonce);

        Verify();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bcl?.Dispose();
        _nsecKey?.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Seal")]
    public void SealHolt() =>
        ChaChaPoly.Seal(_key, ++_counter, _buffer.AsSpan(0, Size), default, _buffer);

    [Benchmark]
    [BenchmarkCategory("Seal")]
    public void SealBcl()
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_nonce.AsSpan(4), ++_counter);
        Span<byte> payload = _buffer.AsSpan(0, Size);
        _bcl!.Encrypt(_nonce, payload, payload, _buffer.AsSpan(Size));
    }

    [Benchmark]
    [BenchmarkCategory("Seal")]
    public void SealNSec()
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_nonce.AsSpan(4), ++_counter);
        _nsecAlgorithm.Encrypt(_nsecKey!, _nonce, default, _buffer.AsSpan(0, Size), _buffer);
    }

    [Benchmark]
    [BenchmarkCategory("Seal")]
    public int SealBouncyCastle()
    {
        // BouncyCastle refuses to encrypt twice under one nonce, so every packet needs an Init with its own;
        // a null key keeps the one already set up.
        BinaryPrimitives.WriteUInt64LittleEndian(_nonce.AsSpan(4), ++_counter);
        _bouncy!.Init(true, new ParametersWithIV(null, _nonce));
        int written = _bouncy.ProcessBytes(_buffer.AsSpan(0, Size), _buffer);
        return written + _bouncy.DoFinal(_buffer.AsSpan(written));
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Open")]
    public bool OpenHolt()
    {
        _sealedPacket.CopyTo(_buffer, 0);
        return ChaChaPoly.Open(_key, OpenCounter, _buffer, default, _buffer.AsSpan(0, Size));
    }

    [Benchmark]
    [BenchmarkCategory("Open")]
    public void OpenBcl()
    {
        _sealedPacket.CopyTo(_buffer, 0);
        Span<byte> payload = _buffer.AsSpan(0, Size);
        _bcl!.Decrypt(_openNonce, payload, _buffer.AsSpan(Size), payload);
    }

    [Benchmark]
    [BenchmarkCategory("Open")]
    public bool OpenNSec()
    {
        _sealedPacket.CopyTo(_buffer, 0);
        return _nsecAlgorithm.Decrypt(_nsecKey!, _openNonce, default, _buffer, _buffer.AsSpan(0, Size));
    }

    [Benchmark]
    [BenchmarkCategory("Open")]
    public int OpenBouncyCastle()
    {
        _sealedPacket.CopyTo(_buffer, 0);
        _bouncy!.Init(false, _bouncyOpenParameters);
        int written = _bouncy.ProcessBytes(_buffer, _buffer);
        return written + _bouncy.DoFinal(_buffer.AsSpan(written));
    }

    [Benchmark]
    [BenchmarkCategory("Open")]
    public void CopyOnly() => _sealedPacket.CopyTo(_buffer, 0);

    /// <summary>Every option must seal to the same bytes and open the same packet, or the figures compare nothing.</summary>
    private void Verify()
    {
        byte[] plain = RandomNumberGenerator.GetBytes(Size);
        byte[] expected = new byte[Size + ChaChaPoly.TagSize];
        ulong next = _counter + 1;
        ChaChaPoly.Seal(_key, next, plain, default, expected);

        foreach (Action seal in new Action[] { () => SealBcl(), () => SealNSec(), () => SealBouncyCastle() })
        {
            plain.CopyTo(_buffer, 0);
            _counter = next - 1;
            seal();
            Check(_buffer.AsSpan().SequenceEqual(expected), "in-place seal differs from libsodium's");
        }

        plain.CopyTo(_buffer, 0);
        _counter = next - 1;
        SealHolt();
        Check(_buffer.AsSpan().SequenceEqual(expected), "in-place seal differs from out-of-place");

        byte[] opened = new byte[Size];
        Check(ChaChaPoly.Open(_key, OpenCounter, _sealedPacket, default, opened), "the packet does not open");
        foreach (Action open in new Action[] { () => OpenHolt(), () => OpenBcl(), () => OpenNSec(), () => OpenBouncyCastle() })
        {
            open();
            Check(_buffer.AsSpan(0, Size).SequenceEqual(opened), "in-place open gave other plain text");
        }

        _counter = 0;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
