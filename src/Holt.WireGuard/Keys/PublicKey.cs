using Holt.WireGuard.Crypto;

namespace Holt.WireGuard.Keys;

/// <summary>A Curve25519 public key. Not a secret: its text form is what <c>wg pubkey</c> prints.</summary>
public readonly struct PublicKey : IEquatable<PublicKey>
{
    private static readonly byte[] s_zero = new byte[KeyText.KeySize];

    // An immutable array, not an inline buffer: a span over a struct's own storage dangles as soon as the
    // compiler reuses the temporary that held a copy of it.
    private readonly byte[]? _bytes;

    public PublicKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != KeyText.KeySize)
        {
            throw new ArgumentException("A public key is 32 bytes.", nameof(bytes));
        }

        _bytes = bytes.ToArray();
    }

    /// <summary>The key bytes; all zeros for <c>default</c>.</summary>
    public ReadOnlySpan<byte> Span => _bytes ?? s_zero;

    /// <summary>True for the all-zero key, which <c>wg</c> shows for an unset key.</summary>
    public bool IsZero => X25519.IsZero(Span);

    public static PublicKey Parse(string text) =>
        TryParse(text, out PublicKey key) ? key : throw new FormatException("A key must be 44 characters of base64.");

    public static bool TryParse(ReadOnlySpan<char> text, out PublicKey key)
    {
        Span<byte> raw = stackalloc byte[KeyText.KeySize];
        if (!KeyText.TryDecode(text, raw))
        {
            key = default;
            return false;
        }

        key = new PublicKey(raw);
        return true;
    }

    /// <summary>Parses the lowercase hex form the control protocol uses.</summary>
    public static bool TryParseHex(ReadOnlySpan<char> text, out PublicKey key)
    {
        Span<byte> raw = stackalloc byte[KeyText.KeySize];
        if (!KeyText.TryDecodeHex(text, raw))
        {
            key = default;
            return false;
        }

        key = new PublicKey(raw);
        return true;
    }

    public string ToBase64() => Convert.ToBase64String(Span);

    public string ToHex() => Convert.ToHexStringLower(Span);

    public override string ToString() => ToBase64();

    public bool Equals(PublicKey other) => Span.SequenceEqual(other.Span);

    public override bool Equals(object? obj) => obj is PublicKey other && Equals(other);

    public override int GetHashCode()
    {
        ReadOnlySpan<byte> s = Span;
        return BitConverter.ToInt32(s) ^ BitConverter.ToInt32(s[12..]) ^ BitConverter.ToInt32(s[28..]);
    }

    public static bool operator ==(PublicKey left, PublicKey right) => left.Equals(right);

    public static bool operator !=(PublicKey left, PublicKey right) => !left.Equals(right);
}

