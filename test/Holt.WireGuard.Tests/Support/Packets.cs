using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Holt.WireGuard.Tests.Support;

/// <summary>
/// Builds and reads the IP packets tests push through a tunnel. Headers carry valid lengths and checksums so
/// anything that checks them (the engine's allowed-IPs lookup reads addresses; a real kernel would verify sums)
/// accepts them. Layouts: RFC 791 (IPv4), RFC 8200 (IPv6), RFC 768 (UDP), RFC 792 (ICMP echo).
/// </summary>
internal static class Packets
{
    public const int Ipv4HeaderLength = 20;
    public const int Ipv6HeaderLength = 40;
    public const int UdpHeaderLength = 8;
    public const byte ProtocolIcmp = 1;
    public const byte ProtocolUdp = 17;

    private const byte DefaultTtl = 64;

    /// <summary>An IPv4 UDP packet with the header checksum and the (optional in IPv4) UDP checksum filled in.</summary>
    public static byte[] Ipv4Udp(IPAddress src, IPAddress dst, ushort srcPort, ushort dstPort, ReadOnlySpan<byte> payload)
    {
        byte[] packet = new byte[Ipv4HeaderLength + UdpHeaderLength + payload.Length];
        WriteIpv4Header(packet, src, dst, ProtocolUdp);
        WriteUdp(packet.AsSpan(Ipv4HeaderLength), srcPort, dstPort, payload, PseudoHeaderSum(src, dst, ProtocolUdp, UdpHeaderLength + payload.Length));
        return packet;
    }

    /// <summary>An IPv6 UDP packet; the UDP checksum is mandatory over IPv6, so it is always computed.</summary>
    public static byte[] Ipv6Udp(IPAddress src, IPAddress dst, ushort srcPort, ushort dstPort, ReadOnlySpan<byte> payload)
    {
        int udpLength = UdpHeaderLength + payload.Length;
        byte[] packet = new byte[Ipv6HeaderLength + udpLength];
        Span<byte> header = packet.AsSpan(0, Ipv6HeaderLength);

        // Version 6, traffic class 0, flow label 0.
        header[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], checked((ushort)udpLength));
        header[6] = ProtocolUdp;
        header[7] = DefaultTtl;
        WriteAddress(header[8..24], src, AddressFamily.InterNetworkV6);
        WriteAddress(header[24..40], dst, AddressFamily.InterNetworkV6);

