using System.Buffers.Binary;

namespace Holt.Tun.Offload;

/// <summary>
/// Generic receive offload for TUN writes: consecutive TCP segments of one flow in a batch are merged, in place,
/// into one superpacket that the kernel takes with a single write and passes up its stack as one, as a NIC's GRO
/// would. Everything else is written as it came.
/// </summary>
/// <remarks>
/// <para>
/// A segment joins the flow's current superpacket only if nothing but its sequence number, length, IPv4
/// identification and checksums differs from the superpacket's first segment (the same rule as the kernel's own
/// TCP GRO): same addresses and ports, TOS or traffic class and flow label (so ECN marks never mix), TTL or hop
/// limit, DF bit, header lengths and TCP options, acknowledgment number, window and flags apart from PSH. It must
/// start exactly where the superpacket ends, and carry no more than the first segment's payload. A shorter segment,
/// or one with PSH, ends the superpacket. SYN, FIN, RST, URG and CWR segments, and segments without payload, are
/// never merged, and no later segment of their flow joins a superpacket from before them, so per-flow order holds.
/// </para>
/// <para>
/// A merged superpacket carries a partial checksum (CHECKSUM_PARTIAL: the pseudo-header's sum in the TCP checksum
/// field) that the kernel completes if the packet is forwarded, and takes as verified if it is delivered locally,
/// as it does for everything the kernel's own WireGuard decrypts: the AEAD tag already vouched for every byte.
/// </para>
/// </remarks>
internal sealed class Coalescer
{
    /// <summary>Segments in one superpacket at most, the kernel's own GRO limit.</summary>
    public const int MaxSegments = 64;

    private const byte ProtocolTcp = 6;
    private const byte TcpFin = 0x01;
    private const byte TcpSyn = 0x02;
    private const byte TcpRst = 0x04;
    private const byte TcpPsh = 0x08;
    private const byte TcpAck = 0x10;
    private const byte TcpUrg = 0x20;
    private const byte TcpCwr = 0x80;

    /// <summary>Where a superpacket is built: its virtio header, then up to 64 KiB of packet.</summary>
    public const int SuperpacketBufferSize = VirtioNetHeader.Size + ushort.MaxValue;

    // Superpackets are built in buffers of the coalescer's own, reused from call to call, never in the caller's:
    // appending to a caller's buffer would touch all 64 KiB of every pooled packet buffer in time, and the
    // process's resident memory would grow by as much.
    private readonly List<byte[]> _superpacketBuffers = [];
    private Flow[] _flows = new Flow[16];
    private int _flowCount;
    private int _superpacketsUsed;

    /// <summary>
    /// Merges what can be merged among the packets <c>buffers[i][offset .. offset + sizes[i]]</c>, which it does
    /// not change. Afterwards <c>merged[i]</c> says packet i went into an earlier one and is not to be written;
    /// every other packet is written with <c>headers[i]</c>: from <c>superpackets[i]</c> at
    /// <see cref="VirtioNetHeader.Size"/>, with <c>sizes[i]</c> its new length, if it became a superpacket, or as
    /// it came. The superpacket buffers stay valid until the next call.
    /// </summary>
    public void Coalesce(
        ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset, Span<VirtioNetHeader> headers, Span<bool> merged, Span<byte[]?> superpackets)
    {
        _flowCount = 0;
        _superpacketsUsed = 0;
        for (int i = 0; i < buffers.Length; i++)
        {
            merged[i] = false;
            headers[i] = default;
            superpackets[i] = null;
            Span<byte> packet = buffers[i].AsSpan(offset, sizes[i]);
            if (!Segment.TryParse(packet, out Segment segment))
            {
                continue;
            }

            int flow = FindFlow(buffers, offset, packet, segment);
            if (segment.IsBarrier)
            {
                if (flow >= 0)
                {
                    _flows[flow] = _flows[--_flowCount];
                }

                continue;
            }

            if (flow >= 0 && TryAppend(ref _flows[flow], buffers, sizes, offset, packet, segment, superpackets))
            {
                merged[i] = true;
                continue;
            }

            var head = new Flow
            {
                Head = i,
                SegmentSize = segment.Payload,
                Segments = 1,
                NextSequence = segment.Sequence + (uint)segment.Payload,
                Closed = (segment.Flags & TcpPsh) != 0,
            };
            if (flow >= 0)
            {
                _flows[flow] = head;
            }
            else
            {
                if (_flowCount == _flows.Length)
                {
                    Array.Resize(ref _flows, _flows.Length * 2);
                }

                _flows[_flowCount++] = head;
            }
        }

        for (int i = 0; i < buffers.Length; i++)
        {
            if (superpackets[i] is byte[] superpacket)
            {
                Finish(superpacket.AsSpan(VirtioNetHeader.Size, sizes[i]), i, headers);
            }
        }

        Array.Clear(_flows, 0, _flowCount);
    }

