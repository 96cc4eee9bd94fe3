using Holt.WireGuard.Crypto;
using Holt.WireGuard.Keys;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Keys;

public sealed class PrivateKeyTests
{
    [Fact]
    public void Generate_IsClamped()
    {
        for (int i = 0; i < 16; i++)
        {
            using PrivateKey key = PrivateKey.Generate();
            ReadOnlySpan<byte> bytes = key.Span;

            Assert.Equal(0, bytes[0] & 7);
            Assert.Equal(0, bytes[31] & 0x80);
            Assert.Equal(0x40, bytes[31] & 0x40);
        }
    }

    [Fact]
    public void PublicKey_IsDerivedFromThePrivateKey()
    {
        using PrivateKey key = PrivateKey.Generate();
        byte[] expected = new byte[X25519.KeySize];

        X25519.DerivePublicKey(key.Span, expected);

        Assert.Equal(expected, key.PublicKey.Span.ToArray());
        Assert.False(key.PublicKey.IsZero);
    }

    [Fact]
    public void PublicKey_Rfc7748Alice_Matches()
    {
        using PrivateKey alice = PrivateKey.FromBytes(TestVectors.Hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));

        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", alice.PublicKey.ToHex());
    }

    [Fact]
    public void FromBytes_UnclampedKey_HasTheSamePublicKeyAsItsClampedForm()
    {
        // The control protocol hands keys over unclamped; X25519 clamps on use, so both spellings are one key.
        byte[] unclamped = TestVectors.Hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
        unclamped[0] |= 7;
        unclamped[31] |= 0x80;
        unclamped[31] &= 0xbf;
        byte[] clamped = (byte[])unclamped.Clone();
        X25519.Clamp(clamped);
        Assert.NotEqual(unclamped, clamped);

        using PrivateKey fromUnclamped = PrivateKey.FromBytes(unclamped);
        using PrivateKey fromClamped = PrivateKey.FromBytes(clamped);

        Assert.True(fromUnclamped.PublicKey == fromClamped.PublicKey);
        Assert.Equal(unclamped, fromUnclamped.Span.ToArray());
    }

    [Fact]
    public void FromBytes_WrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => PrivateKey.FromBytes(new byte[31]));
        Assert.Throws<ArgumentException>(() => PresharedKey.FromBytes(new byte[33]));
        Assert.Throws<ArgumentException>(() => new PublicKey(new byte[16]));
    }

    [Fact]
    public void Dispose_ZeroesAndForbidsFurtherUse()
    {
        PrivateKey key = PrivateKey.Generate();
        PublicKey publicKey = key.PublicKey;

        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.ToBase64());
        Assert.False(publicKey.IsZero);
    }

    [Fact]
    public void PublicKey_Default_IsZero()
    {
        PublicKey key = default;

        Assert.True(key.IsZero);
        Assert.Equal(new string('A', 43) + "=", key.ToBase64());
        Assert.True(PublicKey.TryParse(key.ToBase64(), out PublicKey parsed));
        Assert.Equal(key, parsed);
    }
}
