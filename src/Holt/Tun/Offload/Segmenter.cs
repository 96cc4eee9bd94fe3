using System.Buffers.Binary;

namespace Holt.Tun.Offload;

/// <summary>
/// Turns what a TUN with offloads gives (a <see cref="VirtioNetHeader"/> and a packet that may be a TCP or UDP
/// superpacket of up to 64 KiB, or carry a checksum left for the device) into plain MTU-sized IP packets with
/// every checksum complete, as a NIC's TSO and USO would put them on the wire.
/// </summary>
/// <remarks>
/// The TUN reads into <see cref="ReadBuffer"/>; <see cref="Load"/> checks what arrived; <see cref="Take"/> writes
/// segments into the caller's buffers and keeps what did not fit for the next call, so a superpacket is never cut
/// short by a small batch. Each segment copies the headers and its share of the payload, then fixes what differs
/// per segment: IPv4 total length, identification and header checksum, IPv6 payload length, the TCP sequence
/// number and flags (FIN and PSH only on the last segment, CWR only on the first, as the kernel's own
/// segmentation does), the UDP length, and the transport checksum.
/// </remarks>
internal sealed class Segmenter
{
    /// <summary>The largest IP packet, behind its virtio header.</summary>
    public const int ReadBufferSize = VirtioNetHeader.Size + ushort.MaxValue;

    private const byte ProtocolTcp = 6;
    private const byte ProtocolUdp = 17;
    private const byte TcpFin = 0x01;
    private const byte TcpPsh = 0x08;
    private const byte TcpCwr = 0x80;

    private readonly byte[] _read = new byte[ReadBufferSize];
    private int _length;
    private Kind _kind;
    private int _version;
    private int _transport;
    private int _headerLength;
    private int _segmentSize;
    private int _segments;
    private int _next;
    private ushort _checksumField;

    private enum Kind
    {
        Empty,
        Plain,
        CompleteChecksum,
        Tcp,
        Udp,
    }

    /// <summary>Where the TUN reads: the virtio header, then the packet.</summary>
    public Span<byte> ReadBuffer => _read;

    /// <summary>Whether packets of the last loaded read are still to be taken.</summary>
    public bool HasPending => _kind != Kind.Empty && _next < _segments;

    /// <summary>
    /// Checks the <paramref name="readLength"/> bytes the TUN put in <see cref="ReadBuffer"/>. False if they cannot
    /// be turned into packets (too short, a header that contradicts the packet, an offload never asked for); the
    /// caller drops them.
    /// </summary>
    public bool Load(int readLength)
    {
        _kind = Kind.Empty;
        _next = 0;
        _segments = 0;
        if (readLength <= VirtioNetHeader.Size)
        {
            return false;
        }

        VirtioNetHeader header = VirtioNetHeader.Read(_read);
        _length = readLength - VirtioNetHeader.Size;
        ReadOnlySpan<byte> packet = _read.AsSpan(VirtioNetHeader.Size, _length);
        _version = packet[0] >> 4;
        byte gso = (byte)(header.GsoType & ~VirtioNetHeader.GsoEcn);
        if (gso == VirtioNetHeader.GsoNone)
        {
            _segments = 1;
            if ((header.Flags & VirtioNetHeader.NeedsChecksum) == 0)
            {
                _kind = Kind.Plain;
                return true;
            }

            _transport = header.ChecksumStart;
            _checksumField = (ushort)(header.ChecksumStart + header.ChecksumOffset);
            if (_checksumField + 2 > _length)
            {
                return false;
            }

            _kind = Kind.CompleteChecksum;
            return true;
        }

        bool tcp = gso is VirtioNetHeader.GsoTcpV4 or VirtioNetHeader.GsoTcpV6;
        if (!tcp && gso != VirtioNetHeader.GsoUdpL4)
        {
            return false;
        }

        int version = gso switch
        {
            VirtioNetHeader.GsoTcpV4 => 4,
            VirtioNetHeader.GsoTcpV6 => 6,
            _ => _version,
        };
        _transport = header.ChecksumStart;
        if (_version != version || !TransportStartIsValid(packet, _transport))
        {
            return false;
        }

        int transportHeader;
        if (tcp)
        {
            if (_transport + 20 > _length)
            {
                return false;
            }

            transportHeader = (packet[_transport + 12] >> 4) * 4;
            if (transportHeader < 20)
            {
                return false;
            }
        }
        else
        {
            transportHeader = 8;
        }

        _headerLength = _transport + transportHeader;
        _segmentSize = header.GsoSize;
        if (_headerLength > _length || _segmentSize == 0 || !TotalLengthMatches(packet))
        {
            return false;
        }

        int payload = _length - _headerLength;
        _segments = Math.Max(1, (payload + _segmentSize - 1) / _segmentSize);
        _kind = tcp ? Kind.Tcp : Kind.Udp;
        return true;
    }

