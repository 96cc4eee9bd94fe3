using System.Text.Json;
using Holt.WireGuard.Crypto;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Crypto;

public sealed class KdfTests
{
    public static TheoryData<string, string, string, string, string> KdfVectors()
    {
        var data = new TheoryData<string, string, string, string, string>();
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(TestVectors.PathOf("kdf.json")));
        foreach (JsonElement item in doc.RootElement.EnumerateArray())
        {
            data.Add(
                item.GetProperty("key").GetString()!,
                item.GetProperty("input").GetString()!,
                item.GetProperty("t0").GetString()!,
                item.GetProperty("t1").GetString()!,
                item.GetProperty("t2").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KdfVectors))]
    public void Kdf1_MatchesVector(string key, string input, string t0, string t1, string t2)
    {
        _ = (t1, t2);
        byte[] out1 = new byte[Blake2s.HashSize];

        Blake2s.Kdf(TestVectors.Hex(key), TestVectors.Hex(input), out1, default, default);

        Assert.Equal(t0, Convert.ToHexStringLower(out1));
    }

    [Theory]
    [MemberData(nameof(KdfVectors))]
    public void Kdf2_MatchesVector(string key, string input, string t0, string t1, string t2)
    {
        _ = t2;
        byte[] out1 = new byte[Blake2s.HashSize];
        byte[] out2 = new byte[Blake2s.HashSize];

        Blake2s.Kdf(TestVectors.Hex(key), TestVectors.Hex(input), out1, out2, default);

        Assert.Equal(t0, Convert.ToHexStringLower(out1));
        Assert.Equal(t1, Convert.ToHexStringLower(out2));
    }

    [Theory]
    [MemberData(nameof(KdfVectors))]
    public void Kdf3_MatchesVector(string key, string input, string t0, string t1, string t2)
    {
        byte[] out1 = new byte[Blake2s.HashSize];
        byte[] out2 = new byte[Blake2s.HashSize];
        byte[] out3 = new byte[Blake2s.HashSize];

        Blake2s.Kdf(TestVectors.Hex(key), TestVectors.Hex(input), out1, out2, out3);

        Assert.Equal(t0, Convert.ToHexStringLower(out1));
        Assert.Equal(t1, Convert.ToHexStringLower(out2));
        Assert.Equal(t2, Convert.ToHexStringLower(out3));
    }

    [Fact]
    public void Kdf_VectorFile_HasCases()
    {
        // An empty or unreadable file would otherwise leave the theories above with nothing to run.
        Assert.True(KdfVectors().Count >= 3);
    }

    [Theory]
    [MemberData(nameof(KdfVectors))]
    public void Kdf3_EqualsManualHmacChain(string key, string input, string t0, string t1, string t2)
    {
        _ = (t0, t1, t2);
        byte[] k = TestVectors.Hex(key);
        byte[] x = TestVectors.Hex(input);
        byte[] prk = new byte[Blake2s.HashSize];
        byte[] e1 = new byte[Blake2s.HashSize];
        byte[] e2 = new byte[Blake2s.HashSize];
        byte[] e3 = new byte[Blake2s.HashSize];
        byte[] a1 = new byte[Blake2s.HashSize];
        byte[] a2 = new byte[Blake2s.HashSize];
        byte[] a3 = new byte[Blake2s.HashSize];

        // The whitepaper's definition, step by step: τ0 = HMAC(key, input), τ1 = HMAC(τ0, 0x1),
        // τ2 = HMAC(τ0, τ1 || 0x2), τ3 = HMAC(τ0, τ2 || 0x3).
        Blake2s.Hmac(k, x, default, prk);
        Blake2s.Hmac(prk, [0x1], default, e1);
        Blake2s.Hmac(prk, e1, [0x2], e2);
        Blake2s.Hmac(prk, e2, [0x3], e3);
        Blake2s.Kdf(k, x, a1, a2, a3);

        Assert.Equal(e1, a1);
        Assert.Equal(e2, a2);
        Assert.Equal(e3, a3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("01")]
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")]
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        + "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")]
    public void Hmac_EqualsRfc2104CompositionOverHash(string keyHex)
    {
        byte[] key = TestVectors.Hex(keyHex);
        byte[] message = "a message split across two spans"u8.ToArray();
        byte[] expected = ReferenceHmac(key, message);
        byte[] actual = new byte[Blake2s.HashSize];

        Blake2s.Hmac(key, message.AsSpan(0, 9), message.AsSpan(9), actual);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Hmac_KeyLongerThanOneBlock_Throws()
    {
        // WireGuard never uses such keys, and RFC 2104 would hash them first; refusing keeps the code honest.
        byte[] output = new byte[Blake2s.HashSize];

        Assert.Throws<ArgumentException>(() => Blake2s.Hmac(new byte[Blake2s.BlockSize + 1], default, default, output));
    }

    [Fact]
    public void Hmac_MatchesIndependentReference()
    {
        // Expected value from CPython's hmac.new(key, msg, hashlib.blake2s), an independent HMAC and BLAKE2s.
        byte[] output = new byte[Blake2s.HashSize];

        Blake2s.Hmac("test-key"u8, "test-"u8, "input"u8, output);

        Assert.Equal("ed378e02e152b574e0d9e01fb029a7066c3cc687917c28bf9dfe5b042769fa46", Convert.ToHexStringLower(output));
    }

    /// <summary>HMAC built from the unkeyed hash alone, the RFC 2104 way, so it shares no code with Blake2s.Hmac.</summary>
    private static byte[] ReferenceHmac(byte[] key, byte[] message)
    {
        byte[] ipad = new byte[Blake2s.BlockSize];
        byte[] opad = new byte[Blake2s.BlockSize];
        for (int i = 0; i < Blake2s.BlockSize; i++)
        {
            byte k = i < key.Length ? key[i] : (byte)0;
            ipad[i] = (byte)(k ^ 0x36);
            opad[i] = (byte)(k ^ 0x5c);
        }

        byte[] inner = new byte[Blake2s.HashSize];
        byte[] outer = new byte[Blake2s.HashSize];
        Blake2s.Hash(ipad, message, inner);
        Blake2s.Hash(opad, inner, outer);
        return outer;
    }
}
