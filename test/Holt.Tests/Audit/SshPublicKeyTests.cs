using Holt.Audit;

namespace Holt.Tests.Audit;

public sealed class SshPublicKeyTests
{
    [Theory]
    [InlineData(SshKeys.Rsa1024, "ssh-rsa", 1024, SshKeys.Rsa1024Fingerprint, "old@laptop")]
    [InlineData(SshKeys.Rsa3072, "ssh-rsa", 3072, SshKeys.Rsa3072Fingerprint, "ok@desk")]
    [InlineData(SshKeys.Ed25519, "ssh-ed25519", 256, SshKeys.Ed25519Fingerprint, "me@phone")]
    [InlineData(SshKeys.Dsa, "ssh-dss", 1024, SshKeys.DsaFingerprint, "ancient")]
    public void AKeyLine_GivesTheTypeBitsAndFingerprint_ThatSshKeygenPrints(string line, string type, int bits, string fingerprint, string comment)
    {
        SshPublicKey? key = SshPublicKey.Parse(line, out string? problem);

        Assert.Null(problem);
        Assert.Equal((type, bits, fingerprint, comment, ""), (key!.Type, key.Bits, key.Fingerprint, key.Comment, key.Options));
    }

    [Fact]
    public void Options_WithQuotedSpacesAndEscapedQuotes_AreSkipped()
    {
        SshPublicKey? key = SshPublicKey.Parse($"command=\"echo \\\"hi there\\\"\",no-pty,from=\"10.8.0.0/24\" {SshKeys.Rsa1024}", out _);

        Assert.Equal(("ssh-rsa", 1024), (key!.Type, key.Bits));
        Assert.Equal("command=\"echo \\\"hi there\\\"\",no-pty,from=\"10.8.0.0/24\"", key.Options);
    }

    [Fact]
    public void AKeyWithoutAComment_HasAnEmptyOne()
    {
        string line = string.Join(' ', SshKeys.Ed25519.Split(' ').Take(2));

        Assert.Equal("", SshPublicKey.Parse(line, out _)!.Comment);
    }

    [Theory]
    [InlineData("ssh-rsa", "no key after the type")]
    [InlineData("ssh-rsa !!!notbase64", "the key is not base64")]
    [InlineData("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIJif0dYL6jZZkp/2Pz7szFam7lAI5MCQXnmz3LCKup1Z", "the key's data is not a ssh-rsa key")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA", "the key's data is not a ssh-ed25519 key")]
    [InlineData("from=\"10.0.0.1 ssh-rsa AAAA", "an option's quoted string is not closed")]
    [InlineData("no-pty", "no key type")]
    [InlineData("no-pty ssh-foo AAAA", "an unknown key type")]
    [InlineData("ssh-ed25519 AAAA\u0001AAAA", "holds control characters")]
    public void AHostileLine_IsNotAKey_AndSaysWhy(string line, string expected)
    {
        Assert.Null(SshPublicKey.Parse(line, out string? problem));
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void AnOverlongLine_IsNotAKey()
    {
        Assert.Null(SshPublicKey.Parse("ssh-rsa " + new string('A', SshPublicKey.MaxLineLength), out string? problem));
        Assert.StartsWith("longer than", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedBlob_IsNotAKey_AtAnyLength()
    {
        byte[] blob = Convert.FromBase64String(SshKeys.Rsa3072.Split(' ')[1]);
        for (int length = 0; length < blob.Length; length += 7)
        {
            Assert.Null(SshPublicKey.Parse($"ssh-rsa {Convert.ToBase64String(blob, 0, length)}", out _));
        }
    }

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(16);
        for (int i = 0; i < 2000; i++)
        {
            byte[] bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            string line = random.Next(2) == 0 ? System.Text.Encoding.Latin1.GetString(bytes) : $"ssh-rsa {Convert.ToBase64String(bytes)}";

            _ = SshPublicKey.Parse(line, out _);
        }
    }
}
