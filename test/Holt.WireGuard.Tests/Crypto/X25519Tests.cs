using Holt.WireGuard.Crypto;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Crypto;

public sealed class X25519Tests
{
    // RFC 7748 section 6.1.
    private const string AlicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private const string AlicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    private const string BobPrivate = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    private const string BobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    private const string AliceBobShared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    [Theory]
    [InlineData(
        "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")]
    [InlineData(
        "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")]
    public void SharedSecret_Rfc7748Section52_Matches(string scalar, string u, string expected)
    {
        // The scalars are unclamped and the second u has its top bit set: X25519 must clamp and mask itself.
        byte[] output = new byte[X25519.KeySize];

        Assert.True(X25519.SharedSecret(TestVectors.Hex(scalar), TestVectors.Hex(u), output));

        Assert.Equal(expected, Convert.ToHexStringLower(output));
    }

    [Theory]
    [InlineData(1, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")]
    [InlineData(1000, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")]
    public void SharedSecret_Rfc7748Section52Iterated_Matches(int iterations, string expected)
    {
        byte[] k = new byte[X25519.KeySize];
        byte[] u = new byte[X25519.KeySize];
        byte[] result = new byte[X25519.KeySize];
        k[0] = 9;
        u[0] = 9;

        for (int i = 0; i < iterations; i++)
        {
            Assert.True(X25519.SharedSecret(k, u, result));
            k.CopyTo(u);
            result.CopyTo(k);
        }

        Assert.Equal(expected, Convert.ToHexStringLower(k));
    }

    [Fact]
    public void DerivePublicKey_Rfc7748Section61_Matches()
    {
        byte[] alice = new byte[X25519.KeySize];
        byte[] bob = new byte[X25519.KeySize];

        X25519.DerivePublicKey(TestVectors.Hex(AlicePrivate), alice);
        X25519.DerivePublicKey(TestVectors.Hex(BobPrivate), bob);

        Assert.Equal(AlicePublic, Convert.ToHexStringLower(alice));
        Assert.Equal(BobPublic, Convert.ToHexStringLower(bob));
    }

    [Fact]
    public void SharedSecret_Rfc7748Section61_BothSidesAgree()
    {
        byte[] aliceSide = new byte[X25519.KeySize];
        byte[] bobSide = new byte[X25519.KeySize];

        Assert.True(X25519.SharedSecret(TestVectors.Hex(AlicePrivate), TestVectors.Hex(BobPublic), aliceSide));
        Assert.True(X25519.SharedSecret(TestVectors.Hex(BobPrivate), TestVectors.Hex(AlicePublic), bobSide));

        Assert.Equal(AliceBobShared, Convert.ToHexStringLower(aliceSide));
        Assert.Equal(AliceBobShared, Convert.ToHexStringLower(bobSide));
    }

    [Fact]
    public void SharedSecret_GeneratedKeys_Agree()
    {
        byte[] a = new byte[X25519.KeySize];
        byte[] b = new byte[X25519.KeySize];
        byte[] pubA = new byte[X25519.KeySize];
        byte[] pubB = new byte[X25519.KeySize];
        byte[] ab = new byte[X25519.KeySize];
        byte[] ba = new byte[X25519.KeySize];
        X25519.GeneratePrivateKey(a);
        X25519.GeneratePrivateKey(b);
        X25519.DerivePublicKey(a, pubA);
        X25519.DerivePublicKey(b, pubB);

        Assert.True(X25519.SharedSecret(a, pubB, ab));
        Assert.True(X25519.SharedSecret(b, pubA, ba));

        Assert.Equal(ab, ba);
        Assert.NotEqual(pubA, pubB);
    }

    /// <summary>
    /// The u-coordinates of every point of small order on Curve25519 and its twist (0, 1, the two points of order 8
    /// and p - 1), their non-canonical spellings below 2^255 (p, p + 1), and all of those again with the top bit
    /// set, which X25519 ignores. A peer sending one of these would force a known shared secret.
    /// </summary>
    public static TheoryData<string> LowOrderPoints() =>
    [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "0100000000000000000000000000000000000000000000000000000000000080",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ];

    [Theory]
    [MemberData(nameof(LowOrderPoints))]
    public void SharedSecret_LowOrderPoint_IsRejected(string point)
    {
        byte[] publicKey = TestVectors.Hex(point);
        byte[] shared = new byte[X25519.KeySize];
        byte[] privateKey = new byte[X25519.KeySize];

        foreach (string fixedKey in new[] { AlicePrivate, BobPrivate })
        {
            Assert.False(X25519.SharedSecret(TestVectors.Hex(fixedKey), publicKey, shared));
        }

        for (int i = 0; i < 4; i++)
        {
            X25519.GeneratePrivateKey(privateKey);
            Assert.False(X25519.SharedSecret(privateKey, publicKey, shared));
        }
    }

    [Theory]
    [InlineData(31, 32, 32)]
    [InlineData(32, 31, 32)]
    [InlineData(32, 32, 31)]
    [InlineData(33, 32, 32)]
    public void SharedSecret_WrongSizes_ReturnsFalse(int privateSize, int publicSize, int sharedSize)
    {
        byte[] publicKey = new byte[publicSize];
        publicKey[0] = 9;

        Assert.False(X25519.SharedSecret(new byte[privateSize], publicKey, new byte[sharedSize]));
    }

    [Fact]
    public void GeneratePrivateKey_IsClampedAndFresh()
    {
        byte[] first = new byte[X25519.KeySize];
        byte[] second = new byte[X25519.KeySize];

        X25519.GeneratePrivateKey(first);
        X25519.GeneratePrivateKey(second);

        foreach (byte[] key in new[] { first, second })
        {
            Assert.Equal(0, key[0] & 7);
            Assert.Equal(0x40, key[31] & 0xc0);
        }

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Clamp_SetsOnlyTheRfc7748Bits()
    {
        byte[] key = Enumerable.Repeat((byte)0xff, X25519.KeySize).ToArray();

        X25519.Clamp(key);

        Assert.Equal(0xf8, key[0]);
        Assert.Equal(0x7f, key[31]);
        Assert.All(key[1..31], b => Assert.Equal(0xff, b));
    }

    [Fact]
    public void IsZero_DetectsAnyNonZeroByte()
    {
        byte[] value = new byte[X25519.KeySize];
        Assert.True(X25519.IsZero(value));

        for (int i = 0; i < value.Length; i++)
        {
            value[i] = 0x80;
            Assert.False(X25519.IsZero(value));
            value[i] = 0;
        }
    }
}
