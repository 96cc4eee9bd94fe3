using System.Text;
using Holt.WireGuard.Crypto;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Crypto;

public sealed class XChaChaPolyTests
{
    // draft-irtf-cfrg-xchacha-03, appendix A.3.1 (AEAD_XChaCha20_Poly1305).
    private const string DraftKey = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
    private const string DraftNonce = "404142434445464748494a4b4c4d4e4f5051525354555657";
    private const string DraftAuthText = "50515253c0c1c2c3c4c5c6c7";
    private const string DraftPlaintext =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    private const string DraftCiphertext =
        "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
        + "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
        + "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
        + "21f9664c97637da9768812f615c68b13b52e";
    private const string DraftTag = "c0875924c1c7987947deafd8780acf49";

    [Fact]
    public void XSeal_DraftVector_Matches()
    {
        byte[] plain = Encoding.ASCII.GetBytes(DraftPlaintext);
        byte[] output = new byte[plain.Length + ChaChaPoly.TagSize];

        ChaChaPoly.XSeal(TestVectors.Hex(DraftKey), TestVectors.Hex(DraftNonce), plain, TestVectors.Hex(DraftAuthText), output);

        Assert.Equal(DraftCiphertext + DraftTag, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void XOpen_DraftVector_GivesPlaintext()
    {
        byte[] sealedBytes = TestVectors.Hex(DraftCiphertext + DraftTag);
        byte[] plain = new byte[sealedBytes.Length - ChaChaPoly.TagSize];

        bool ok = ChaChaPoly.XOpen(TestVectors.Hex(DraftKey), TestVectors.Hex(DraftNonce), sealedBytes, TestVectors.Hex(DraftAuthText), plain);

        Assert.True(ok);
        Assert.Equal(DraftPlaintext, Encoding.ASCII.GetString(plain));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(32)]
    public void XSealThenXOpen_RoundTrips(int size)
    {
        // The cookie reply seals a 16-byte cookie; the sizes around it are what XAEAD ever sees in WireGuard.
        byte[] key = TestVectors.Hex(DraftKey);
        byte[] nonce = TestVectors.Hex(DraftNonce);
        byte[] plain = Enumerable.Range(0, size).Select(i => (byte)(i * 7)).ToArray();
        byte[] sealedBytes = new byte[size + ChaChaPoly.TagSize];
        byte[] opened = new byte[size];

        ChaChaPoly.XSeal(key, nonce, plain, "mac1"u8, sealedBytes);

        Assert.True(ChaChaPoly.XOpen(key, nonce, sealedBytes, "mac1"u8, opened));
        Assert.Equal(plain, opened);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(16 + ChaChaPoly.TagSize - 1)]
    public void XOpen_TamperedByte_ReturnsFalse(int index)
    {
        byte[] key = TestVectors.Hex(DraftKey);
        byte[] nonce = TestVectors.Hex(DraftNonce);
        byte[] sealedBytes = new byte[16 + ChaChaPoly.TagSize];
        ChaChaPoly.XSeal(key, nonce, new byte[16], "mac1"u8, sealedBytes);
        sealedBytes[index] ^= 0x10;

        Assert.False(ChaChaPoly.XOpen(key, nonce, sealedBytes, "mac1"u8, new byte[16]));
    }

    [Fact]
    public void XOpen_WrongNonceOrAuthText_ReturnsFalse()
    {
        byte[] key = TestVectors.Hex(DraftKey);
        byte[] nonce = TestVectors.Hex(DraftNonce);
        byte[] sealedBytes = new byte[16 + ChaChaPoly.TagSize];
        ChaChaPoly.XSeal(key, nonce, new byte[16], "mac1"u8, sealedBytes);

        // The last byte of the nonce is past the 16 that HChaCha20 consumes, so it reaches ChaCha20 itself.
        byte[] otherNonce = (byte[])nonce.Clone();
        otherNonce[^1] ^= 1;
        byte[] firstByteNonce = (byte[])nonce.Clone();
        firstByteNonce[0] ^= 1;

        Assert.False(ChaChaPoly.XOpen(key, otherNonce, sealedBytes, "mac1"u8, new byte[16]));
        Assert.False(ChaChaPoly.XOpen(key, firstByteNonce, sealedBytes, "mac1"u8, new byte[16]));
        Assert.False(ChaChaPoly.XOpen(key, nonce, sealedBytes, "mac2"u8, new byte[16]));
        Assert.False(ChaChaPoly.XOpen(key, nonce.AsSpan(0, 23), sealedBytes, "mac1"u8, new byte[16]));
    }
}
