using System.Buffers.Binary;
using System.Net;

namespace Holt.Bench;

/// <summary>Builds the plain IPv4/UDP packets the engine benchmarks send into the tunnel.</summary>
internal static class Ipv4Packet
{
    private const int HeaderSize = 20;
    private const int UdpHeaderSize = 8;
    private const byte Udp = 17;

    /// <summary>An IPv4 UDP packet of <paramref name="totalLength"/> bytes, headers included, port 9000 to 9000.</summary>
    public static byte[] Udp4(IPAddress source, IPAddress destination, int totalLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalLength, HeaderSize + UdpHeaderSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(totalLength, ushort.MaxValue);
        byte[] packet = new byte[totalLength];
        Span<byte> ip = packet.AsSpan(0, HeaderSize);
        ip[0] = 0x45; // version 4, header length 5 words
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)totalLength);
        ip[8] = 64; // TTL
        ip[9] = Udp;
        source.TryWriteBytes(ip[12..16], out _);
        destination.TryWriteBytes(ip[16..20], out _);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], HeaderChecksum(ip));

        // UDP checksum 0 means "none" in IPv4.
        Span<byte> udp = packet.AsSpan(HeaderSize);
        BinaryPrimitives.WriteUInt16BigEndian(udp, 9000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 9000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(totalLength - HeaderSize));
        for (int i = UdpHeaderSize; i < udp.Length; i++)
        {
            udp[i] = (byte)i;
        }

        return packet;
    }

    private static ushort HeaderChecksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