    /// <summary>
    /// Writes the pending packets into <c>buffers[start..]</c> at <paramref name="offset"/>, their lengths into
    /// <paramref name="sizes"/>, as many as fit, and returns how many. A buffer too small for its segment ends the
    /// read: what was left is dropped and counted in <paramref name="dropped"/>.
    /// </summary>
    public int Take(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset, int start, ref long dropped)
    {
        int written = 0;
        while (HasPending && start + written < buffers.Length)
        {
            Span<byte> destination = buffers[start + written].AsSpan(offset);
            int size = _kind switch
            {
                Kind.Plain => CopyWhole(destination),
                Kind.CompleteChecksum => CopyCompletingChecksum(destination),
                _ => WriteSegment(destination, _next),
            };
            if (size < 0)
            {
                dropped += _segments - _next;
                _kind = Kind.Empty;
                break;
            }

            sizes[start + written] = size;
            written++;
            _next++;
        }

        return written;
    }

    private ReadOnlySpan<byte> Packet => _read.AsSpan(VirtioNetHeader.Size, _length);

    private bool TransportStartIsValid(ReadOnlySpan<byte> packet, int transport)
    {
        if (_version == 4)
        {
            // No options are expected from the kernel's own stack, but they are carried if present.
            return packet.Length >= 20 && (packet[0] & 0x0F) * 4 == transport && transport >= 20;
        }

        // IPv6 extension headers, if any, lie between the fixed header and the transport header.
        return _version == 6 && transport >= 40;
    }

    private bool TotalLengthMatches(ReadOnlySpan<byte> packet)
    {
        // The kernel fills the length fields of a superpacket with its whole length; anything else is not one.
        int declared = _version == 4
            ? BinaryPrimitives.ReadUInt16BigEndian(packet[2..])
            : BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) + 40;
        return declared == packet.Length;
    }

    private int CopyWhole(Span<byte> destination)
    {
        if (_length > destination.Length)
        {
            return -1;
        }

        Packet.CopyTo(destination);
        return _length;
    }

    private int CopyCompletingChecksum(Span<byte> destination)
    {
        if (_length > destination.Length || _transport >= _checksumField)
        {
            return -1;
        }

        Span<byte> packet = destination[.._length];
        Packet.CopyTo(packet);

        // The field holds the pseudo-header's sum; summing from the transport header over it completes the checksum.
        ulong sum = InternetChecksum.Add(packet[_transport..], 0);
        ushort checksum = (ushort)~InternetChecksum.Fold(sum);
        BinaryPrimitives.WriteUInt16LittleEndian(packet[_checksumField..], checksum == 0 ? (ushort)0xFFFF : checksum);
        return _length;
    }

    private int WriteSegment(Span<byte> destination, int index)
    {
        ReadOnlySpan<byte> source = Packet;
        int payloadStart = _headerLength + (index * _segmentSize);
        int payload = Math.Min(_segmentSize, _length - payloadStart);
        int total = _headerLength + payload;
        if (total > destination.Length)
        {
            return -1;
        }

        Span<byte> packet = destination[..total];
        source[.._headerLength].CopyTo(packet);
        source.Slice(payloadStart, payload).CopyTo(packet[_headerLength..]);

        ReadOnlySpan<byte> sourceAddress, destinationAddress;
        if (_version == 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)total);
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(source[4..]);
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(id + index));
            packet.Slice(10, 2).Clear();
            InternetChecksum.Write(packet[10..], InternetChecksum.Add(packet[.._transport], 0));
            sourceAddress = packet.Slice(12, 4);
            destinationAddress = packet.Slice(16, 4);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(total - 40));
            sourceAddress = packet.Slice(8, 16);
            destinationAddress = packet.Slice(24, 16);
        }

        Span<byte> transport = packet[_transport..];
        int checksumAt;
        byte protocol;
        if (_kind == Kind.Tcp)
        {
            uint sequence = BinaryPrimitives.ReadUInt32BigEndian(source[(_transport + 4)..]);
            BinaryPrimitives.WriteUInt32BigEndian(transport[4..], sequence + (uint)(index * _segmentSize));
            byte flags = transport[13];
            if (index != _segments - 1)
            {
                flags &= unchecked((byte)~(TcpFin | TcpPsh));
            }

            if (index != 0)
            {
                flags &= unchecked((byte)~TcpCwr);
            }

            transport[13] = flags;
            checksumAt = 16;
            protocol = ProtocolTcp;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(transport[4..], (ushort)transport.Length);
            checksumAt = 6;
            protocol = ProtocolUdp;
        }

        transport.Slice(checksumAt, 2).Clear();
        ulong sum = InternetChecksum.PseudoHeader(sourceAddress, destinationAddress, protocol, transport.Length);
        sum = InternetChecksum.Add(transport, sum);
        ushort checksum = (ushort)~InternetChecksum.Fold(sum);

        // A UDP checksum that computes to 0 is sent as all ones (RFC 768); for TCP the two are the same number.
        BinaryPrimitives.WriteUInt16LittleEndian(transport[checksumAt..], checksum == 0 ? (ushort)0xFFFF : checksum);
        return total;
    }
}
