using System.Buffers.Binary;

namespace Holt.Tun.Offload;

/// <summary>
/// struct virtio_net_hdr (linux/virtio_net.h), which a TUN opened with IFF_VNET_HDR puts in front of every packet
/// it reads and expects in front of every packet written. It says whether the packet is a superpacket the kernel
/// left to be segmented (GSO) and whether its transport checksum is left to be completed.
/// </summary>
/// <remarks>
/// <code>
///  0  flags        NEEDS_CSUM (1): checksum the bytes from csum_start and store the result at csum_start + csum_offset
///  1  gso_type     NONE 0, TCPV4 1, UDP 3 (fragmentation offload, never asked for), TCPV6 4, UDP_L4 5; ECN bit 0x80
///  2  hdr_len      bytes of headers in front of the payload
///  4  gso_size     payload bytes per segment
///  6  csum_start   offset of the transport header
///  8  csum_offset  offset of the checksum field from csum_start
/// </code>
/// A TUN without TUNSETVNETLE/BE uses the host's byte order for its legacy header: little-endian on every
/// architecture .NET runs Holt on.
/// </remarks>
internal struct VirtioNetHeader
{
    public const int Size = 10;

    public const byte NeedsChecksum = 1;

    public const byte GsoNone = 0;
    public const byte GsoTcpV4 = 1;
    public const byte GsoUdp = 3;
    public const byte GsoTcpV6 = 4;
    public const byte GsoUdpL4 = 5;
    public const byte GsoEcn = 0x80;

    public byte Flags;
    public byte GsoType;
    public ushort HeaderLength;
    public ushort GsoSize;
    public ushort ChecksumStart;
    public ushort ChecksumOffset;

    public static VirtioNetHeader Read(ReadOnlySpan<byte> bytes) => new()
    {
        Flags = bytes[0],
        GsoType = bytes[1],
        HeaderLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[2..]),
        GsoSize = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]),
        ChecksumStart = BinaryPrimitives.ReadUInt16LittleEndian(bytes[6..]),
        ChecksumOffset = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]),
    };

    /// <summary>A plain packet: nothing to segment, its checksums complete.</summary>
    public static void WriteNone(Span<byte> bytes) => bytes[..Size].Clear();

    public readonly void Write(Span<byte> bytes)
    {
        bytes[0] = Flags;
        bytes[1] = GsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[2..], HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[4..], GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[6..], ChecksumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[8..], ChecksumOffset);
    }
}
