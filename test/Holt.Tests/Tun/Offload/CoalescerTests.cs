using System.Buffers.Binary;
using Holt.Tun.Offload;

namespace Holt.Tests.Tun.Offload;

/// <summary>The TUN write side's TCP coalescing, against a slow reference of the same rules.</summary>
public sealed class CoalescerTests
{
    private const int Offset = 16;

    [Fact]
    public void RandomFlows_MergeExactlyAsTheReference_AndSplitBackIntoTheSameSegmentsInOrder()
    {
        var random = new Random(8086);
        var coalescer = new Coalescer();
        for (int round = 0; round < 300; round++)
        {
            List<byte[]> input = RandomBatch(random);
            List<(byte[] Packet, VirtioNetHeader Header)> actual = Run(coalescer, input);
            List<(byte[] Packet, VirtioNetHeader Header)> expected = Reference(input);

            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.True(expected[i].Packet.AsSpan().SequenceEqual(actual[i].Packet), $"round {round}: written packet {i} differs.");
                Assert.Equal(expected[i].Header, actual[i].Header);
            }

            // Whatever was merged splits back, flow by flow, into the segments that went in, in their order.
            Assert.Equal(PerFlow(input), PerFlow(SplitBack(actual)));
        }
    }

    [Fact]
    public void InOrderSegmentsOfOneFlow_BecomeOneSuperpacket_WhoseCompletedChecksumVerifies()
    {
        var spec = new PacketSpec { Version = 6, Source = new byte[16], Destination = new byte[16], Sequence = 1000 };
        spec.Source[15] = 1;
        spec.Destination[15] = 2;
        List<byte[]> input = [];
        for (int i = 0; i < 10; i++)
        {
            input.Add(ReferencePackets.Build(spec with { Sequence = 1000 + (uint)(i * 1300), Payload = Filled(1300, i), Flags = (byte)(i == 9 ? 0x18 : 0x10) }));
        }

        (byte[] packet, VirtioNetHeader header) = Assert.Single(Run(new Coalescer(), input));
        Assert.Equal(VirtioNetHeader.GsoTcpV6, header.GsoType);
        Assert.Equal(1300, header.GsoSize);
        Assert.Equal(40 + 20 + 13000, packet.Length);
        Assert.Equal(0x18, packet[40 + 13]);

        // Complete the partial checksum as the kernel would; the result is the checksum of the whole superpacket.
        ulong sum = InternetChecksum.Add(packet.AsSpan(header.ChecksumStart), 0);
        InternetChecksum.Write(packet.AsSpan(header.ChecksumStart + header.ChecksumOffset), sum);
        Assert.True(ReferencePackets.ChecksumsVerify(packet));
    }

    [Fact]
    public void Barriers_AndUdp_AreWrittenAlone_AndNothingLaterJoinsASuperpacketFromBeforeThem()
    {
        var spec = new PacketSpec();
        byte[] Segment(uint sequence, byte flags = 0x10, int payload = 1000) =>
            ReferencePackets.Build(spec with { Sequence = sequence, Flags = flags, Payload = new byte[payload] });

        List<byte[]> input =
        [
            Segment(0), Segment(1000),
            Segment(2000, payload: 0),          // a pure ACK
            Segment(2000), Segment(3000),
            Segment(4000, flags: 0x11),         // FIN
            ReferencePackets.Build(new PacketSpec { Protocol = 17, Payload = new byte[100] }),
            Segment(5000, flags: 0x90),         // CWR
            Segment(6000), Segment(7000, flags: 0x50), // ECE differs from the segment before: not merged with it
        ];

        List<(byte[] Packet, VirtioNetHeader Header)> written = Run(new Coalescer(), input);
        Assert.Equal([2, 1, 2, 1, 1, 1, 1, 1], written.Select(SegmentCount));
        Assert.Equal(PerFlow(input), PerFlow(SplitBack(written)));
    }

    [Fact]
    public void SegmentsThatDifferInEcnOrOptions_OrArriveOutOfOrder_AreNotMerged()
    {
        var spec = new PacketSpec { Payload = new byte[500] };
        List<byte[]> input =
        [
            ReferencePackets.Build(spec with { Sequence = 0 }),
            ReferencePackets.Build(spec with { Sequence = 500, TrafficClass = 0x03 }), // ECN CE mark
            ReferencePackets.Build(spec with { Sequence = 1000, TrafficClass = 0x03 }),
            ReferencePackets.Build(spec with { Sequence = 2000, TrafficClass = 0x03 }), // a gap
            ReferencePackets.Build(spec with { Sequence = 1500, TrafficClass = 0x03 }), // the hole, late
            ReferencePackets.Build(spec with { Sequence = 2000, TrafficClass = 0x03, Options = [1, 1, 1, 1] }),
        ];

        List<(byte[] Packet, VirtioNetHeader Header)> written = Run(new Coalescer(), input);
        Assert.Equal(5, written.Count);
        Assert.Equal(VirtioNetHeader.GsoTcpV4, written[1].Header.GsoType);
        Assert.Equal(PerFlow(input), PerFlow(SplitBack(written)));
    }

    [Fact]
    public void CallersBuffers_AreLeftAsTheyWere_SuperpacketsAreBuiltApart()
    {
        var spec = new PacketSpec { Payload = new byte[1000] };
        List<byte[]> input = [.. Enumerable.Range(0, 5).Select(i => ReferencePackets.Build(spec with { Sequence = (uint)(i * 1000) }))];
        byte[][] buffers = [.. input.Select(p => { byte[] b = new byte[Offset + p.Length + 100]; b.AsSpan().Fill(0xA5); p.CopyTo(b, Offset); return b; })];
        byte[][] before = [.. buffers.Select(b => (byte[])b.Clone())];
        int[] sizes = [.. input.Select(p => p.Length)];
        var headers = new VirtioNetHeader[5];
        bool[] merged = new bool[5];
        byte[]?[] superpackets = new byte[]?[5];

        new Coalescer().Coalesce(buffers, sizes, Offset, headers, merged, superpackets);

        Assert.Equal([false, true, true, true, true], merged);
        Assert.Equal(40 + 5000, sizes[0]);
        Assert.NotNull(superpackets[0]);
        Assert.All(Enumerable.Range(0, 5), i => Assert.Equal(before[i], buffers[i]));
    }

    private static int SegmentCount((byte[] Packet, VirtioNetHeader Header) written) =>
        written.Header.GsoType == VirtioNetHeader.GsoNone
            ? 1
            : (written.Packet.Length - written.Header.HeaderLength + written.Header.GsoSize - 1) / written.Header.GsoSize;

    private static byte[] Filled(int length, int value) => Enumerable.Repeat((byte)value, length).ToArray();

    /// <summary>A batch as one peer delivers it: a few TCP flows in both families, with everything that stops a merge.</summary>
    private static List<byte[]> RandomBatch(Random random)
    {
        int flowCount = random.Next(1, 5);
        var flows = new (PacketSpec Spec, uint Next, int Size)[flowCount];
        for (int f = 0; f < flowCount; f++)
        {
            PacketSpec spec = SegmenterTests.RandomSpec(random, allowUdp: false) with { Flags = 0x10 };
            flows[f] = (spec, spec.Sequence, random.Next(1, 1400));
        }

        List<byte[]> batch = [];
        int count = random.Next(1, 129);
        while (batch.Count < count)
        {
            int f = random.Next(flowCount);
            (PacketSpec spec, uint next, int size) = flows[f];
            int roll = random.Next(100);
            int payload = roll < 80 ? size : random.Next(0, size + 50);
            uint sequence = roll switch
            {
                < 85 => next,
                < 90 => next - (uint)size,                // a retransmission
                < 95 => next + (uint)size,                // out of order
                _ => (uint)random.NextInt64(0, 1L << 32),
            };
            byte flags = 0x10;
            if (random.Next(10) == 0)
            {
                flags |= 0x08;
            }

            if (random.Next(40) == 0)
            {
                flags |= new byte[] { 0x01, 0x02, 0x04, 0x20, 0x80, 0x40 }[random.Next(6)];
            }

            PacketSpec segment = spec with
            {
                Sequence = sequence,
                Flags = flags,
                Payload = SegmenterTests.RandomBytes(random, payload),
                TrafficClass = random.Next(30) == 0 ? (byte)(spec.TrafficClass ^ 0x03) : spec.TrafficClass,
                Identification = (ushort)(spec.Identification + batch.Count),
                Window = random.Next(30) == 0 ? (ushort)(spec.Window + 1) : spec.Window,
            };
            batch.Add(ReferencePackets.Build(segment));
            if (random.Next(20) == 0)
            {
                batch.Add(ReferencePackets.Build(new PacketSpec { Protocol = 17, Payload = SegmenterTests.RandomBytes(random, random.Next(0, 1400)) }));
            }

            flows[f].Next = sequence + (uint)payload;
        }

        return batch;
    }

    private static List<(byte[] Packet, VirtioNetHeader Header)> Run(Coalescer coalescer, List<byte[]> input)
    {
        byte[][] buffers = new byte[input.Count][];
        int[] sizes = new int[input.Count];
        for (int i = 0; i < input.Count; i++)
        {
            buffers[i] = new byte[Offset + input[i].Length];
            input[i].CopyTo(buffers[i], Offset);
            sizes[i] = input[i].Length;
        }

        var headers = new VirtioNetHeader[input.Count];
        bool[] merged = new bool[input.Count];
        byte[]?[] superpackets = new byte[]?[input.Count];
        coalescer.Coalesce(buffers, sizes, Offset, headers, merged, superpackets);
        List<(byte[], VirtioNetHeader)> written = [];
        for (int i = 0; i < input.Count; i++)
        {
            if (!merged[i])
            {
                Span<byte> packet = superpackets[i] is byte[] superpacket
                    ? superpacket.AsSpan(VirtioNetHeader.Size, sizes[i])
                    : buffers[i].AsSpan(Offset, sizes[i]);
                written.Add((packet.ToArray(), headers[i]));
            }
        }

        return written;
    }

    /// <summary>The rules of <see cref="Coalescer"/>, written out plainly over parsed fields and lists.</summary>
    private static List<(byte[] Packet, VirtioNetHeader Header)> Reference(List<byte[]> input)
    {
        List<(PacketSpec Head, List<byte[]> Payloads, bool Psh, bool Closed)> outputs = [];
        var current = new Dictionary<string, int>();
        foreach (byte[] packet in input)
        {
            PacketSpec spec = ReferencePackets.Parse(packet);
            if (spec.Protocol != 6)
            {
                outputs.Add((spec, [], false, true));
                continue;
            }

            string key = $"{spec.Version}/{Convert.ToHexString(spec.Source)}/{Convert.ToHexString(spec.Destination)}/{spec.SourcePort}/{spec.DestinationPort}";
            bool barrier = spec.Payload.Length == 0 || (spec.Flags & 0x10) == 0 || (spec.Flags & (0x01 | 0x02 | 0x04 | 0x20 | 0x80)) != 0;
            if (barrier)
            {
                current.Remove(key);
                outputs.Add((spec, [], false, true));
                continue;
            }

            bool psh = (spec.Flags & 0x08) != 0;
            if (current.TryGetValue(key, out int at))
            {
                var (head, payloads, headPsh, closed) = outputs[at];
                int size = head.Payload.Length;
                int length = ReferencePackets.Build(head).Length + payloads.Sum(p => p.Length);
                uint next = head.Sequence + (uint)(size + payloads.Sum(p => p.Length));
                bool fits =
                    !closed && payloads.Count + 1 < Coalescer.MaxSegments && spec.Sequence == next &&
                    spec.Payload.Length <= size && length + spec.Payload.Length <= ushort.MaxValue &&
                    spec.TrafficClass == head.TrafficClass && spec.Ttl == head.Ttl && spec.DontFragment == head.DontFragment &&
                    spec.FlowLabel == head.FlowLabel && spec.Acknowledgment == head.Acknowledgment && spec.Window == head.Window &&
                    (spec.Flags & ~0x08) == (head.Flags & ~0x08) && spec.Options.AsSpan().SequenceEqual(head.Options);
                if (fits)
                {
                    payloads.Add(spec.Payload);
                    outputs[at] = (head, payloads, headPsh || psh, psh || spec.Payload.Length < size);
                    continue;
                }
            }

            current[key] = outputs.Count;
            outputs.Add((spec, [], psh, psh));
        }

        List<(byte[], VirtioNetHeader)> written = [];
        foreach (var (head, payloads, psh, _) in outputs)
        {
            if (payloads.Count == 0)
            {
                written.Add((ReferencePackets.Build(head), default));
                continue;
            }

            byte[] whole = [.. head.Payload, .. payloads.SelectMany(p => p)];
            byte[] packet = ReferencePackets.Build(head with { Payload = whole, Flags = psh ? (byte)(head.Flags | 0x08) : head.Flags });
            int transport = head.Version == 4 ? 20 : 40;
            uint pseudo = ReferencePackets.PseudoHeaderSum(head.Source, head.Destination, 6, packet.Length - transport);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(transport + 16), (ushort)pseudo);
            written.Add((packet, new VirtioNetHeader
            {
                Flags = VirtioNetHeader.NeedsChecksum,
                GsoType = head.Version == 4 ? VirtioNetHeader.GsoTcpV4 : VirtioNetHeader.GsoTcpV6,
                HeaderLength = (ushort)(transport + 20 + head.Options.Length),
                GsoSize = (ushort)head.Payload.Length,
                ChecksumStart = (ushort)transport,
                ChecksumOffset = 16,
            }));
        }

        return written;
    }

    /// <summary>Superpackets cut back into segments by the reference; plain packets as they are.</summary>
    private static List<byte[]> SplitBack(List<(byte[] Packet, VirtioNetHeader Header)> written)
    {
        List<byte[]> packets = [];
        foreach ((byte[] packet, VirtioNetHeader header) in written)
        {
            if (header.GsoType == VirtioNetHeader.GsoNone)
            {
                packets.Add(packet);
            }
            else
            {
                packets.AddRange(ReferencePackets.Segment(packet, header.GsoSize));
            }
        }

        return packets;
    }

    /// <summary>Each flow's packets in order, each described by its fields apart from the IPv4 identification and checksums.</summary>
    private static Dictionary<string, List<string>> PerFlow(List<byte[]> packets)
    {
        var flows = new Dictionary<string, List<string>>();
        foreach (byte[] packet in packets)
        {
            PacketSpec spec = ReferencePackets.Parse(packet);
            string key = $"{spec.Version}/{spec.Protocol}/{Convert.ToHexString(spec.Source)}/{Convert.ToHexString(spec.Destination)}/{spec.SourcePort}/{spec.DestinationPort}";
            string fields = $"{spec.Sequence}/{spec.Acknowledgment}/{spec.Flags}/{spec.Window}/{spec.TrafficClass}/{spec.Ttl}/{spec.FlowLabel}/{Convert.ToHexString(spec.Options)}/{Convert.ToHexString(spec.Payload)}";
            if (!flows.TryGetValue(key, out List<string>? list))
            {
                flows[key] = list = [];
            }

            list.Add(fields);
        }

        return flows;
    }
}
