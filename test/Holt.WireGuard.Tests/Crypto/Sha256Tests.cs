using System.Text;
using Holt.WireGuard.Crypto;

namespace Holt.WireGuard.Tests.Crypto;

public sealed class Sha256Tests
{
    // FIPS 180-4's examples (NIST's "SHA-256" example values) and the empty message.
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void KnownMessages_GiveTheStandardsDigest(string message, string digest) =>
        Assert.Equal(digest, Sha256.HexOf(Encoding.ASCII.GetBytes(message)));

    [Fact]
    public void EveryLengthAroundTheBlockSize_AgreesWithTheRuntimesSha256()
    {
        var random = new Random(17);
        for (int length = 0; length <= 300; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), Sha256.HexOf(data));
        }
    }

    [Fact]
    public void ShortDigestBuffer_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Sha256.Hash([1, 2, 3], new byte[31]));
}
