using System.Net;
using Holt.Monitor;

namespace Holt.Tests.Monitor;

/// <summary>The probe's ICMP echo: well-formed requests, and replies told apart from anything else that arrives.</summary>
public sealed class HandshakeProbeTests
{
    private static readonly ProbePing s_v4 = new(IPAddress.Parse("10.8.0.9"), IPAddress.Parse("10.8.0.1"));
    private static readonly ProbePing s_v6 = new(IPAddress.Parse("fd00::9"), IPAddress.Parse("fd00::1"));

    [Fact]
    public void EchoRequest_IPv4_HasValidChecksums_AndTheRightAddresses()
    {
        byte[] packet = HandshakeProbe.EchoRequest(s_v4.Source, s_v4.Target, 0x1234);

        Assert.Equal(84, packet.Length);
        Assert.Equal(0, OnesComplementSum(packet.AsSpan(0, 20)));
        Assert.Equal(0, OnesComplementSum(packet.AsSpan(20)));
        Assert.Equal(s_v4.Source, new IPAddress(packet.AsSpan(12, 4)));
        Assert.Equal(s_v4.Target, new IPAddress(packet.AsSpan(16, 4)));
        Assert.Equal(8, packet[20]);
    }

    [Fact]
    public void EchoReply_IsRecognised_OnlyFromTheTarget_WithTheIdentifier()
    {
        byte[] reply = Reply(HandshakeProbe.EchoRequest(s_v4.Source, s_v4.Target, 77), v6: false);

        Assert.True(HandshakeProbe.IsEchoReply(reply, s_v4, 77));
        Assert.False(HandshakeProbe.IsEchoReply(reply, s_v4, 78));
        Assert.False(HandshakeProbe.IsEchoReply(reply, s_v4 with { Target = IPAddress.Parse("10.8.0.2") }, 77));
        Assert.False(HandshakeProbe.IsEchoReply(HandshakeProbe.EchoRequest(s_v4.Target, s_v4.Source, 77), s_v4, 77));

        byte[] reply6 = Reply(HandshakeProbe.EchoRequest(s_v6.Source, s_v6.Target, 77), v6: true);
        Assert.True(HandshakeProbe.IsEchoReply(reply6, s_v6, 77));
        Assert.False(HandshakeProbe.IsEchoReply(reply6, s_v4, 77));
    }

    [Fact]
    public void AnythingElseThatArrives_IsNoReply_AndNeverThrows()
    {
        var random = new Random(20261205);
        for (int i = 0; i < 20000; i++)
        {
            byte[] packet = new byte[random.Next(0, 120)];
            random.NextBytes(packet);
            if (packet.Length > 0 && i % 2 == 0)
            {
                packet[0] = (byte)((i % 4 == 0 ? 0x40 : 0x60) | (packet[0] & 0x0f));
            }

            // Random bytes match a reply's protocol, type, target address and identifier with a chance below 2^-50.
            Assert.False(HandshakeProbe.IsEchoReply(packet, s_v4, 1));
            Assert.False(HandshakeProbe.IsEchoReply(packet, s_v6, 1));
        }
    }

    /// <summary>The reply a host sends: addresses swapped, type echo reply.</summary>
    private static byte[] Reply(byte[] request, bool v6)
    {
        byte[] reply = (byte[])request.Clone();
        if (v6)
        {
            request.AsSpan(24, 16).CopyTo(reply.AsSpan(8));
            request.AsSpan(8, 16).CopyTo(reply.AsSpan(24));
            reply[40] = 129;
        }
        else
        {
            request.AsSpan(16, 4).CopyTo(reply.AsSpan(12));
            request.AsSpan(12, 4).CopyTo(reply.AsSpan(16));
            reply[20] = 0;
        }

        return reply;
    }

    private static int OnesComplementSum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += (uint)((data[i] << 8) | data[i + 1]);
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (int)(~sum & 0xffff);
    }
}
