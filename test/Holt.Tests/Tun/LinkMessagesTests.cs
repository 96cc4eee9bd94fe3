using System.Runtime.InteropServices;
using Holt.Interop;
using Holt.Tun;

namespace Holt.Tests.Tun;

/// <summary>The rtnetlink parser, on hand-built and random datagrams; needs no root.</summary>
public sealed class LinkMessagesTests
{
    private const int Index = 7;

    [Fact]
    public void NewLink_ForTheInterface_ReportsItsMtu()
    {
        byte[] datagram = Message(Libc.RTM_NEWLINK, Index, Attribute(3, "wg0\0"u8), Attribute(Libc.IFLA_MTU, 1280));

        LinkReport report = LinkMessages.Parse(datagram, Index);

        Assert.Equal(1280, report.Mtu);
        Assert.False(report.Deleted);
    }

    [Fact]
    public void DelLink_ForTheInterface_ReportsDeleted()
    {
        Assert.True(LinkMessages.Parse(Message(Libc.RTM_DELLINK, Index), Index).Deleted);
    }

    [Fact]
    public void Messages_ForOtherInterfaces_AreIgnored()
    {
        byte[] datagram = [.. Message(Libc.RTM_NEWLINK, 8, Attribute(Libc.IFLA_MTU, 9000)), .. Message(Libc.RTM_DELLINK, 9)];

        LinkReport report = LinkMessages.Parse(datagram, Index);

        Assert.Equal(0, report.Mtu);
        Assert.False(report.Deleted);
    }

    [Fact]
    public void SeveralMessages_InOneDatagram_AreAllRead_LastMtuWins()
    {
        byte[] datagram =
        [
            .. Message(Libc.RTM_NEWLINK, Index, Attribute(Libc.IFLA_MTU, 1400)),
            .. Message(Libc.RTM_NEWLINK, 3, Attribute(Libc.IFLA_MTU, 1500)),
            .. Message(Libc.RTM_NEWLINK, Index, Attribute(1, [1, 2, 3]), Attribute(Libc.IFLA_MTU, 1300)),
            .. Message(Libc.RTM_DELLINK, Index),
        ];

        LinkReport report = LinkMessages.Parse(datagram, Index);

        Assert.Equal(1300, report.Mtu);
        Assert.True(report.Deleted);
    }

    [Fact]
    public void Overrun_IsReported()
    {
        Assert.True(LinkMessages.Parse(Header(Libc.NLMSG_OVERRUN, 16), Index).Overrun);
    }

    [Fact]
    public void MalformedLengths_EndTheWalkQuietly()
    {
        byte[] good = Message(Libc.RTM_NEWLINK, Index, Attribute(Libc.IFLA_MTU, 1280));
        byte[] zeroLength = (byte[])good.Clone();
        MemoryMarshal.Write(zeroLength, 0u);
        byte[] tooLong = (byte[])good.Clone();
        MemoryMarshal.Write(tooLong, 10_000u);
        byte[] attributeTooLong = (byte[])good.Clone();
        MemoryMarshal.Write(attributeTooLong.AsSpan(32), (ushort)200);
        byte[] attributeShort = (byte[])good.Clone();
        MemoryMarshal.Write(attributeShort.AsSpan(32), (ushort)2);

        foreach (byte[] datagram in new[] { zeroLength, tooLong, attributeTooLong, attributeShort, good[..20], good[..35], [] })
        {
            Assert.Equal(0, LinkMessages.Parse(datagram, Index).Mtu);
        }
    }

    [Fact]
    public void RandomDatagrams_NeverThrow()
    {
        var random = new Random(20251120);
        byte[] template = Message(Libc.RTM_NEWLINK, Index, Attribute(3, "wg0\0"u8), Attribute(Libc.IFLA_MTU, 1280));
        for (int i = 0; i < 20_000; i++)
        {
            byte[] datagram;
            if (i % 2 == 0)
            {
                datagram = new byte[random.Next(0, 200)];
                random.NextBytes(datagram);
            }
            else
            {
                // Mutations of a valid message reach deeper than noise does.
                datagram = template[..random.Next(0, template.Length + 1)];
                for (int flips = random.Next(1, 4); flips > 0 && datagram.Length > 0; flips--)
                {
                    datagram[random.Next(datagram.Length)] = (byte)random.Next(256);
                }
            }

            _ = LinkMessages.Parse(datagram, Index);
        }
    }

    private static byte[] Message(ushort type, int index, params byte[][] attributes)
    {
        int length = LinkMessages.HeaderSize + LinkMessages.IfInfoSize + attributes.Sum(a => a.Length);
        byte[] message = Header(type, length);
        MemoryMarshal.Write(message.AsSpan(LinkMessages.HeaderSize + 4), index);
        int at = LinkMessages.HeaderSize + LinkMessages.IfInfoSize;
        foreach (byte[] attribute in attributes)
        {
            attribute.CopyTo(message, at);
            at += attribute.Length;
        }

        return message;
    }

    private static byte[] Header(ushort type, int length)
    {
        byte[] message = new byte[length];
        MemoryMarshal.Write(message, (uint)length);
        MemoryMarshal.Write(message.AsSpan(4), type);
        return message;
    }

    private static byte[] Attribute(ushort type, uint value)
    {
        byte[] payload = new byte[4];
        MemoryMarshal.Write(payload, value);
        return Attribute(type, payload);
    }

    private static byte[] Attribute(ushort type, ReadOnlySpan<byte> payload)
    {
        byte[] attribute = new byte[(4 + payload.Length + 3) & ~3];
        MemoryMarshal.Write(attribute, (ushort)(4 + payload.Length));
        MemoryMarshal.Write(attribute.AsSpan(2), type);
        payload.CopyTo(attribute.AsSpan(4));
        return attribute;
    }
}
