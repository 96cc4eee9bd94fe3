using System.Buffers.Binary;
using System.Net;

namespace Holt.Tests.Support;

/// <summary>IPv4 UDP packets as bytes, for what goes into and comes out of a TUN interface.</summary>
internal static class Ipv4Udp
{
    public const int HeaderSize = 20 + 8;

    public static byte[] Build(IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        byte[] packet = new byte[HeaderSize + payload.Length];
        Span<byte> ip = packet.AsSpan(0, 20);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)packet.Length);
        ip[8] = 64;
        ip[9] = 17;
        source.TryWriteBytes(ip[12..16], out _);
        destination.TryWriteBytes(ip[16..20], out _);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip));

        // UDP over IPv4 may leave its checksum 0 (none).
        Span<byte> udp = packet.AsSpan(20, 8);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
        payload.CopyTo(packet.AsSpan(HeaderSize));
        return packet;
    }

    /// <summary>True if <paramref name="packet"/> is IPv4 UDP to <paramref name="destinationPort"/>.</summary>
    public static bool IsUdpTo(ReadOnlySpan<byte> packet, ushort destinationPort) =>
        packet.Length >= HeaderSize && packet[0] == 0x45 && packet[9] == 17 &&
        BinaryPrimitives.ReadUInt16BigEndian(packet[22..]) == destinationPort;

    private static ushort Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
