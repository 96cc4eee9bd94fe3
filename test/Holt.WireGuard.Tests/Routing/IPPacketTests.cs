using Holt.WireGuard.Routing;

namespace Holt.WireGuard.Tests.Routing;

public sealed class IPPacketTests
{
    private static byte[] IPv4Packet(int totalLength, int bufferLength)
    {
        var packet = new byte[bufferLength];
        packet[0] = 0x45;
        packet[2] = (byte)(totalLength >> 8);
        packet[3] = (byte)totalLength;
        packet[8] = 64;
        packet[9] = 17;
        byte[] source = [192, 0, 2, 1];
        byte[] destination = [198, 51, 100, 7];
        source.CopyTo(packet, 12);
        destination.CopyTo(packet, 16);
        return packet;
    }

    private static byte[] IPv6Packet(int payloadLength, int bufferLength)
    {
        var packet = new byte[bufferLength];
        packet[0] = 0x60;
        packet[4] = (byte)(payloadLength >> 8);
        packet[5] = (byte)payloadLength;
        packet[6] = 58;
        packet[7] = 64;
        for (int i = 0; i < 16; i++)
        {
            packet[8 + i] = (byte)(0x20 + i);
            packet[24 + i] = (byte)(0xa0 + i);
        }

        return packet;
    }

    [Fact]
    public void IPv4_Header_YieldsSourceAndDestination()
    {
        byte[] packet = IPv4Packet(28, 28);

        Assert.True(IPPacket.TryGetSource(packet, out ReadOnlySpan<byte> source));
        Assert.Equal(new byte[] { 192, 0, 2, 1 }, source.ToArray());
        Assert.True(IPPacket.TryGetDestination(packet, out ReadOnlySpan<byte> destination));
        Assert.Equal(new byte[] { 198, 51, 100, 7 }, destination.ToArray());
    }

    [Fact]
    public void IPv6_Header_YieldsSourceAndDestination()
    {
        byte[] packet = IPv6Packet(8, 48);

        Assert.True(IPPacket.TryGetSource(packet, out ReadOnlySpan<byte> source));
        Assert.Equal(packet[8..24], source.ToArray());
        Assert.True(IPPacket.TryGetDestination(packet, out ReadOnlySpan<byte> destination));
        Assert.Equal(packet[24..40], destination.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(19)]
    public void IPv4_TruncatedHeader_IsRejected(int length)
    {
        byte[] packet = IPv4Packet(20, 20)[..length];

        Assert.False(IPPacket.TryGetSource(packet, out _));
        Assert.False(IPPacket.TryGetDestination(packet, out _));
        Assert.False(IPPacket.TryGetTotalLength(packet, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(39)]
    public void IPv6_TruncatedHeader_IsRejected(int length)
    {
        byte[] packet = IPv6Packet(0, 40)[..length];

        Assert.False(IPPacket.TryGetSource(packet, out _));
        Assert.False(IPPacket.TryGetDestination(packet, out _));
        Assert.False(IPPacket.TryGetTotalLength(packet, out _));
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x55)]
    [InlineData(0xf0)]
    public void UnknownVersion_IsRejected(byte firstByte)
    {
        var packet = new byte[64];
        packet[0] = firstByte;

        Assert.False(IPPacket.TryGetSource(packet, out _));
        Assert.False(IPPacket.TryGetDestination(packet, out _));
        Assert.False(IPPacket.TryGetTotalLength(packet, out _));
    }

    [Fact]
    public void IPv4_TotalLengthShorterThanBuffer_StripsPadding()
    {
        // WireGuard pads plaintext to a multiple of 16: a 28-byte packet arrives as 32 bytes.
        byte[] packet = IPv4Packet(28, 32);

        Assert.True(IPPacket.TryGetTotalLength(packet, out int length));
        Assert.Equal(28, length);
    }

    [Fact]
    public void IPv4_TotalLengthEqualToBuffer_IsAccepted()
    {
        Assert.True(IPPacket.TryGetTotalLength(IPv4Packet(20, 20), out int length));
        Assert.Equal(20, length);
    }

    [Fact]
    public void IPv4_TotalLengthBeyondBuffer_IsRejected()
    {
        Assert.False(IPPacket.TryGetTotalLength(IPv4Packet(33, 32), out int length));
        Assert.Equal(0, length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(19)]
    public void IPv4_TotalLengthBelowHeader_IsRejected(int totalLength)
    {
        Assert.False(IPPacket.TryGetTotalLength(IPv4Packet(totalLength, 32), out _));
    }

    [Fact]
    public void IPv6_PayloadLength_AddsFixedHeader()
    {
        byte[] packet = IPv6Packet(8, 64);

        Assert.True(IPPacket.TryGetTotalLength(packet, out int length));
        Assert.Equal(48, length);
    }

    [Fact]
    public void IPv6_EmptyPayload_IsHeaderOnly()
    {
        Assert.True(IPPacket.TryGetTotalLength(IPv6Packet(0, 48), out int length));
        Assert.Equal(40, length);
    }

    [Fact]
    public void IPv6_PayloadBeyondBuffer_IsRejected()
    {
        Assert.False(IPPacket.TryGetTotalLength(IPv6Packet(9, 48), out _));
        Assert.False(IPPacket.TryGetTotalLength(IPv6Packet(0xffff, 48), out _));
    }

    [Fact]
    public void IPv4_MaximumTotalLength_IsAccepted()
    {
        Assert.True(IPPacket.TryGetTotalLength(IPv4Packet(0xffff, 0xffff), out int length));
        Assert.Equal(0xffff, length);
    }
}
