using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Holt.WireGuard.Crypto;

/// <summary>
/// BLAKE2s (RFC 7693) as a value that lives on the stack: no allocation per hash, which the handshake computes
/// dozens of times. Digest sizes 1 to 32 bytes, keys up to 32 bytes; no salt or personalization, which WireGuard
/// does not use.
/// </summary>
/// <remarks>
/// The message is buffered a block at a time, and a full block is compressed only once more input arrives, since
/// the last block, full or not, must be compressed with the final flag (RFC 7693 section 3.3).
/// </remarks>
[SkipLocalsInit]
internal unsafe struct Blake2sCore
{
    public const int BlockSize = 64;
    public const int MaxHashSize = 32;

    private fixed uint _h[8];
    private fixed byte _buffer[BlockSize];
    private ulong _counter;
    private int _buffered;
    private readonly int _hashSize;

    // RFC 7693 section 2.6: the initialization vector, SHA-256's.
    private static ReadOnlySpan<uint> Iv =>
    [
        0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
    ];

    // RFC 7693 section 2.7: the message word schedule of the ten rounds.
    private static ReadOnlySpan<byte> Sigma =>
    [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
        11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
        7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
        9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
        2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
        12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
        13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
        6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
        10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
    ];

    /// <summary>Starts a hash of <paramref name="hashSize"/> bytes, keyed when <paramref name="key"/> is not empty.</summary>
    public Blake2sCore(int hashSize, ReadOnlySpan<byte> key = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hashSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hashSize, MaxHashSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(key.Length, MaxHashSize, nameof(key));
        _hashSize = hashSize;
        for (int i = 0; i < 8; i++)
        {
            _h[i] = Iv[i];
        }

        // Parameter block word 0: digest length, key length, fanout 1, depth 1.
        _h[0] ^= 0x01010000u ^ ((uint)key.Length << 8) ^ (uint)hashSize;
        if (!key.IsEmpty)
        {
            // The key, zero-padded to a block, is the first block of the message (section 3.3).
            fixed (byte* buffer = _buffer)
            {
                var block = new Span<byte>(buffer, BlockSize);
                block.Clear();
                key.CopyTo(block);
            }

            _buffered = BlockSize;
        }
    }

    public void Update(ReadOnlySpan<byte> data)
    {
        fixed (byte* buffer = _buffer)
        {
            var block = new Span<byte>(buffer, BlockSize);
            while (!data.IsEmpty)
            {
                if (_buffered == BlockSize)
                {
                    _counter += BlockSize;
                    Compress(block, last: false);
                    _buffered = 0;
                }

                int take = Math.Min(BlockSize - _buffered, data.Length);
                data[..take].CopyTo(block[_buffered..]);
                _buffered += take;
                data = data[take..];
            }
        }
    }

    /// <summary>Writes the hash to <paramref name="output"/> (its first hash-size bytes) and wipes the state.</summary>
    public void Final(Span<byte> output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(output.Length, _hashSize, nameof(output));
        fixed (byte* buffer = _buffer)
        {
            var block = new Span<byte>(buffer, BlockSize);
            _counter += (ulong)_buffered;
            block[_buffered..].Clear();
            Compress(block, last: true);
            Span<byte> hash = stackalloc byte[MaxHashSize];
            for (int i = 0; i < 8; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(hash[(i * 4)..], _h[i]);
            }

            hash[.._hashSize].CopyTo(output);
            hash.Clear();
            block.Clear();
        }

        for (int i = 0; i < 8; i++)
        {
            _h[i] = 0;
        }
    }

    private void Compress(ReadOnlySpan<byte> block, bool last)
    {
        uint* m = stackalloc uint[16];
        for (int i = 0; i < 16; i++)
        {
            m[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(i * 4)..]);
        }

        uint v0 = _h[0], v1 = _h[1], v2 = _h[2], v3 = _h[3], v4 = _h[4], v5 = _h[5], v6 = _h[6], v7 = _h[7];
        uint v8 = Iv[0], v9 = Iv[1], v10 = Iv[2], v11 = Iv[3];
        uint v12 = Iv[4] ^ (uint)_counter, v13 = Iv[5] ^ (uint)(_counter >> 32);
        uint v14 = last ? ~Iv[6] : Iv[6], v15 = Iv[7];

        ReadOnlySpan<byte> sigma = Sigma;
        for (int round = 0; round < 10; round++)
        {
            ReadOnlySpan<byte> s = sigma.Slice(round * 16, 16);

            // Columns, then diagonals (RFC 7693 section 3.2).
            Mix(ref v0, ref v4, ref v8, ref v12, m[s[0]], m[s[1]]);
            Mix(ref v1, ref v5, ref v9, ref v13, m[s[2]], m[s[3]]);
            Mix(ref v2, ref v6, ref v10, ref v14, m[s[4]], m[s[5]]);
            Mix(ref v3, ref v7, ref v11, ref v15, m[s[6]], m[s[7]]);
            Mix(ref v0, ref v5, ref v10, ref v15, m[s[8]], m[s[9]]);
            Mix(ref v1, ref v6, ref v11, ref v12, m[s[10]], m[s[11]]);
            Mix(ref v2, ref v7, ref v8, ref v13, m[s[12]], m[s[13]]);
            Mix(ref v3, ref v4, ref v9, ref v14, m[s[14]], m[s[15]]);
        }

        _h[0] ^= v0 ^ v8;
        _h[1] ^= v1 ^ v9;
        _h[2] ^= v2 ^ v10;
        _h[3] ^= v3 ^ v11;
        _h[4] ^= v4 ^ v12;
        _h[5] ^= v5 ^ v13;
        _h[6] ^= v6 ^ v14;
        _h[7] ^= v7 ^ v15;
        new Span<uint>(m, 16).Clear();
    }

    /// <summary>The mixing function G (RFC 7693 section 3.1), rotations 16, 12, 8 and 7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mix(ref uint a, ref uint b, ref uint c, ref uint d, uint x, uint y)
    {
        a = a + b + x;
        d = BitOperations.RotateRight(d ^ a, 16);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 12);
        a = a + b + y;
        d = BitOperations.RotateRight(d ^ a, 8);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 7);
    }
}
