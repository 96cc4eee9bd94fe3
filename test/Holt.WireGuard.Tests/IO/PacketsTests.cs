using System.Buffers.Binary;
using System.Net;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.IO;

/// <summary>The packet builders are test infrastructure, so they get checked against an independent reading.</summary>
public class PacketsTests
{
    private static readonly IPAddress s_v4Source = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress s_v4Destination = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress s_v6Source = IPAddress.Parse("fd00::1");
    private static readonly IPAddress s_v6Destination = IPAddress.Parse("fd00::2");

    [Fact]
    public void Ipv4Udp_MatchesKnownHeaderChecksum()
    {
        // The classic worked example: 192.168.0.1 -> 192.168.0.199, total length 115, DF, TTL 64, UDP => 0xb861.
        byte[] packet = Packets.Ipv4Udp(IPAddress.Parse("192.168.0.1"), IPAddress.Parse("192.168.0.199"), 1, 2, new byte[87]);

        Assert.Equal(Convert.FromHexString("45000073000040004011b861c0a80001c0a800c7"), packet[..20]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    public void Ipv4Udp_LengthsAndChecksumsVerify(int payloadLength)
    {
        byte[] payload = Payload(payloadLength);
        byte[] packet = Packets.Ipv4Udp(s_v4Source, s_v4Destination, 1234, 51820, payload);

        Assert.Equal(0x45, packet[0]);
        Assert.Equal(packet.Length, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)));
        Assert.Equal(17, packet[9]);
        Assert.Equal(0xffff, OnesComplementSum(packet.AsSpan(0, 20)));

        Span<byte> udp = packet.AsSpan(20);
        Assert.Equal(udp.Length, BinaryPrimitives.ReadUInt16BigEndian(udp[4..]));
        Assert.Equal(0xffff, OnesComplementSum([.. PseudoHeader(s_v4Source, s_v4Destination, udp.Length), .. udp]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1200)]
    public void Ipv6Udp_PayloadLengthAndChecksumVerify(int payloadLength)
    {
        byte[] payload = Payload(payloadLength);
        byte[] packet = Packets.Ipv6Udp(s_v6Source, s_v6Destination, 1234, 51820, payload);

        Assert.Equal(6, packet[0] >> 4);
        Assert.Equal(packet.Length - 40, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4)));
        Assert.Equal(17, packet[6]);

        Span<byte> udp = packet.AsSpan(40);
        Assert.NotEqual(0, BinaryPrimitives.ReadUInt16BigEndian(udp[6..]));
        Assert.Equal(0xffff, OnesComplementSum([.. PseudoHeader(s_v6Source, s_v6Destination, udp.Length), .. udp]));
    }

    [Fact]
    public void Ipv4IcmpEcho_ChecksumVerifies()
    {
        byte[] packet = Packets.Ipv4IcmpEcho(s_v4Source, s_v4Destination, 7, 1, Payload(56));

        Assert.Equal(1, packet[9]);
        Assert.Equal(0xffff, OnesComplementSum(packet.AsSpan(0, 20)));
        Assert.Equal(8, packet[20]);
        Assert.Equal(0xffff, OnesComplementSum(packet.AsSpan(20)));
    }

    [Fact]
    public void ParseUdp_RoundTripsBothFamilies()
    {
        byte[] payload = Payload(33);

        (IPAddress source, IPAddress destination, byte[] parsed) = Packets.ParseUdp(Packets.Ipv4Udp(s_v4Source, s_v4Destination, 1, 2, payload));
        Assert.Equal((s_v4Source, s_v4Destination), (source, destination));
        Assert.Equal(payload, parsed);

        byte[] v6 = Packets.Ipv6Udp(s_v6Source, s_v6Destination, 3, 4, payload);
        (source, destination, parsed) = Packets.ParseUdp(v6);
        Assert.Equal((s_v6Source, s_v6Destination), (source, destination));
        Assert.Equal(payload, parsed);
        Assert.Equal(((ushort)3, (ushort)4), Packets.UdpPorts(v6));
    }

    [Fact]
    public void ParseUdp_RejectsNonUdpAndTruncated()
    {
        byte[] udp = Packets.Ipv4Udp(s_v4Source, s_v4Destination, 1, 2, Payload(10));

        Assert.Throws<InvalidDataException>(() => Packets.ParseUdp(Packets.Ipv4IcmpEcho(s_v4Source, s_v4Destination, 1, 1, [])));
        Assert.Throws<InvalidDataException>(() => Packets.ParseUdp(udp[..^1]));
        Assert.Throws<InvalidDataException>(() => Packets.ParseUdp([]));
    }

    [Fact]
    public void Builders_RejectWrongAddressFamily()
    {
        Assert.Throws<ArgumentException>(() => Packets.Ipv4Udp(s_v6Source, s_v4Destination, 1, 2, []));
        Assert.Throws<ArgumentException>(() => Packets.Ipv6Udp(s_v6Source, s_v4Destination, 1, 2, []));
    }

    private static byte[] Payload(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 7))];

    private static byte[] PseudoHeader(IPAddress source, IPAddress destination, int udpLength)
    {
        // Same sum for both families: addresses, then zero-padded protocol and the UDP length.
        byte[] tail = [0, 17, (byte)(udpLength >> 8), (byte)udpLength];
        return [.. source.GetAddressBytes(), .. destination.GetAddressBytes(), .. tail];
    }

    /// <summary>A deliberately plain reference sum: a correct checksum makes the whole covered range sum to 0xffff.</summary>
    private static int OnesComplementSum(ReadOnlySpan<byte> data)
    {
        long sum = 0;
        for (int i = 0; i < data.Length; i++)
        {
            sum += i % 2 == 0 ? data[i] << 8 : data[i];
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (int)sum;
    }
}
