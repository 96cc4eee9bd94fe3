using System.Buffers.Binary;

namespace Holt.Tests.Tun.Offload;

/// <summary>A TCP or UDP packet's fields, from which <see cref="ReferencePackets"/> builds its bytes the slow way.</summary>
internal sealed record PacketSpec
{
    public int Version { get; init; } = 4;

    public byte Protocol { get; init; } = 6;

    public byte[] Source { get; init; } = [10, 0, 0, 1];

    public byte[] Destination { get; init; } = [10, 0, 0, 2];

    public ushort SourcePort { get; init; } = 40000;

    public ushort DestinationPort { get; init; } = 5201;

    public uint Sequence { get; init; }

    public uint Acknowledgment { get; init; } = 1;

    public byte Flags { get; init; } = 0x10;

    public ushort Window { get; init; } = 502;

    public byte[] Options { get; init; } = [];

    public byte[] Payload { get; init; } = [];

    /// <summary>IPv4 TOS or IPv6 traffic class; its two low bits are ECN.</summary>
    public byte TrafficClass { get; init; }

    public byte Ttl { get; init; } = 64;

    public ushort Identification { get; init; }

    public bool DontFragment { get; init; } = true;

    public int FlowLabel { get; init; }
}

/// <summary>
/// Packets built and checked field by field, independently of the offload code under test: the slow reference
/// the segmenter and the coalescer are compared against.
/// </summary>
internal static class ReferencePackets
{
    /// <summary>RFC 1071 as written: the one's complement sum of big-endian 16-bit words, complemented.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        uint sum = initial;
        for (int i = 0; i < data.Length; i += 2)
        {
            int word = data[i] << 8;
            if (i + 1 < data.Length)
            {
                word |= data[i + 1];
            }

            sum += (uint)word;
            while (sum > 0xFFFF)
            {
                sum = (sum & 0xFFFF) + (sum >> 16);
            }
        }

