using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Holt.WireGuard.Crypto;

namespace Holt.WireGuard.Keys;

/// <summary>A Curve25519 public key. Not a secret: its text form is what <c>wg pubkey</c> prints.</summary>
public readonly struct PublicKey : IEquatable<PublicKey>
{
    private readonly Bytes32 _bytes;

    public PublicKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != KeyText.KeySize)
        {
            throw new ArgumentException("A public key is 32 bytes.", nameof(bytes));
        }

        bytes.CopyTo(_bytes);
    }

    public ReadOnlySpan<byte> Span => MemoryMarshal.CreateReadOnlySpan(in _bytes[0], KeyText.KeySize);

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

[InlineArray(32)]
internal struct Bytes32
{
    private byte _element0;
}
