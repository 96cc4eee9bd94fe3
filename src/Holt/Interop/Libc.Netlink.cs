using System.Runtime.InteropServices;

namespace Holt.Interop;

/// <summary>rtnetlink: link notifications (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h).</summary>
internal static partial class Libc
{
    public const int NETLINK_ROUTE = 0;
    public const uint RTMGRP_LINK = 0x1;

    public const ushort NLMSG_DONE = 3;
    public const ushort NLMSG_OVERRUN = 4;
    public const ushort RTM_NEWLINK = 16;
    public const ushort RTM_DELLINK = 17;

    public const ushort IFLA_MTU = 4;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockAddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint PortId;
        public uint Groups;
    }
}