    private int FindFlow(ReadOnlySpan<byte[]> buffers, int offset, ReadOnlySpan<byte> packet, in Segment segment)
    {
        for (int f = 0; f < _flowCount; f++)
        {
            // A flow's head was parsed when it became one; its length field is the first segment's until Finish.
            ReadOnlySpan<byte> head = buffers[_flows[f].Head].AsSpan(offset);
            if ((head[0] >> 4) != segment.Version || !Segment.TryParse(head, out Segment headSegment, checkLength: false))
            {
                continue;
            }

            // Addresses (IPv4 12..20, IPv6 8..40), then the two ports.
            Range addresses = segment.Version == 4 ? 12..20 : 8..40;
            if (head[addresses].SequenceEqual(packet[addresses]) &&
                head.Slice(headSegment.Transport, 4).SequenceEqual(packet.Slice(segment.Transport, 4)))
            {
                return f;
            }
        }

        return -1;
    }

    private bool TryAppend(
        ref Flow flow, ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset, ReadOnlySpan<byte> packet, in Segment segment,
        Span<byte[]?> superpackets)
    {
        int headLength = sizes[flow.Head];
        Span<byte> head = superpackets[flow.Head] is byte[] built
            ? built.AsSpan(VirtioNetHeader.Size)
            : buffers[flow.Head].AsSpan(offset, headLength);
        int t = segment.Transport;
        if (flow.Closed || flow.Segments >= MaxSegments || segment.Sequence != flow.NextSequence ||
            (head[0] & 0x0F) != (packet[0] & 0x0F) ||
            segment.Payload > flow.SegmentSize || ((head[t + 12] >> 4) * 4) != segment.TransportHeader ||
            headLength + segment.Payload > ushort.MaxValue)
        {
            return false;
        }

        bool sameNetwork = segment.Version == 4
            ? head[1] == packet[1] && head[8] == packet[8] && (head[6] & 0x40) == (packet[6] & 0x40) && head[20..t].SequenceEqual(packet[20..t])
            : head[..4].SequenceEqual(packet[..4]) && head[7] == packet[7];

        // Acknowledgment number (8..12), flags apart from PSH (13), window (14..16), options (20..).
        bool sameTransport =
            head.Slice(t + 8, 4).SequenceEqual(packet.Slice(t + 8, 4)) &&
            ((head[t + 13] ^ packet[t + 13]) & ~TcpPsh) == 0 &&
            head.Slice(t + 14, 2).SequenceEqual(packet.Slice(t + 14, 2)) &&
            head.Slice(t + 20, segment.TransportHeader - 20).SequenceEqual(packet.Slice(t + 20, segment.TransportHeader - 20));
        if (!sameNetwork || !sameTransport)
        {
            return false;
        }

        if (superpackets[flow.Head] is null)
        {
            // The flow's second segment: its superpacket starts as a copy of the first.
            byte[] superpacket = RentSuperpacketBuffer();
            head.CopyTo(superpacket.AsSpan(VirtioNetHeader.Size));
            superpackets[flow.Head] = superpacket;
            head = superpacket.AsSpan(VirtioNetHeader.Size);
        }

        int headers = t + segment.TransportHeader;
        packet.Slice(headers, segment.Payload).CopyTo(head[headLength..]);
        sizes[flow.Head] = headLength + segment.Payload;
        flow.NextSequence += (uint)segment.Payload;
        flow.Segments++;
        if ((segment.Flags & TcpPsh) != 0)
        {
            head[t + 13] |= TcpPsh;
            flow.Closed = true;
        }

        if (segment.Payload < flow.SegmentSize)
        {
            flow.Closed = true;
        }

        return true;
    }

