namespace Holt.WireGuard.Crypto;

/// <summary>
/// The whitepaper's HASH, MAC, HMAC and KDF (section 5.4), all on BLAKE2s (<see cref="Blake2sCore"/>, on the
/// stack, so a handshake allocates nothing for its hashes); HMAC is the RFC 2104 construction with BLAKE2s's
/// 64-byte block, and KDF is HKDF with that HMAC.
/// These run on the handshake path only, never per data packet.
/// </summary>
internal static class Blake2s
{
    public const int HashSize = 32;
    public const int MacSize = 16;
    public const int BlockSize = 64;

    /// <summary>HASH(a || b || c): unkeyed BLAKE2s-256.</summary>
    public static void Hash(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, Span<byte> output)
    {
        var digest = new Blake2sCore(HashSize);
        digest.Update(a);
        digest.Update(b);
        digest.Update(c);
        digest.Final(output);
    }

    public static void Hash(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> output) => Hash(a, b, default, output);

    public static void Hash(ReadOnlySpan<byte> a, Span<byte> output) => Hash(a, default, default, output);

    /// <summary>MAC(key, input): keyed BLAKE2s with a 16-byte output.</summary>
    public static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var digest = new Blake2sCore(MacSize, key);
        digest.Update(input);
        digest.Final(output);
    }

    /// <summary>HMAC(key, a || b) with BLAKE2s-256.</summary>
    public static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> output)
    {
        if (key.Length > BlockSize)
        {
            throw new ArgumentException("HMAC keys in WireGuard are at most one block.", nameof(key));
        }

        Span<byte> pad = stackalloc byte[BlockSize];
        Span<byte> inner = stackalloc byte[HashSize];
        pad.Clear();
        key.CopyTo(pad);
        for (int i = 0; i < BlockSize; i++)
        {
            pad[i] ^= 0x36;
        }

        var digest = new Blake2sCore(HashSize);
        digest.Update(pad);
        digest.Update(a);
        digest.Update(b);
        digest.Final(inner);

        for (int i = 0; i < BlockSize; i++)
        {
            pad[i] ^= 0x36 ^ 0x5c;
        }

        digest = new Blake2sCore(HashSize);
        digest.Update(pad);
        digest.Update(inner);
        digest.Final(output);
        pad.Clear();
        inner.Clear();
    }

    /// <summary>
    /// KDFn(key, input): τ0 = HMAC(key, input), τ1 = HMAC(τ0, 0x1), τi = HMAC(τ0, τi-1 || i). Writes τ1 to
    /// <paramref name="t1"/> and, where given, τ2 and τ3. Empty spans skip an output.
    /// </summary>
    public static void Kdf(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> t1, Span<byte> t2, Span<byte> t3)
    {
        Span<byte> prk = stackalloc byte[HashSize];
        Span<byte> previous = stackalloc byte[HashSize + 1];
        Hmac(key, input, default, prk);

        previous[0] = 1;
        Hmac(prk, previous[..1], default, previous[..HashSize]);
        previous[..HashSize].CopyTo(t1);
        if (!t2.IsEmpty)
        {
            previous[HashSize] = 2;
            Hmac(prk, previous, default, previous[..HashSize]);
            previous[..HashSize].CopyTo(t2);
            if (!t3.IsEmpty)
            {
                previous[HashSize] = 3;
                Hmac(prk, previous, default, previous[..HashSize]);
                previous[..HashSize].CopyTo(t3);
            }
        }

        prk.Clear();
        previous.Clear();
    }
}
