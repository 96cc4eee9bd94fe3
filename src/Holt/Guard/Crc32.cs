using System.Buffers.Binary;

namespace Holt.Guard;

/// <summary>
/// CRC-32 as gzip's trailer holds it (ISO-HDLC: polynomial 0x04C11DB7 taken bit-reversed, initial value and final
/// xor all ones), eight bytes at a time through eight tables, so checking a rotated log costs little beside
/// decompressing it.
/// </summary>
internal static class Crc32
{
    private const uint ReversedPolynomial = 0xedb88320;

    // s_tables[k][b]: the CRC change of byte b followed by k zero bytes.
    private static readonly uint[][] s_tables = BuildTables();

    /// <summary>The CRC of the bytes given so far (start with 0) followed by <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] t0 = s_tables[0], t1 = s_tables[1], t2 = s_tables[2], t3 = s_tables[3];
        uint[] t4 = s_tables[4], t5 = s_tables[5], t6 = s_tables[6], t7 = s_tables[7];
        uint state = ~crc;
        while (data.Length >= 8)
        {
            uint low = state ^ BinaryPrimitives.ReadUInt32LittleEndian(data);
            uint high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            state = t7[low & 0xff] ^ t6[(low >> 8) & 0xff] ^ t5[(low >> 16) & 0xff] ^ t4[low >> 24] ^
                t3[high & 0xff] ^ t2[(high >> 8) & 0xff] ^ t1[(high >> 16) & 0xff] ^ t0[high >> 24];
            data = data[8..];
        }

        foreach (byte b in data)
        {
            state = t0[(state ^ b) & 0xff] ^ (state >> 8);
        }

        return ~state;
    }

    private static uint[][] BuildTables()
    {
        uint[][] tables = new uint[8][];
        for (int k = 0; k < tables.Length; k++)
        {
            tables[k] = new uint[256];
        }

        for (uint b = 0; b < 256; b++)
        {
            uint value = b;
            for (int bit = 0; bit < 8; bit++)
            {
                value = (value & 1) != 0 ? (value >> 1) ^ ReversedPolynomial : value >> 1;
            }

            tables[0][b] = value;
        }

        for (int k = 1; k < tables.Length; k++)
        {
            for (int b = 0; b < 256; b++)
            {
                uint previous = tables[k - 1][b];
                tables[k][b] = (previous >> 8) ^ tables[0][previous & 0xff];
            }
        }

        return tables;
    }
}