        return (ushort)~sum;
    }

    /// <summary>The uncomplemented one's complement sum of the pseudo-header.</summary>
    public static uint PseudoHeaderSum(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, int length)
    {
        byte[] pseudo = [.. source, .. destination, 0, protocol, (byte)(length >> 8), (byte)length];
        return (ushort)~Checksum(pseudo);
    }

    public static byte[] Build(PacketSpec spec)
    {
        int transportHeader = spec.Protocol == 6 ? 20 + spec.Options.Length : 8;
        int ipHeader = spec.Version == 4 ? 20 : 40;
        int total = ipHeader + transportHeader + spec.Payload.Length;
        byte[] packet = new byte[total];
        if (spec.Version == 4)
        {
            packet[0] = 0x45;
            packet[1] = spec.TrafficClass;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)total);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), spec.Identification);
            packet[6] = spec.DontFragment ? (byte)0x40 : (byte)0;
            packet[8] = spec.Ttl;
            packet[9] = spec.Protocol;
            spec.Source.CopyTo(packet, 12);
            spec.Destination.CopyTo(packet, 16);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, 20)));
        }
        else
        {
            uint first = (6u << 28) | ((uint)spec.TrafficClass << 20) | ((uint)spec.FlowLabel & 0xFFFFF);
            BinaryPrimitives.WriteUInt32BigEndian(packet, first);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(total - 40));
            packet[6] = spec.Protocol;
            packet[7] = spec.Ttl;
            spec.Source.CopyTo(packet, 8);
            spec.Destination.CopyTo(packet, 24);
        }

        Span<byte> transport = packet.AsSpan(ipHeader);
        BinaryPrimitives.WriteUInt16BigEndian(transport, spec.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(transport[2..], spec.DestinationPort);
        int checksumAt;
        if (spec.Protocol == 6)
        {
            BinaryPrimitives.WriteUInt32BigEndian(transport[4..], spec.Sequence);
            BinaryPrimitives.WriteUInt32BigEndian(transport[8..], spec.Acknowledgment);
            transport[12] = (byte)((transportHeader / 4) << 4);
            transport[13] = spec.Flags;
            BinaryPrimitives.WriteUInt16BigEndian(transport[14..], spec.Window);
            spec.Options.CopyTo(transport[20..]);
            checksumAt = 16;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(transport[4..], (ushort)transport.Length);
            checksumAt = 6;
        }

        spec.Payload.CopyTo(transport[transportHeader..]);
        uint pseudo = PseudoHeaderSum(spec.Source, spec.Destination, spec.Protocol, transport.Length);
        ushort checksum = Checksum(transport, pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(transport[checksumAt..], spec.Protocol == 17 && checksum == 0 ? (ushort)0xFFFF : checksum);
        return packet;
    }

    /// <summary>Whether the IPv4 header checksum (if any) and the transport checksum of a plain packet verify.</summary>
    public static bool ChecksumsVerify(ReadOnlySpan<byte> packet)
    {
        int version = packet[0] >> 4;
        int ipHeader = version == 4 ? (packet[0] & 0x0F) * 4 : 40;
        if (version == 4 && Checksum(packet[..ipHeader]) != 0)
        {
            return false;
        }

        byte protocol = version == 4 ? packet[9] : packet[6];
        ReadOnlySpan<byte> source = version == 4 ? packet.Slice(12, 4) : packet.Slice(8, 16);
        ReadOnlySpan<byte> destination = version == 4 ? packet.Slice(16, 4) : packet.Slice(24, 16);
        ReadOnlySpan<byte> transport = packet[ipHeader..];
        return Checksum(transport, PseudoHeaderSum(source, destination, protocol, transport.Length)) == 0;
    }

    /// <summary>
    /// Cuts a superpacket into segments of <paramref name="segmentSize"/> payload bytes the way RFC 793 and the
    /// kernel's GSO describe it, field by field from the headers, for comparison with the segmenter's output.
    /// </summary>
    public static List<byte[]> Segment(ReadOnlySpan<byte> superpacket, int segmentSize)
    {
        PacketSpec spec = Parse(superpacket);
        List<byte[]> segments = [];
        int count = Math.Max(1, (spec.Payload.Length + segmentSize - 1) / segmentSize);
        for (int i = 0; i < count; i++)
        {
            int start = i * segmentSize;
            int length = Math.Min(segmentSize, spec.Payload.Length - start);
            byte flags = spec.Flags;
            if (i != count - 1)
            {
                flags &= 0xF6;
            }

            if (i != 0)
            {
                flags &= 0x7F;
            }

            segments.Add(Build(spec with
            {
                Sequence = spec.Sequence + (uint)start,
                Identification = (ushort)(spec.Identification + i),
                Flags = flags,
                Payload = spec.Payload.AsSpan(start, length).ToArray(),
            }));
        }

        return segments;
    }

    /// <summary>Reads back the fields <see cref="Build"/> writes (IPv4 without options, IPv6 without extension headers).</summary>
    public static PacketSpec Parse(ReadOnlySpan<byte> packet)
    {
        int version = packet[0] >> 4;
        int ipHeader = version == 4 ? 20 : 40;
        byte protocol = version == 4 ? packet[9] : packet[6];
        ReadOnlySpan<byte> transport = packet[ipHeader..];
        int transportHeader = protocol == 6 ? (transport[12] >> 4) * 4 : 8;
        uint first = BinaryPrimitives.ReadUInt32BigEndian(packet);
        return new PacketSpec
        {
            Version = version,
            Protocol = protocol,
            Source = (version == 4 ? packet.Slice(12, 4) : packet.Slice(8, 16)).ToArray(),
            Destination = (version == 4 ? packet.Slice(16, 4) : packet.Slice(24, 16)).ToArray(),
            SourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport),
            DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]),
            Sequence = protocol == 6 ? BinaryPrimitives.ReadUInt32BigEndian(transport[4..]) : 0,
            Acknowledgment = protocol == 6 ? BinaryPrimitives.ReadUInt32BigEndian(transport[8..]) : 0,
            Flags = protocol == 6 ? transport[13] : (byte)0,
            Window = protocol == 6 ? BinaryPrimitives.ReadUInt16BigEndian(transport[14..]) : (ushort)0,
            Options = protocol == 6 ? transport[20..transportHeader].ToArray() : [],
            Payload = transport[transportHeader..].ToArray(),
            TrafficClass = version == 4 ? packet[1] : (byte)((first >> 20) & 0xFF),
            Ttl = version == 4 ? packet[8] : packet[7],
            Identification = version == 4 ? BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) : (ushort)0,
            DontFragment = version == 4 && (packet[6] & 0x40) != 0,
            FlowLabel = version == 6 ? (int)(first & 0xFFFFF) : 0,
        };
    }
}
