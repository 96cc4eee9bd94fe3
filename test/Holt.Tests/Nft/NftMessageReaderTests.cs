using System.Runtime.InteropServices;
using System.Text;
using Holt.Interop;
using Holt.Nft;
using static Holt.Tests.Nft.NftWire;

namespace Holt.Tests.Nft;

/// <summary>The nf_tables notification parser, on hand-built and random datagrams; needs no root.</summary>
public sealed class NftMessageReaderTests
{
    [Fact]
    public void NewTable_NamesTheTableAndFamily()
    {
        Read read = Assert.Single(ReadAll(Change(Libc.NFT_MSG_NEWTABLE, NftFamily.Inet, "holt")));

        Assert.Equal(new Read(NftMessageType.Change, NftChanges.NewTable, NftFamily.Inet, "holt", ""), read);
    }

    [Theory]
    [InlineData(Libc.NFT_MSG_DELTABLE)]
    [InlineData(Libc.NFT_MSG_DESTROYTABLE)]
    public void DelTable_AndDestroyTable_AreTableDeletions(byte type)
    {
        Read read = Assert.Single(ReadAll(Change(type, NftFamily.Ip6, "holt_guard")));

        Assert.Equal(new Read(NftMessageType.Change, NftChanges.DeletedTable, NftFamily.Ip6, "holt_guard", ""), read);
    }

    [Theory]
    [InlineData(Libc.NFT_MSG_NEWCHAIN, (ushort)NftChanges.NewChain, 3)]
    [InlineData(Libc.NFT_MSG_DESTROYCHAIN, (ushort)NftChanges.DeletedChain, 3)]
    [InlineData(Libc.NFT_MSG_NEWRULE, (ushort)NftChanges.NewRule, 2)]
    [InlineData(Libc.NFT_MSG_DELRULE, (ushort)NftChanges.DeletedRule, 2)]
    [InlineData(Libc.NFT_MSG_NEWSET, (ushort)NftChanges.NewSet, 2)]
    [InlineData(Libc.NFT_MSG_DELSET, (ushort)NftChanges.DeletedSet, 2)]
    [InlineData(Libc.NFT_MSG_NEWSETELEM, (ushort)NftChanges.NewElement, 2)]
    [InlineData(Libc.NFT_MSG_DESTROYSETELEM, (ushort)NftChanges.DeletedElement, 2)]
    [InlineData(Libc.NFT_MSG_NEWOBJ, (ushort)NftChanges.NewObject, 2)]
    [InlineData(Libc.NFT_MSG_DELOBJ, (ushort)NftChanges.DeletedObject, 2)]
    [InlineData(Libc.NFT_MSG_NEWFLOWTABLE, (ushort)NftChanges.NewFlowtable, 2)]
    [InlineData(Libc.NFT_MSG_DESTROYFLOWTABLE, (ushort)NftChanges.DeletedFlowtable, 2)]
    public void ObjectChanges_NameTheirTableAndObject(byte type, ushort change, ushort nameAttribute)
    {
        Read read = Assert.Single(ReadAll(Change(type, NftFamily.Ip, "nat", "postrouting", nameAttribute)));

        Assert.Equal(new Read(NftMessageType.Change, (NftChanges)change, NftFamily.Ip, "nat", "postrouting"), read);
    }

    [Fact]
    public void NewGen_CarriesGenerationProcessIdAndName()
    {
        Read read = Assert.Single(ReadAll(Generation(0x01020304, 4242, "nft")));

        Assert.Equal(new Read(NftMessageType.Generation, NftChanges.None, NftFamily.Unspecified, "", "", 0x01020304, 4242, "nft"), read);
    }

    [Fact]
    public void NewGen_ProcessNamePaddedWithNuls_StopsAtTheFirst()
    {
        byte[] name = new byte[16];
        "iptables-nft"u8.CopyTo(name);
        byte[] datagram = Message(Libc.NFT_MSG_NEWGEN, NftFamily.Unspecified, U32(Libc.NFTA_GEN_ID, 7), Attribute(Libc.NFTA_GEN_PROC_NAME, name));

        Read read = Assert.Single(ReadAll(datagram));

        Assert.Equal("iptables-nft", read.Process);
        Assert.Equal(0, read.Pid);
    }

    [Fact]
    public void SeveralMessages_InOneDatagram_AreReadInOrder()
    {
        byte[] datagram =
        [
            .. Change(Libc.NFT_MSG_DELRULE, NftFamily.Inet, "holt", "input"),
            .. Change(Libc.NFT_MSG_DELCHAIN, NftFamily.Inet, "holt", "input", 3),
            .. Change(Libc.NFT_MSG_DELTABLE, NftFamily.Inet, "holt"),
            .. Generation(9, 100, "nft"),
        ];

        Assert.Equal(
            [NftChanges.DeletedRule, NftChanges.DeletedChain, NftChanges.DeletedTable, NftChanges.None],
            ReadAll(datagram).Select(r => r.Change));
    }

