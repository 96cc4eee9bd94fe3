using System.Text;
using Holt.WireGuard.Crypto;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Crypto;

public sealed class Blake2sTests
{
    [Fact]
    public void Hash_Abc_MatchesRfc7693AppendixB()
    {
        Span<byte> digest = stackalloc byte[Blake2s.HashSize];

        Blake2s.Hash("abc"u8, digest);

        Assert.Equal("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", Convert.ToHexStringLower(digest));
    }

    /// <summary>Holt's own BLAKE2s against BouncyCastle's: every digest size, key length and way of splitting the input.</summary>
    [Fact]
    public void RandomInputs_KeysAndSizes_MatchTheReference()
    {
        var random = new Random(7693);
        for (int round = 0; round < 3000; round++)
        {
            byte[] data = new byte[random.Next(0, round < 300 ? 200 : 1000)];
            random.NextBytes(data);
            byte[] key = new byte[random.Next(3) == 0 ? 0 : random.Next(1, 33)];
            random.NextBytes(key);
            int size = random.Next(1, 33);

            var reference = new Org.BouncyCastle.Crypto.Digests.Blake2sDigest(key.Length == 0 ? null : key, size, null, null);
            reference.BlockUpdate(data, 0, data.Length);
            byte[] expected = new byte[size];
            reference.DoFinal(expected, 0);

            var core = new Blake2sCore(size, key);
            for (int at = 0; at < data.Length;)
            {
                int take = Math.Min(data.Length - at, random.Next(0, 130));
                core.Update(data.AsSpan(at, take));
                at += take;
            }

            byte[] actual = new byte[size];
            core.Final(actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"round {round}: {data.Length} bytes, key {key.Length}, size {size}");
        }
    }

    [Fact]
    public void Hash_SplitInput_EqualsHashOfConcatenation()
    {
        // HASH(a || b || c) is written with separate spans everywhere in the handshake, so the split must not matter.
        byte[] whole = Encoding.ASCII.GetBytes("the quick brown fox jumps over the lazy dog, twice over: the quick brown fox");
        byte[] expected = new byte[Blake2s.HashSize];
        byte[] actual = new byte[Blake2s.HashSize];
        Blake2s.Hash(whole, expected);

        Blake2s.Hash(whole.AsSpan(0, 3), whole.AsSpan(3, 61), whole.AsSpan(64), actual);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ChainingKey_Initial_IsHashOfConstruction()
    {
        byte[] ci = InitialChainingKey();

        Assert.Equal("60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36", Convert.ToHexStringLower(ci));
    }

    [Fact]
    public void HandshakeHash_Initial_IsHashOfChainingKeyAndIdentifier()
    {
        byte[] ci = InitialChainingKey();
        byte[] hi = new byte[Blake2s.HashSize];

        Blake2s.Hash(ci, "WireGuard v1 zx2c4 Jason@zx2c4.com"u8, hi);

        Assert.Equal("2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3", Convert.ToHexStringLower(hi));
    }

    [Fact]
    public void Mac1Key_ForZeroPublicKey_MatchesReadme()
    {
        byte[] key = new byte[Blake2s.HashSize];

        Blake2s.Hash("mac1----"u8, new byte[32], key);

        Assert.Equal("d84d593e94aac535d9107d24b9e4576f12a1d0c96b630c2961edee4259e3e3c5", Convert.ToHexStringLower(key));
    }

    [Fact]
    public void Mac_IsSixteenBytesAndDependsOnKey()
    {
        byte[] input = Encoding.ASCII.GetBytes("handshake initiation up to mac1");
        byte[] keyA = TestVectors.Hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        byte[] keyB = (byte[])keyA.Clone();
        keyB[31] ^= 1;
        byte[] macA = new byte[Blake2s.MacSize];
        byte[] macA2 = new byte[Blake2s.MacSize];
        byte[] macB = new byte[Blake2s.MacSize];

        Blake2s.Mac(keyA, input, macA);
        Blake2s.Mac(keyA, input, macA2);
        Blake2s.Mac(keyB, input, macB);

        Assert.Equal(16, Blake2s.MacSize);
        Assert.Equal(macA, macA2);
        Assert.NotEqual(macA, macB);
        Assert.False(X25519.IsZero(macA));
    }

    [Fact]
    public void Mac_KeyedSixteenByteOutput_MatchesReference()
    {
        // Expected value from CPython's hashlib.blake2s(data, key=00..1f, digest_size=16), an independent
        // implementation. The 16-byte length is part of BLAKE2s's parameter block, so it is not a truncated hash.
        byte[] key = TestVectors.Hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        byte[] mac = new byte[Blake2s.MacSize];

        Blake2s.Mac(key, "handshake initiation up to mac1"u8, mac);

        Assert.Equal("f48541a15c38c24229e13301d760c991", Convert.ToHexStringLower(mac));
    }

    private static byte[] InitialChainingKey()
    {
        byte[] ci = new byte[Blake2s.HashSize];
        Blake2s.Hash("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"u8, ci);
        return ci;
    }
}
