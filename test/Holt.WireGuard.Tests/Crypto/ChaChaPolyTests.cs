using System.Buffers.Binary;
using Holt.WireGuard.Crypto;
using Bcl = System.Security.Cryptography;

namespace Holt.WireGuard.Tests.Crypto;

public sealed class ChaChaPolyTests
{
    private static readonly byte[] s_key = Enumerable.Range(0x80, ChaChaPoly.KeySize).Select(i => (byte)i).ToArray();
    private static readonly byte[] s_authText = "handshake hash as auth text"u8.ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(1420)]
    public void SealThenOpen_RoundTrips(int size)
    {
        byte[] plain = Pattern(size, seed: 1);
        byte[] sealedBytes = new byte[size + ChaChaPoly.TagSize];
        byte[] opened = new byte[size];

        ChaChaPoly.Seal(s_key, 7, plain, s_authText, sealedBytes);
        bool ok = ChaChaPoly.Open(s_key, 7, sealedBytes, s_authText, opened);

        Assert.True(ok);
        Assert.Equal(plain, opened);
        if (size > 0)
        {
            Assert.NotEqual(plain, sealedBytes[..size]);
        }
    }

    [Fact]
    public void Seal_EmptyPlaintext_IsJustTheTag()
    {
        // A keepalive is an empty transport payload: 16 bytes of tag on the wire, and it must still authenticate.
        byte[] sealedBytes = new byte[ChaChaPoly.TagSize];

        ChaChaPoly.Seal(s_key, 0, default, default, sealedBytes);

        Assert.False(X25519.IsZero(sealedBytes));
        Assert.True(ChaChaPoly.Open(s_key, 0, sealedBytes, default, Span<byte>.Empty));
        Assert.False(ChaChaPoly.Open(s_key, 1, sealedBytes, default, Span<byte>.Empty));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(64 + ChaChaPoly.TagSize - 1)]
    public void Open_TamperedByte_ReturnsFalse(int index)
    {
        byte[] sealedBytes = new byte[64 + ChaChaPoly.TagSize];
        ChaChaPoly.Seal(s_key, 3, Pattern(64, seed: 2), s_authText, sealedBytes);
        sealedBytes[index] ^= 0x01;

        Assert.False(ChaChaPoly.Open(s_key, 3, sealedBytes, s_authText, new byte[64]));
    }

    [Fact]
    public void Open_WrongCounter_ReturnsFalse()
    {
        byte[] sealedBytes = SealPattern(100, counter: 1UL << 32);

        // 1 and 2^32 share no bytes with each other's nonce layout: a counter in the wrong word would show here.
        Assert.False(ChaChaPoly.Open(s_key, 1, sealedBytes, s_authText, new byte[100]));
        Assert.False(ChaChaPoly.Open(s_key, (1UL << 32) + 1, sealedBytes, s_authText, new byte[100]));
        Assert.True(ChaChaPoly.Open(s_key, 1UL << 32, sealedBytes, s_authText, new byte[100]));
    }

    [Fact]
    public void Open_WrongAuthText_ReturnsFalse()
    {
        byte[] sealedBytes = SealPattern(100, counter: 9);
        byte[] otherAuthText = (byte[])s_authText.Clone();
        otherAuthText[^1] ^= 0x80;

        Assert.False(ChaChaPoly.Open(s_key, 9, sealedBytes, otherAuthText, new byte[100]));
        Assert.False(ChaChaPoly.Open(s_key, 9, sealedBytes, default, new byte[100]));
    }

    [Fact]
    public void Open_WrongKey_ReturnsFalse()
    {
        byte[] sealedBytes = SealPattern(100, counter: 9);
        byte[] otherKey = (byte[])s_key.Clone();
        otherKey[0] ^= 1;

        Assert.False(ChaChaPoly.Open(otherKey, 9, sealedBytes, s_authText, new byte[100]));
    }

    [Fact]
    public void Open_FailureInPlace_ZeroesTheBufferAndRevealsNoPlaintext()
    {
        // libsodium checks the tag before it decrypts and then clears the destination, so a forged packet opened in
        // place is destroyed: a caller cannot retry the same buffer with another key after a failure.
        byte[] plain = Pattern(200, seed: 5);
        byte[] buffer = SealPattern(200, counter: 4);
        buffer[^1] ^= 1;

        Assert.False(ChaChaPoly.Open(s_key, 4, buffer, s_authText, buffer.AsSpan(0, 200)));

        Assert.NotEqual(plain, buffer[..200]);
        Assert.True(X25519.IsZero(buffer.AsSpan(0, 200)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void Open_DestinationOfWrongLength_ReturnsFalse(int delta)
    {
        byte[] sealedBytes = SealPattern(32, counter: 0);

        Assert.False(ChaChaPoly.Open(s_key, 0, sealedBytes, s_authText, new byte[32 + delta]));
    }

    [Fact]
    public void Open_ShorterThanTag_ReturnsFalse()
    {
        Assert.False(ChaChaPoly.Open(s_key, 0, new byte[ChaChaPoly.TagSize - 1], default, Span<byte>.Empty));
    }

    [Fact]
    public void Seal_WrongSizes_Throw()
    {
        Assert.Throws<ArgumentException>(() => ChaChaPoly.Seal(new byte[31], 0, new byte[4], default, new byte[20]));
        Assert.Throws<ArgumentException>(() => ChaChaPoly.Seal(s_key, 0, new byte[4], default, new byte[19]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(1420)]
    public void SealAndOpen_InPlace_MatchOutOfPlace(int size)
    {
        byte[] plain = Pattern(size, seed: 3);
        byte[] expected = new byte[size + ChaChaPoly.TagSize];
        ChaChaPoly.Seal(s_key, 42, plain, s_authText, expected);

        // The transport path encrypts a pooled buffer in place: plain text at the front, room for the tag behind.
        byte[] buffer = new byte[size + ChaChaPoly.TagSize];
        plain.CopyTo(buffer, 0);
        ChaChaPoly.Seal(s_key, 42, buffer.AsSpan(0, size), s_authText, buffer);
        Assert.Equal(expected, buffer);

        Assert.True(ChaChaPoly.Open(s_key, 42, buffer, s_authText, buffer.AsSpan(0, size)));
        Assert.Equal(plain, buffer[..size]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(1420)]
    [InlineData(16384)]
    public void Seal_MatchesBclChaCha20Poly1305WithWireGuardNonce(int size)
    {
        Assert.True(Bcl.ChaCha20Poly1305.IsSupported, "the BCL reference needs ChaCha20-Poly1305 from the platform");
        var random = new Random(size);
        ulong[] counters = [0, 1, 0xffff_ffff, 1UL << 32, ulong.MaxValue - 1, (ulong)random.NextInt64(), (ulong)random.NextInt64()];

        foreach (ulong counter in counters)
        {
            byte[] key = RandomBytes(random, ChaChaPoly.KeySize);
            byte[] plain = RandomBytes(random, size);
            byte[] authText = RandomBytes(random, random.Next(0, 64));
            byte[] ours = new byte[size + ChaChaPoly.TagSize];
            byte[] theirs = new byte[size + ChaChaPoly.TagSize];
            byte[] nonce = new byte[12];
            BinaryPrimitives.WriteUInt64LittleEndian(nonce.AsSpan(4), counter);

            ChaChaPoly.Seal(key, counter, plain, authText, ours);
            using (var bcl = new Bcl.ChaCha20Poly1305(key))
            {
                bcl.Encrypt(nonce, plain, theirs.AsSpan(0, size), theirs.AsSpan(size), authText);

                byte[] decrypted = new byte[size];
                bcl.Decrypt(nonce, ours.AsSpan(0, size), ours.AsSpan(size), decrypted, authText);
                Assert.Equal(plain, decrypted);
            }

            Assert.Equal(theirs, ours);
        }
    }

    private static byte[] SealPattern(int size, ulong counter)
    {
        byte[] sealedBytes = new byte[size + ChaChaPoly.TagSize];
        ChaChaPoly.Seal(s_key, counter, Pattern(size, seed: 5), s_authText, sealedBytes);
        return sealedBytes;
    }

    private static byte[] Pattern(int size, int seed) => RandomBytes(new Random(seed), size);

    private static byte[] RandomBytes(Random random, int size)
    {
        byte[] bytes = new byte[size];
        random.NextBytes(bytes);
        return bytes;
    }
}