    [Fact]
    public void OtherSubsystems_ControlMessages_AndGetTypes_AreSkipped()
    {
        byte[] datagram =
        [
            .. Raw(0x0100 | 0, [2, 0, 0, 0], String(1, "conntrack")),
            .. Raw(1, []),
            .. Raw(3, [0, 0, 0, 0]),
            .. Message(1, NftFamily.Inet, String(1, "get")),
            .. Message(17, NftFamily.Inet, String(1, "trace")),
            .. Change(Libc.NFT_MSG_NEWTABLE, NftFamily.Inet, "kept"),
        ];

        Read read = Assert.Single(ReadAll(datagram));

        Assert.Equal("kept", read.Table);
    }

    [Fact]
    public void Overrun_IsReported()
    {
        Assert.Equal(NftMessageType.Overrun, Assert.Single(ReadAll(Raw(Libc.NLMSG_OVERRUN, []))).Type);
    }

    [Fact]
    public void AttributeFlagBits_AreIgnored()
    {
        byte[] table = String(1, "holt");
        MemoryMarshal.Write(table.AsSpan(2), (ushort)(1 | 0x4000));

        Assert.Equal("holt", Assert.Single(ReadAll(Message(Libc.NFT_MSG_NEWTABLE, NftFamily.Inet, table))).Table);
    }

    [Fact]
    public void ChangeWithoutTable_IsMalformed_AndTheNextMessageIsStillRead()
    {
        byte[] datagram =
        [
            .. Message(Libc.NFT_MSG_NEWRULE, NftFamily.Inet, String(2, "input")),
            .. Message(Libc.NFT_MSG_NEWRULE, NftFamily.Inet, String(1, "")),
            .. Raw((Libc.NFNL_SUBSYS_NFTABLES << 8) | Libc.NFT_MSG_NEWTABLE, [1, 0]),
            0, 0, // the padding to 4 that nlmsg_len does not count
            .. Change(Libc.NFT_MSG_NEWTABLE, NftFamily.Inet, "after"),
        ];

        Assert.Equal(
            [NftMessageType.Malformed, NftMessageType.Malformed, NftMessageType.Malformed, NftMessageType.Change],
            ReadAll(datagram).Select(r => r.Type));
    }

    [Fact]
    public void AttributeLongerThanItsMessage_IsMalformed()
    {
        byte[] message = Change(Libc.NFT_MSG_NEWTABLE, NftFamily.Inet, "holt");
        MemoryMarshal.Write(message.AsSpan(NftMessageReader.HeaderSize + NftMessageReader.NfGenMsgSize), (ushort)200);

        Assert.Equal(NftMessageType.Malformed, Assert.Single(ReadAll(message)).Type);
    }

    [Fact]
    public void BadMessageLengths_EndTheWalk_WithOneMalformed()
    {
        byte[] good = Change(Libc.NFT_MSG_NEWTABLE, NftFamily.Inet, "holt");
        byte[] zeroLength = (byte[])good.Clone();
        MemoryMarshal.Write(zeroLength, 0u);
        byte[] tooLong = (byte[])good.Clone();
        MemoryMarshal.Write(tooLong, 10_000u);

        byte[][] datagrams = [[.. zeroLength, .. good], [.. tooLong, .. good], good[..10], good[..20], [.. good, .. good[..5]]];
        foreach (byte[] datagram in datagrams)
        {
            Assert.Equal(NftMessageType.Malformed, ReadAll(datagram)[^1].Type);
        }

        Assert.Empty(ReadAll([]));
    }

    [Fact]
    public void RandomDatagrams_NeverThrow()
    {
        var random = new Random(20260301);
        byte[] template =
        [
            .. Change(Libc.NFT_MSG_NEWRULE, NftFamily.Inet, "holt", "forward"),
            .. Change(Libc.NFT_MSG_DELTABLE, NftFamily.Inet, "holt"),
            .. Generation(12, 345, "nft"),
        ];
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
                // Mutations of valid messages reach deeper than noise does.
                datagram = template[..random.Next(0, template.Length + 1)];
                for (int flips = random.Next(1, 4); flips > 0 && datagram.Length > 0; flips--)
                {
                    datagram[random.Next(datagram.Length)] = (byte)random.Next(256);
                }
            }

            _ = ReadAll(datagram);
        }
    }

    private static List<Read> ReadAll(ReadOnlySpan<byte> datagram)
    {
        var reads = new List<Read>();
        var reader = new NftMessageReader(datagram);
        while (reader.TryRead(out NftMessage message))
        {
            reads.Add(new Read(
                message.Type,
                message.Change,
                message.Family,
                Encoding.UTF8.GetString(message.Table),
                Encoding.UTF8.GetString(message.Name),
                message.Generation,
                message.ProcessId,
                Encoding.UTF8.GetString(message.ProcessName)));
        }

        return reads;
    }

    private sealed record Read(
        NftMessageType Type,
        NftChanges Change,
        NftFamily Family,
        string Table,
        string Name,
        uint Generation = 0,
        int Pid = 0,
        string Process = "");
}
