using System.Runtime.InteropServices;
using Holt.Interop;

namespace Holt.Tun;

/// <summary>What one rtnetlink datagram says about one interface.</summary>
[StructLayout(LayoutKind.Auto)]
internal struct LinkReport
{
    /// <summary>An RTM_DELLINK named the interface.</summary>
    public bool Deleted;

    /// <summary>The MTU of the last RTM_NEWLINK that named the interface and carried IFLA_MTU; 0 if none.</summary>
    public int Mtu;

    /// <summary>The kernel said it dropped notifications (NLMSG_OVERRUN).</summary>
    public bool Overrun;

    /// <summary>An RTM_NEWLINK named the interface; <see cref="Flags"/> are then its ifi_flags.</summary>
    public bool HasFlags;

    /// <summary>The ifi_flags (IFF_UP and friends) of the last RTM_NEWLINK that named the interface.</summary>
    public uint Flags;
}

/// <summary>
/// Reads link notifications (RTM_NEWLINK, RTM_DELLINK) out of an rtnetlink datagram. The input comes from the
/// kernel but is parsed as if hostile: every length is checked against what is left, and anything odd ends the
/// walk rather than the process. Netlink is in host byte order, hence <see cref="MemoryMarshal.Read{T}"/>.
/// </summary>
/// <remarks>
/// <code>
/// struct nlmsghdr  { u32 nlmsg_len; u16 nlmsg_type; u16 nlmsg_flags; u32 nlmsg_seq; u32 nlmsg_pid; }   16 bytes
/// struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; }                16 bytes
/// struct rtattr    { u16 rta_len; u16 rta_type; payload, padded to 4 }                                 4 + n bytes
/// </code>
/// </remarks>
internal static class LinkMessages
{
    public const int HeaderSize = 16;
    public const int IfInfoSize = 16;
    private const int IfInfoIndexOffset = 4;
    private const int IfInfoFlagsOffset = 8;
    private const int AttributeHeaderSize = 4;

    // NLA_F_NESTED and NLA_F_NET_BYTEORDER ride in the top bits of rta_type.
    private const ushort AttributeTypeMask = 0x3fff;

    public static LinkReport Parse(ReadOnlySpan<byte> datagram, int interfaceIndex)
    {
        var report = default(LinkReport);
        while (datagram.Length >= HeaderSize)
        {
            uint length = MemoryMarshal.Read<uint>(datagram);
            ushort type = MemoryMarshal.Read<ushort>(datagram[4..]);
            if (length < HeaderSize || length > (uint)datagram.Length)
            {
                break;
            }

            ReadOnlySpan<byte> payload = datagram[HeaderSize..(int)length];
            switch (type)
            {
                case Libc.RTM_NEWLINK or Libc.RTM_DELLINK when payload.Length >= IfInfoSize:
                    if (MemoryMarshal.Read<int>(payload[IfInfoIndexOffset..]) == interfaceIndex)
                    {
                        if (type == Libc.RTM_DELLINK)
                        {
                            report.Deleted = true;
                        }
                        else
                        {
                            report.HasFlags = true;
                            report.Flags = MemoryMarshal.Read<uint>(payload[IfInfoFlagsOffset..]);
                            if (FindMtu(payload[IfInfoSize..]) is int mtu and > 0)
                            {
                                report.Mtu = mtu;
                            }
                        }
                    }

                    break;
                case Libc.NLMSG_OVERRUN:
                    report.Overrun = true;
                    break;
                case Libc.NLMSG_DONE:
                    return report;
            }

            int next = Align(length);
            if (next >= datagram.Length)
            {
                break;
            }

            datagram = datagram[next..];
        }

        return report;
    }

    private static int? FindMtu(ReadOnlySpan<byte> attributes)
    {
        while (attributes.Length >= AttributeHeaderSize)
        {
            ushort length = MemoryMarshal.Read<ushort>(attributes);
            ushort type = (ushort)(MemoryMarshal.Read<ushort>(attributes[2..]) & AttributeTypeMask);
            if (length < AttributeHeaderSize || length > attributes.Length)
            {
                return null;
            }

            if (type == Libc.IFLA_MTU && length >= AttributeHeaderSize + sizeof(uint))
            {
                return (int)Math.Min(MemoryMarshal.Read<uint>(attributes[AttributeHeaderSize..]), int.MaxValue);
            }

            int next = Align(length);
            if (next >= attributes.Length)
            {
                return null;
            }

            attributes = attributes[next..];
        }

        return null;
    }

    private static int Align(uint length) => (int)Math.Min((length + 3) & ~3u, int.MaxValue);
}
