using System.Security.Cryptography;

namespace Holt.WireGuard.Keys;

/// <summary>
/// 32 secret bytes in a pinned array, so the garbage collector never leaves copies behind, zeroed on
/// <see cref="Dispose"/>. <see cref="ToString"/> never shows the key; <see cref="ToBase64"/> must be asked for.
/// </summary>
public abstract class SecretKey : IDisposable
{
    private readonly byte[] _bytes = GC.AllocateArray<byte>(KeyText.KeySize, pinned: true);
    private bool _disposed;

    private protected SecretKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != KeyText.KeySize)
        {
            throw new ArgumentException("A key is 32 bytes.", nameof(bytes));
        }

        bytes.CopyTo(_bytes);
    }

    /// <summary>The key bytes. Valid until the key is disposed.</summary>
    public ReadOnlySpan<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes;
        }
    }

    public string ToBase64() => Convert.ToBase64String(Span);

    public string ToHex() => Convert.ToHexStringLower(Span);

    /// <summary>Equality in constant time.</summary>
    public bool SecretEquals(SecretKey? other) =>
        other is not null && CryptographicOperations.FixedTimeEquals(Span, other.Span);

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_bytes);
        _disposed = true;
        GC.SuppressFinalize(this);
    }

    protected static byte[] Decode(ReadOnlySpan<char> text, bool hex)
    {
        byte[] raw = GC.AllocateArray<byte>(KeyText.KeySize, pinned: true);
        bool ok = hex ? KeyText.TryDecodeHex(text, raw) : KeyText.TryDecode(text, raw);
        if (!ok)
        {
            CryptographicOperations.ZeroMemory(raw);
            throw new FormatException(hex ? "A key must be 64 hex digits." : "A key must be 44 characters of base64.");
        }

        return raw;
    }
}
