namespace Holt.Integration.Tests.Harness;

/// <summary>A WireGuard key pair made by <c>wg genkey</c>; the private key also sits in a file, as <c>wg set</c> wants it.</summary>
internal sealed record KeyPair(string PrivateKey, string PublicKey, string PrivateKeyFile)
{
    public static async Task<KeyPair> CreateAsync(string directory)
    {
        string privateKey = (await Command.CheckAsync([Tools.Wg, "genkey"])).Trim();
        string publicKey = (await Command.CheckAsync([Tools.Wg, "pubkey"], input: privateKey + "\n")).Trim();
        string file = Path.Combine(directory, $"key-{publicKey[..8].Replace('/', '_').Replace('+', '-')}");
        await File.WriteAllTextAsync(file, privateKey + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new KeyPair(privateKey, publicKey, file);
    }

    /// <summary>
    /// 32 random bytes in base64: a public key for peers that never handshake (the scale tests), made without
    /// starting two processes per key.
    /// </summary>
    public static string RandomPublicKey() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