    private byte[] RentSuperpacketBuffer()
    {
        if (_superpacketsUsed == _superpacketBuffers.Count)
        {
            _superpacketBuffers.Add(new byte[SuperpacketBufferSize]);
        }

        return _superpacketBuffers[_superpacketsUsed++];
    }

    /// <summary>Gives a superpacket its lengths, its checksums for the kernel and its virtio header.</summary>
    private static void Finish(Span<byte> packet, int index, Span<VirtioNetHeader> headers)
    {
        if (!Segment.TryParse(packet, out Segment segment, checkLength: false))
        {
            return;
        }

        int t = segment.Transport;
        ReadOnlySpan<byte> source, destination;
        if (segment.Version == 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)packet.Length);
            packet.Slice(10, 2).Clear();
            InternetChecksum.Write(packet[10..], InternetChecksum.Add(packet[..t], 0));
            source = packet.Slice(12, 4);
            destination = packet.Slice(16, 4);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(packet.Length - 40));
            source = packet.Slice(8, 16);
            destination = packet.Slice(24, 16);
        }

        ulong pseudo = InternetChecksum.PseudoHeader(source, destination, ProtocolTcp, packet.Length - t);
        InternetChecksum.WritePartial(packet[(t + 16)..], pseudo);
        headers[index] = new VirtioNetHeader
        {
            Flags = VirtioNetHeader.NeedsChecksum,
            GsoType = segment.Version == 4 ? VirtioNetHeader.GsoTcpV4 : VirtioNetHeader.GsoTcpV6,
            HeaderLength = (ushort)(t + segment.TransportHeader),
            GsoSize = (ushort)segment.Payload,
            ChecksumStart = (ushort)t,
            ChecksumOffset = 16,
        };
    }

    private struct Flow
    {
        public int Head;
        public int SegmentSize;
        public int Segments;
        public uint NextSequence;
        public bool Closed;
    }

    /// <summary>What the coalescer reads of a TCP segment in an IPv4 (no fragments) or IPv6 (no extension headers) packet.</summary>
    private readonly struct Segment
    {
        public int Version { get; private init; }

        public int Transport { get; private init; }

        public int TransportHeader { get; private init; }

        /// <summary>Payload bytes by the IP length field, which a superpacket's first segment keeps until it is finished.</summary>
        public int Payload { get; private init; }

        public uint Sequence { get; private init; }

        public byte Flags { get; private init; }

        /// <summary>A segment that is never merged and that ends its flow's current superpacket.</summary>
        public bool IsBarrier =>
            Payload == 0 || (Flags & TcpAck) == 0 || (Flags & (TcpSyn | TcpFin | TcpRst | TcpUrg | TcpCwr)) != 0;

        public static bool TryParse(ReadOnlySpan<byte> packet, out Segment segment, bool checkLength = true)
        {
            segment = default;
            if (packet.Length < 20)
            {
                return false;
            }

            int version = packet[0] >> 4;
            int transport;
            int declared;
            if (version == 4)
            {
                transport = (packet[0] & 0x0F) * 4;
                declared = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
                bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3FFF) != 0;
                if (transport < 20 || packet[9] != ProtocolTcp || fragment)
                {
                    return false;
                }
            }
            else if (version == 6)
            {
                transport = 40;
                if (packet.Length < 40 || packet[6] != ProtocolTcp)
                {
                    return false;
                }

                declared = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) + 40;
            }
            else
            {
                return false;
            }

            if ((checkLength && declared != packet.Length) || declared > packet.Length || transport + 20 > declared)
            {
                return false;
            }

            int transportHeader = (packet[transport + 12] >> 4) * 4;
            if (transportHeader < 20 || transport + transportHeader > declared)
            {
                return false;
            }

            segment = new Segment
            {
                Version = version,
                Transport = transport,
                TransportHeader = transportHeader,
                Payload = declared - transport - transportHeader,
                Sequence = BinaryPrimitives.ReadUInt32BigEndian(packet[(transport + 4)..]),
                Flags = packet[transport + 13],
            };
            return true;
        }
    }
}
