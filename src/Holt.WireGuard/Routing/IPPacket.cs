using System.Buffers.Binary;

namespace Holt.WireGuard.Routing;

/// <summary>
/// The few IP header fields the engine reads: addresses for cryptokey routing, and the length that tells a
/// decrypted packet from the zero padding WireGuard adds before encryption (whitepaper section 5.4.6).
/// Nothing here validates checksums or options; the kernel on the far side of the TUN device does that.
/// </summary>
/// <remarks>
/// <code>
/// IPv4 (RFC 791)                          IPv6 (RFC 8200)
///  0     version/IHL, 1 TOS                0     version/traffic class/flow label (4 bytes)
///  2..4  total length                      4..6  payload length (after the 40-byte header)
///  ...                                     6     next header, 7 hop limit
///  12..16 source address                   8..24  source address
///  16..20 destination address              24..40 destination address
/// </code>
/// </remarks>
internal static class IPPacket
{
    public const int IPv4HeaderLength = 20;
    public const int IPv6HeaderLength = 40;

    /// <summary>The destination address (4 or 16 bytes), or false if this is not an IPv4 or IPv6 header.</summary>
    public static bool TryGetDestination(ReadOnlySpan<byte> ipPacket, out ReadOnlySpan<byte> address)
    {
        switch (VersionOf(ipPacket))
        {
            case 4:
                address = ipPacket.Slice(16, 4);
                return true;
            case 6:
                address = ipPacket.Slice(24, 16);
                return true;
            default:
                address = default;
                return false;
        }
    }

    /// <summary>The source address (4 or 16 bytes), or false if this is not an IPv4 or IPv6 header.</summary>
    public static bool TryGetSource(ReadOnlySpan<byte> ipPacket, out ReadOnlySpan<byte> address)
    {
        switch (VersionOf(ipPacket))
        {
            case 4:
                address = ipPacket.Slice(12, 4);
                return true;
            case 6:
                address = ipPacket.Slice(8, 16);
                return true;
            default:
                address = default;
                return false;
        }
    }

    /// <summary>
    /// The packet's length by its own header (IPv4 total length; IPv6 payload length plus the fixed header).
    /// False if the header is truncated, claims less than itself, or claims more than <paramref name="packet"/> has.
    /// </summary>
    public static bool TryGetTotalLength(ReadOnlySpan<byte> packet, out int length)
    {
        int claimed = VersionOf(packet) switch
        {
            4 => BinaryPrimitives.ReadUInt16BigEndian(packet[2..]),
            6 => IPv6HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]),
            _ => 0,
        };

        // An IPv4 total length below the fixed header is malformed; the IPv6 sum is never below it.
        if (claimed >= IPv4HeaderLength && claimed <= packet.Length)
        {
            length = claimed;
            return true;
        }

        length = 0;
        return false;
    }

    /// <summary>4 or 6 when the span is long enough for that version's fixed header; 0 otherwise.</summary>
    private static int VersionOf(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return 0;
        }

        int version = packet[0] >> 4;
        return (version == 4 && packet.Length >= IPv4HeaderLength) || (version == 6 && packet.Length >= IPv6HeaderLength)
            ? version
            : 0;
    }
}
