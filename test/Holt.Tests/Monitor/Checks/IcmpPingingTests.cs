using System.Buffers.Binary;
using System.Net;
using Holt.Monitor.Checks;

namespace Holt.Tests.Monitor.Checks;

/// <summary>Which ICMP packets an icmp check takes as its own: replies and errors that quote its requests, nothing else.</summary>
public sealed class IcmpPingingTests
{
    private static readonly IPAddress s_target = IPAddress.Parse("10.8.0.2");
    private static readonly IPAddress s_router = IPAddress.Parse("192.0.2.1");
    private const ushort Id = 0x4242;

    [Fact]
    public void EchoRequest_CarriesAValidChecksum()
    {
        byte[] request = IcmpCheck.EchoRequest(v6: false, Id, 7, 56);

        Assert.Equal(64, request.Length);
        Assert.Equal((8, Id, 7), (request[0], BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(4)), BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(6))));
        Assert.Equal(0, IcmpCheck.Checksum(request));

        // RFC 1071 section 3's example: the words sum to 0xDDF2 once folded; the checksum is its complement.
        Assert.Equal(0x220D, IcmpCheck.Checksum([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]));
    }

    [Fact]
    public void AReply_IsTaken_OnlyFromTheTarget_WithOurIdAndASequenceSent()
    {
        Assert.Equal(new IcmpSeen(2, null), Recognize(Ipv4(Echo(0, Id, 2)), s_target));
        Assert.Null(Recognize(Ipv4(Echo(0, Id + 1, 2)), s_target));
        Assert.Null(Recognize(Ipv4(Echo(0, Id, 3)), s_target));
        Assert.Null(Recognize(Ipv4(Echo(0, Id, 2)), s_router));
        Assert.Null(Recognize(Ipv4(Echo(8, Id, 2)), s_target));
    }

    [Fact]
    public void FragmentationNeeded_QuotingOurRequest_IsReportedWithTheMtu()
    {
        byte[] error = [3, 4, 0, 0, 0, 0, 0x05, 0x00, .. Ipv4(Echo(8, Id, 1), destination: s_target)];

        Assert.Equal(new IcmpSeen(1, "192.0.2.1 says fragmentation needed: the path's MTU is 1280"), Recognize(Ipv4(error), s_router));
    }

    [Fact]
    public void AnErrorAboutSomeoneElsesPacket_IsIgnored()
    {
        byte[] otherId = [3, 1, 0, 0, 0, 0, 0, 0, .. Ipv4(Echo(8, Id + 1, 1), destination: s_target)];
        byte[] otherTarget = [3, 1, 0, 0, 0, 0, 0, 0, .. Ipv4(Echo(8, Id, 1), destination: s_router)];
        byte[] cutShort = [3, 1, 0, 0, 0, 0, 0, 0, .. Ipv4(Echo(8, Id, 1), destination: s_target)[..24]];

        Assert.Null(Recognize(Ipv4(otherId), s_router));
        Assert.Null(Recognize(Ipv4(otherTarget), s_router));
        Assert.Null(Recognize(Ipv4(cutShort), s_router));
    }

    [Fact]
    public void Ipv6_ReplyAndPacketTooBig_AreRecognized()
    {
        IPAddress target = IPAddress.Parse("fd00::2");
        byte[] quoted = new byte[56];
        quoted[0] = 0x60;
        quoted[6] = 58;
        target.GetAddressBytes().CopyTo(quoted, 24);
        Echo(128, Id, 0).CopyTo(quoted, 40);
        byte[] tooBig = [2, 0, 0, 0, 0, 0, 0x05, 0x00, .. quoted];

        Assert.Equal(new IcmpSeen(0, null), IcmpPinging.Recognize(Echo(129, Id, 0), v6: true, Id, 3, target, target));
        Assert.Equal(new IcmpSeen(0, "fe80::1 says packet too big: the path's MTU is 1280"), IcmpPinging.Recognize(tooBig, v6: true, Id, 3, IPAddress.Parse("fe80::1"), target));
    }

    [Fact]
    public void RandomPackets_AreNeverTakenForOurs_AndNeverThrow()
    {
        var random = new Random(77);
        for (int i = 0; i < 100_000; i++)
        {
            byte[] packet = new byte[random.Next(0, 120)];
            random.NextBytes(packet);
            bool v6 = i % 2 == 0;
            if (!v6 && packet.Length > 0)
            {
                packet[0] = (byte)(0x40 | (packet[0] & 0x0F));
            }

            // A random identifier can only match one time in 65536; these use one that is never in the packet's place.
            IcmpSeen? seen = IcmpPinging.Recognize(packet, v6, Id, 3, s_target, s_target);

            if (seen is IcmpSeen found)
            {
                Assert.InRange(found.Sequence, 0, 2);
            }
        }
    }

    private static IcmpSeen? Recognize(byte[] packet, IPAddress from) => IcmpPinging.Recognize(packet, v6: false, Id, 3, from, s_target);

    private static byte[] Echo(byte type, int id, int sequence)
    {
        byte[] echo = new byte[16];
        echo[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(echo.AsSpan(4), (ushort)id);
        BinaryPrimitives.WriteUInt16BigEndian(echo.AsSpan(6), (ushort)sequence);
        return echo;
    }

    /// <summary>An IPv4 packet (20-byte header, protocol ICMP) around <paramref name="payload"/>.</summary>
    private static byte[] Ipv4(byte[] payload, IPAddress? destination = null)
    {
        byte[] packet = new byte[20 + payload.Length];
        packet[0] = 0x45;
        packet[8] = 64;
        packet[9] = 1;
        s_target.GetAddressBytes().CopyTo(packet, 12);
        (destination ?? IPAddress.Parse("10.8.0.1")).GetAddressBytes().CopyTo(packet, 16);
        payload.CopyTo(packet, 20);
        return packet;
    }
}
