using Holt.WireGuard.Keys;
using Holt.WireGuard.Tests.Support;
using Xunit.Abstractions;

namespace Holt.WireGuard.Tests.Keys;

/// <summary>Key text and public-key derivation checked against the real <c>wg</c> from wireguard-tools.</summary>
public sealed class WgInteropTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _output = output;

    [Fact]
    public void WgGenkey_PublicKey_MatchesWgPubkey()
    {
        if (WgTool.FindOrReport(_output) is not string wg)
        {
            return;
        }

        for (int i = 0; i < 4; i++)
        {
            string privateText = WgTool.Run(wg, "genkey");
            string expected = WgTool.Run(wg, "pubkey", privateText);

            using PrivateKey key = PrivateKey.Parse(privateText);

            Assert.Equal(expected, key.PublicKey.ToBase64());
            Assert.Equal(privateText, key.ToBase64());
        }
    }

    [Fact]
    public void GeneratedKey_WgPubkey_MatchesOurPublicKey()
    {
        if (WgTool.FindOrReport(_output) is not string wg)
        {
            return;
        }

        for (int i = 0; i < 4; i++)
        {
            using PrivateKey key = PrivateKey.Generate();

            string theirs = WgTool.Run(wg, "pubkey", key.ToBase64());

            Assert.Equal(key.PublicKey.ToBase64(), theirs);
            Assert.Equal(key.PublicKey, PublicKey.Parse(theirs));
        }
    }

    [Fact]
    public void UnclampedKey_WgPubkey_MatchesOurPublicKey()
    {
        if (WgTool.FindOrReport(_output) is not string wg)
        {
            return;
        }

        // wg pubkey clamps before it multiplies, as libsodium does inside X25519.
        byte[] raw = Enumerable.Repeat((byte)0xff, 32).ToArray();
        using PrivateKey key = PrivateKey.FromBytes(raw);

        Assert.Equal(key.PublicKey.ToBase64(), WgTool.Run(wg, "pubkey", key.ToBase64()));
    }

    [Fact]
    public void WgGenpsk_ParsesAsPresharedKey()
    {
        if (WgTool.FindOrReport(_output) is not string wg)
        {
            return;
        }

        string text = WgTool.Run(wg, "genpsk");

        using PresharedKey key = PresharedKey.Parse(text);

        Assert.Equal(text, key.ToBase64());
    }
}
