using Holt.WireGuard.Keys;

namespace Holt.WireGuard.Tests.Keys;

public sealed class KeyTextTests
{
    // A fixed key whose base64 ends in a digit that carries its two spare bits as zero, as every real key does.
    private const string ValidBase64 = "YAnKG6UpNEHmk4Q+1Ztn4aMAn6O4IiJxbLMZVk4w6kE=";

    public static TheoryData<string> MalformedKeyText() =>
    [
        "",
        "=",
        // 43 characters: the padding is gone.
        "YAnKG6UpNEHmk4Q+1Ztn4aMAn6O4IiJxbLMZVk4w6kE",
        // 44 characters with no '=' at the end.
        "YAnKG6UpNEHmk4Q+1Ztn4aMAn6O4IiJxbLMZVk4w6kEA",
        // 45 characters.
        "YAnKG6UpNEHmk4Q+1Ztn4aMAn6O4IiJxbLMZVk4w6kE==",
        // 44 characters that decode to 31 bytes.
        "YAnKG6UpNEHmk4Q+1Ztn4aMAn6O4IiJxbLMZVk4w6k==",
        // 44 characters with a space inside, which .NET's decoder would otherwise skip.
        "YAnKG6UpNEHmk4Q+1Ztn4aMAn6O4 iJxbLMZVk4w6kE=",
        // URL-safe alphabet and plain junk.
        "YAnKG6UpNEHmk4Q-1Ztn4aMAn6O4IiJxbLMZVk4w6kE=",
        "YAnKG6UpNEHmk4Q_1Ztn4aMAn6O4IiJxbLMZVk4w6kE=",
        "YAnKG6UpNEHmk4Q!1Ztn4aMAn6O4IiJxbLMZVk4w6kE=",
        "YAnKG6UpNEHmk4Q+1Ztn4aMAn6O4IiJxbLMZVk4w6k\u00e9=",
        // '=' in the middle.
        "YAnKG6UpNEHmk4Q=1Ztn4aMAn6O4IiJxbLMZVk4w6kE=",
        // Non-canonical: the last digit has bits beyond the 256th set ('F' instead of 'E'); wg refuses it.
        "YAnKG6UpNEHmk4Q+1Ztn4aMAn6O4IiJxbLMZVk4w6kF=",
        // Hex is a different form with its own parser.
        "6009ca1ba5293441e693843ed59b67e1a3009fa3b82222716cb319564e30ea41",
    ];

    [Theory]
    [MemberData(nameof(MalformedKeyText))]
    public void PublicKey_TryParse_MalformedText_IsRejected(string text)
    {
        Assert.False(PublicKey.TryParse(text, out PublicKey key));
        Assert.True(key.IsZero);
        Assert.Throws<FormatException>(() => PublicKey.Parse(text));
    }

    [Theory]
    [MemberData(nameof(MalformedKeyText))]
    public void PrivateKey_Parse_MalformedText_Throws(string text)
    {
        Assert.Throws<FormatException>(() => PrivateKey.Parse(text));
    }

    [Theory]
    [MemberData(nameof(MalformedKeyText))]
    public void PresharedKey_Parse_MalformedText_Throws(string text)
    {
        Assert.Throws<FormatException>(() => PresharedKey.Parse(text));
    }

    [Fact]
    public void Parse_ValidText_GivesTheBytes()
    {
        Assert.True(PublicKey.TryParse(ValidBase64, out PublicKey key));

        Assert.Equal("6009ca1ba5293441e693843ed59b67e1a3009fa3b82222716cb319564e30ea41", key.ToHex());
        Assert.Equal(ValidBase64, key.ToBase64());
    }

    [Fact]
    public void Parse_SurroundingWhitespace_IsAccepted()
    {
        // wg genkey ends its output with a newline, and config values arrive with spaces around them.
        Assert.True(PublicKey.TryParse(" " + ValidBase64 + "\n", out PublicKey key));
        Assert.Equal(ValidBase64, key.ToBase64());

        using PrivateKey privateKey = PrivateKey.Parse("\t" + ValidBase64 + "\r\n");
        Assert.Equal(ValidBase64, privateKey.ToBase64());
    }

    [Fact]
    public void PublicKey_Base64AndHex_RoundTrip()
    {
        using PrivateKey privateKey = PrivateKey.Generate();
        PublicKey key = privateKey.PublicKey;

        Assert.Equal(key, PublicKey.Parse(key.ToBase64()));
        Assert.True(PublicKey.TryParseHex(key.ToHex(), out PublicKey fromHex));
        Assert.Equal(key, fromHex);
        Assert.Equal(key.GetHashCode(), fromHex.GetHashCode());
        Assert.Equal(key.ToBase64(), key.ToString());
        Assert.Equal(44, key.ToBase64().Length);
    }

    [Fact]
    public void PrivateKey_Base64AndHex_RoundTrip()
    {
        using PrivateKey key = PrivateKey.Generate();
        using PrivateKey fromBase64 = PrivateKey.Parse(key.ToBase64());
        using PrivateKey fromHex = PrivateKey.ParseHex(key.ToHex());

        Assert.True(key.SecretEquals(fromBase64));
        Assert.True(key.SecretEquals(fromHex));
        Assert.Equal(key.PublicKey, fromBase64.PublicKey);
    }

    [Fact]
    public void PresharedKey_Base64AndHex_RoundTrip()
    {
        using PresharedKey key = PresharedKey.Generate();
        using PresharedKey fromBase64 = PresharedKey.Parse(key.ToBase64());
        using PresharedKey fromHex = PresharedKey.ParseHex(key.ToHex());
        using PresharedKey other = PresharedKey.Generate();

        Assert.True(key.SecretEquals(fromBase64));
        Assert.True(key.SecretEquals(fromHex));
        Assert.False(key.SecretEquals(other));
        Assert.False(key.SecretEquals(null));
    }

    [Theory]
    [InlineData("")]
    [InlineData("6009ca1ba5293441e693843ed59b67e1a3009fa3b82222716cb319564e30ea4")]
    [InlineData("6009ca1ba5293441e693843ed59b67e1a3009fa3b82222716cb319564e30ea41a")]
    [InlineData("6009ca1ba5293441e693843ed59b67e1a3009fa3b82222716cb319564e30eag1")]
    public void ParseHex_Malformed_IsRejected(string text)
    {
        Assert.False(PublicKey.TryParseHex(text, out _));
        Assert.Throws<FormatException>(() => PrivateKey.ParseHex(text));
        Assert.Throws<FormatException>(() => PresharedKey.ParseHex(text));
    }

    [Fact]
    public void ToString_OfSecretKeys_NeverShowsTheKey()
    {
        using PrivateKey privateKey = PrivateKey.Generate();
        using PresharedKey presharedKey = PresharedKey.Generate();

        foreach (SecretKey key in new SecretKey[] { privateKey, presharedKey })
        {
            string shown = key.ToString()!;
            string interpolated = $"{key}";
            Assert.DoesNotContain(key.ToBase64(), shown, StringComparison.Ordinal);
            Assert.DoesNotContain(key.ToHex(), shown, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(key.ToBase64()[..16], interpolated, StringComparison.Ordinal);
        }
    }
}
