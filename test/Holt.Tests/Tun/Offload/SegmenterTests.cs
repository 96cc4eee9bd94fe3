using System.Buffers.Binary;
using Holt.Tun.Offload;

namespace Holt.Tests.Tun.Offload;

/// <summary>The TUN read side's segmentation, against <see cref="ReferencePackets.Segment"/>.</summary>
public sealed class SegmenterTests
{
    private const int Offset = 16;

    [Fact]
    public void RandomSuperpackets_SplitExactlyAsTheReference_AcrossBatchesOfAnySize()
    {
        var random = new Random(20261206);
        for (int round = 0; round < 400; round++)
        {
            PacketSpec spec = RandomSpec(random, allowUdp: true);
            int headers = (spec.Version == 4 ? 20 : 40) + (spec.Protocol == 6 ? 20 + spec.Options.Length : 8);
            int payload = random.Next(1, ushort.MaxValue - headers + 1);
            int segmentSize = random.Next(Math.Max(1, payload / 300), 1500);
            spec = spec with { Payload = RandomBytes(random, payload) };
            byte[] superpacket = ReferencePackets.Build(spec);

            var segmenter = new Segmenter();
            Load(segmenter, superpacket, GsoHeader(spec, headers, segmentSize));
            List<byte[]> actual = TakeAll(segmenter, random);
            List<byte[]> expected = ReferencePackets.Segment(superpacket, segmentSize);

            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.True(
                    expected[i].AsSpan().SequenceEqual(actual[i]),
                    $"round {round}: IPv{spec.Version} {(spec.Protocol == 6 ? "TCP" : "UDP")}, payload {payload}, segment size {segmentSize}: segment {i} of {expected.Count} differs.");
                Assert.True(ReferencePackets.ChecksumsVerify(actual[i]));
            }
        }
    }

    [Fact]
    public void PartialChecksum_IsCompleted()
    {
        var random = new Random(3);
        for (int round = 0; round < 200; round++)
        {
            PacketSpec spec = RandomSpec(random, allowUdp: true) with { Payload = RandomBytes(random, random.Next(0, 1400)) };
            byte[] packet = ReferencePackets.Build(spec);
            int transport = spec.Version == 4 ? 20 : 40;
            int field = spec.Protocol == 6 ? 16 : 6;

            // What the kernel hands over for CHECKSUM_PARTIAL: the pseudo-header's sum in the checksum field.
            byte[] partial = (byte[])packet.Clone();
            uint pseudo = ReferencePackets.PseudoHeaderSum(spec.Source, spec.Destination, spec.Protocol, packet.Length - transport);
            BinaryPrimitives.WriteUInt16BigEndian(partial.AsSpan(transport + field), (ushort)pseudo);
            var header = new VirtioNetHeader
            {
                Flags = VirtioNetHeader.NeedsChecksum,
                ChecksumStart = (ushort)transport,
                ChecksumOffset = (ushort)field,
            };

            var segmenter = new Segmenter();
            Load(segmenter, partial, header);
            byte[] actual = Assert.Single(TakeAll(segmenter, random));
            Assert.True(ReferencePackets.ChecksumsVerify(actual), $"round {round}: the completed checksum does not verify.");
            Assert.Equal(packet, actual);
        }
    }

    [Fact]
    public void PlainPacket_PassesUnchanged()
    {
        byte[] packet = ReferencePackets.Build(new PacketSpec { Payload = [1, 2, 3] });
        var segmenter = new Segmenter();
        Load(segmenter, packet, default);
        Assert.Equal(packet, Assert.Single(TakeAll(segmenter, new Random(1))));
    }

    [Theory]
    [InlineData("gso TCPv4 on an IPv6 packet")]
    [InlineData("gso TCPv6 on an IPv4 packet")]
    [InlineData("gso size 0")]
    [InlineData("UDP fragmentation offload")]
    [InlineData("unknown gso type")]
    [InlineData("checksum start past the end")]
    [InlineData("checksum field past the end")]
    [InlineData("TCP data offset under 5")]
    [InlineData("length field disagrees")]
    [InlineData("IPv4 header length disagrees")]
    [InlineData("only a header")]
    public void HeaderThatContradictsItsPacket_IsRefused(string fault)
    {
        PacketSpec spec = new() { Payload = new byte[3000] };
        byte[] packet = ReferencePackets.Build(spec);
        VirtioNetHeader header = GsoHeader(spec, 40, 1000);
        int readLength = VirtioNetHeader.Size + packet.Length;
        switch (fault)
        {
            case "gso TCPv4 on an IPv6 packet":
                packet = ReferencePackets.Build(spec with { Version = 6, Source = new byte[16], Destination = new byte[16] });
                readLength = VirtioNetHeader.Size + packet.Length;
                header.ChecksumStart = 40;
                break;
            case "gso TCPv6 on an IPv4 packet":
                header.GsoType = VirtioNetHeader.GsoTcpV6;
                break;
            case "gso size 0":
                header.GsoSize = 0;
                break;
            case "UDP fragmentation offload":
                header.GsoType = VirtioNetHeader.GsoUdp;
                break;
            case "unknown gso type":
                header.GsoType = 9;
                break;
            case "checksum start past the end":
                header.ChecksumStart = 60000;
                break;
            case "checksum field past the end":
                header = new VirtioNetHeader { Flags = VirtioNetHeader.NeedsChecksum, ChecksumStart = 20, ChecksumOffset = 5000 };
                break;
            case "TCP data offset under 5":
                packet[20 + 12] = 0x40;
                break;
            case "length field disagrees":
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 1000);
                break;
            case "IPv4 header length disagrees":
                header.ChecksumStart = 24;
                break;
            case "only a header":
                readLength = VirtioNetHeader.Size;
                break;
        }

        var segmenter = new Segmenter();
        header.Write(segmenter.ReadBuffer);
        packet.CopyTo(segmenter.ReadBuffer[VirtioNetHeader.Size..]);
        Assert.False(segmenter.Load(readLength), fault);
        Assert.False(segmenter.HasPending);
    }

    [Fact]
    public void BufferTooSmallForASegment_DropsTheRestOfThatRead_AndCountsIt()
    {
        PacketSpec spec = new() { Payload = new byte[4000] };
        byte[] packet = ReferencePackets.Build(spec);
        var segmenter = new Segmenter();
        Load(segmenter, packet, GsoHeader(spec, 40, 1000));

        byte[][] buffers = [new byte[Offset + 1040], new byte[Offset + 500], new byte[Offset + 1040]];
        int[] sizes = new int[3];
        long dropped = 0;
        Assert.Equal(1, segmenter.Take(buffers, sizes, Offset, 0, ref dropped));
        Assert.Equal(3, dropped);
        Assert.False(segmenter.HasPending);
    }

    internal static PacketSpec RandomSpec(Random random, bool allowUdp)
    {
        int version = random.Next(2) == 0 ? 4 : 6;
        byte protocol = allowUdp && random.Next(4) == 0 ? (byte)17 : (byte)6;
        byte flags = 0x10;
        foreach (byte flag in new byte[] { 0x08, 0x01, 0x80, 0x40 })
        {
            if (random.Next(4) == 0)
            {
                flags |= flag;
            }
        }

        return new PacketSpec
        {
            Version = version,
            Protocol = protocol,
            Source = RandomBytes(random, version == 4 ? 4 : 16),
            Destination = RandomBytes(random, version == 4 ? 4 : 16),
            SourcePort = (ushort)random.Next(1, 65536),
            DestinationPort = (ushort)random.Next(1, 65536),
            Sequence = (uint)random.NextInt64(0, 1L << 32),
            Acknowledgment = (uint)random.NextInt64(0, 1L << 32),
            Flags = flags,
            Window = (ushort)random.Next(65536),
            Options = RandomBytes(random, random.Next(0, 11) * 4),
            TrafficClass = (byte)random.Next(256),
            Ttl = (byte)random.Next(1, 256),
            Identification = (ushort)random.Next(65536),
            DontFragment = random.Next(2) == 0,
            FlowLabel = random.Next(1 << 20),
        };
    }

    internal static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static VirtioNetHeader GsoHeader(PacketSpec spec, int headers, int segmentSize) => new()
    {
        Flags = VirtioNetHeader.NeedsChecksum,
        GsoType = spec.Protocol == 17 ? VirtioNetHeader.GsoUdpL4 : spec.Version == 4 ? VirtioNetHeader.GsoTcpV4 : VirtioNetHeader.GsoTcpV6,
        HeaderLength = (ushort)headers,
        GsoSize = (ushort)segmentSize,
        ChecksumStart = (ushort)(spec.Version == 4 ? 20 : 40),
        ChecksumOffset = (ushort)(spec.Protocol == 6 ? 16 : 6),
    };

    private static void Load(Segmenter segmenter, byte[] packet, VirtioNetHeader header)
    {
        header.Write(segmenter.ReadBuffer);
        packet.CopyTo(segmenter.ReadBuffer[VirtioNetHeader.Size..]);
        Assert.True(segmenter.Load(VirtioNetHeader.Size + packet.Length));
    }

    private static List<byte[]> TakeAll(Segmenter segmenter, Random random)
    {
        List<byte[]> packets = [];
        long dropped = 0;
        while (segmenter.HasPending)
        {
            int batch = random.Next(1, 65);
            byte[][] buffers = new byte[batch][];
            for (int i = 0; i < batch; i++)
            {
                buffers[i] = new byte[Offset + 1600];
                buffers[i].AsSpan().Fill(0xEE);
            }

            int[] sizes = new int[batch];
            int start = random.Next(batch);
            int count = segmenter.Take(buffers, sizes, Offset, start, ref dropped);
            Assert.InRange(count, 1, batch - start);
            for (int i = start; i < start + count; i++)
            {
                packets.Add(buffers[i].AsSpan(Offset, sizes[i]).ToArray());
            }
        }

        Assert.Equal(0, dropped);
        return packets;
    }
}
