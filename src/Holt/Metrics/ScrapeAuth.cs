using System.Security.Cryptography;
using System.Text;
using Holt.Monitor;
using Holt.Text;

namespace Holt.Metrics;

/// <summary>
/// The bearer token a scrape must present, or none. Only its SHA-256 is kept, and a presented token is hashed and
/// compared in fixed time, so neither the comparison's time nor a heap dump gives the token away; it is never
/// logged and never put in an exception.
/// </summary>
internal sealed class ScrapeAuth
{
    /// <summary>A token file is read up to this size; anything longer is not a token.</summary>
    internal const int MaxTokenFileBytes = 4096;

    private readonly byte[]? _hash;

    private ScrapeAuth(byte[]? hash) => _hash = hash;

    public static ScrapeAuth Open { get; } = new(null);

    public bool Required => _hash is not null;

    public static ScrapeAuth For(BearerToken token) => new(SHA256.HashData(Encoding.UTF8.GetBytes(token.Value)));

    /// <summary>The token of <paramref name="config"/>: written in holt.toml, read from its file, or none.</summary>
    /// <exception cref="CommandException">The token file cannot be read or holds no well-formed token (the message names the file, never its content).</exception>
    public static ScrapeAuth Of(MetricsConfig config) =>
        config.Token is BearerToken token ? For(token)
        : config.TokenFile is string file ? For(ReadFile(file))
        : Open;

    /// <summary>Whether an Authorization header's value is "Bearer" and the token (the scheme in any case).</summary>
    public bool Allows(string? authorization)
    {
        if (_hash is null)
        {
            return true;
        }

        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Hashing first makes the comparison's length, and so its time, independent of what was sent.
        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        _ = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim()), presented);
        return CryptographicOperations.FixedTimeEquals(presented, _hash);
    }

    private static BearerToken ReadFile(string path)
    {
        byte[] buffer = new byte[MaxTokenFileBytes + 1];
        int read;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
            read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"[monitor.metrics] token_file {Printable.Of(path)}: {e.Message}", e);
        }

        string text = Encoding.UTF8.GetString(buffer, 0, Math.Min(read, MaxTokenFileBytes)).Trim();
        CryptographicOperations.ZeroMemory(buffer);
        return read <= MaxTokenFileBytes && BearerToken.IsWellFormed(text)
            ? new BearerToken(text)
            : throw new CommandException($"[monitor.metrics] token_file {Printable.Of(path)} must hold one token of {BearerToken.MinLength} to {BearerToken.MaxLength} characters of letters, digits and -._~+/");
    }
}