        WriteUdp(packet.AsSpan(Ipv6HeaderLength), srcPort, dstPort, payload, PseudoHeaderSum(src, dst, ProtocolUdp, udpLength));
        return packet;
    }

    /// <summary>An IPv4 ICMP echo request, what <c>ping</c> sends.</summary>
    public static byte[] Ipv4IcmpEcho(IPAddress src, IPAddress dst, ushort identifier, ushort sequence, ReadOnlySpan<byte> payload)
    {
        const int echoHeaderLength = 8;
        byte[] packet = new byte[Ipv4HeaderLength + echoHeaderLength + payload.Length];
        WriteIpv4Header(packet, src, dst, ProtocolIcmp);

        Span<byte> icmp = packet.AsSpan(Ipv4HeaderLength);
        icmp[0] = 8; // type: echo request; code 0
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        payload.CopyTo(icmp[echoHeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp));
        return packet;
    }

    /// <summary>Reads the addresses and payload of an IPv4 or IPv6 UDP packet; throws if it is anything else.</summary>
    public static (IPAddress Source, IPAddress Destination, byte[] Payload) ParseUdp(byte[] packet)
    {
        (IPAddress source, IPAddress destination, ReadOnlyMemory<byte> udp) = ParseIp(packet, ProtocolUdp);
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp.Span[4..]);
        if (udpLength < UdpHeaderLength || udpLength > udp.Length)
        {
            throw new InvalidDataException($"UDP length {udpLength} does not fit the {udp.Length} bytes after the IP header");
        }

        return (source, destination, udp[UdpHeaderLength..udpLength].ToArray());
    }

    /// <summary>The UDP source and destination ports of an IPv4 or IPv6 UDP packet.</summary>
    public static (ushort SourcePort, ushort DestinationPort) UdpPorts(byte[] packet)
    {
        ReadOnlySpan<byte> udp = ParseIp(packet, ProtocolUdp).Transport.Span;
        return (BinaryPrimitives.ReadUInt16BigEndian(udp), BinaryPrimitives.ReadUInt16BigEndian(udp[2..]));
    }

    /// <summary>The Internet checksum (RFC 1071) over <paramref name="data"/>, continuing from a partial sum.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data, uint partialSum = 0) => (ushort)~Fold(Sum(data, partialSum));

    private static (IPAddress Source, IPAddress Destination, ReadOnlyMemory<byte> Transport) ParseIp(byte[] packet, byte protocol)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (packet.Length == 0)
        {
            throw new InvalidDataException("empty packet");
        }

        switch (packet[0] >> 4)
        {
            case 4:
            {
                int headerLength = (packet[0] & 0x0f) * 4;
                int totalLength = packet.Length >= Ipv4HeaderLength ? BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)) : 0;
                if (headerLength < Ipv4HeaderLength || totalLength < headerLength + UdpHeaderLength || totalLength > packet.Length)
                {
                    throw new InvalidDataException($"malformed IPv4 header (IHL {headerLength}, total length {totalLength}, {packet.Length} bytes)");
                }

                RequireProtocol(packet[9], protocol);
                return (new IPAddress(packet.AsSpan(12, 4)), new IPAddress(packet.AsSpan(16, 4)),
                    packet.AsMemory(headerLength, totalLength - headerLength));
            }

            case 6:
            {
                int payloadLength = packet.Length >= Ipv6HeaderLength ? BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4)) : -1;
                if (payloadLength < UdpHeaderLength || Ipv6HeaderLength + payloadLength > packet.Length)
                {
                    throw new InvalidDataException($"malformed IPv6 header (payload length {payloadLength}, {packet.Length} bytes)");
                }

                // Extension headers are not followed: test packets never carry them.
                RequireProtocol(packet[6], protocol);
                return (new IPAddress(packet.AsSpan(8, 16)), new IPAddress(packet.AsSpan(24, 16)),
                    packet.AsMemory(Ipv6HeaderLength, payloadLength));
            }

            default:
                throw new InvalidDataException($"not an IP packet: version {packet[0] >> 4}");
        }
    }

    private static void RequireProtocol(byte actual, byte expected)
    {
        if (actual != expected)
        {
            throw new InvalidDataException($"IP protocol {actual}, expected {expected}");
        }
    }

    private static void WriteIpv4Header(Span<byte> packet, IPAddress src, IPAddress dst, byte protocol)
    {
        Span<byte> header = packet[..Ipv4HeaderLength];
        header[0] = 0x45; // version 4, 5 words of header
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], checked((ushort)packet.Length));
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], 0x4000); // don't fragment, identification 0
        header[8] = DefaultTtl;
        header[9] = protocol;
        WriteAddress(header[12..16], src, AddressFamily.InterNetwork);
        WriteAddress(header[16..20], dst, AddressFamily.InterNetwork);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], Checksum(header));
    }

    private static void WriteUdp(Span<byte> udp, ushort srcPort, ushort dstPort, ReadOnlySpan<byte> payload, uint pseudoHeaderSum)
    {
        BinaryPrimitives.WriteUInt16BigEndian(udp, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], dstPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], checked((ushort)udp.Length));
        payload.CopyTo(udp[UdpHeaderLength..]);

        // A computed 0 is sent as all ones: 0 on the wire means "no checksum" (RFC 768).
        ushort checksum = Checksum(udp, pseudoHeaderSum);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xffff : checksum);
    }

    private static uint PseudoHeaderSum(IPAddress src, IPAddress dst, byte protocol, int transportLength)
    {
        Span<byte> addresses = stackalloc byte[32];
        src.TryWriteBytes(addresses, out int srcLength);
        dst.TryWriteBytes(addresses[srcLength..], out int dstLength);
        return Sum(addresses[..(srcLength + dstLength)], protocol + (uint)transportLength);
    }

    private static void WriteAddress(Span<byte> destination, IPAddress address, AddressFamily family)
    {
        if (address.AddressFamily != family)
        {
            throw new ArgumentException($"{address} is not an {family} address", nameof(address));
        }

        address.TryWriteBytes(destination, out _);
    }

    private static uint Sum(ReadOnlySpan<byte> data, uint sum)
    {
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)data[i] << 8;
        }

        return Fold(sum);
    }

    private static ushort Fold(uint sum)
    {
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)sum;
    }
}
