using System.Runtime.InteropServices;

namespace Holt.Interop;

/// <summary>BSD sockets and the batched calls recvmmsg(2) and sendmmsg(2) (sys/socket.h, netinet/in.h).</summary>
internal static unsafe partial class Libc
{
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int AF_NETLINK = 16;

    public const int SOCK_DGRAM = 2;
    public const int SOCK_RAW = 3;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;

    public const int IPPROTO_IP = 0;
    public const int IP_MTU_DISCOVER = 10;
    public const int IP_PMTUDISC_DONT = 0;
    public const int IPPROTO_UDP = 17;
    public const int IPPROTO_IPV6 = 41;
    public const int IPV6_V6ONLY = 26;

    public const int SOL_SOCKET = 1;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;
    public const int SO_SNDBUFFORCE = 32;
    public const int SO_RCVBUFFORCE = 33;
    public const int SO_MARK = 36;

    public const int MSG_TRUNC = 0x20;

    // linux/udp.h: segmentation offload on send (a u16 segment size) and coalescing on receive (an int).
    public const int SOL_UDP = 17;
    public const int UDP_SEGMENT = 103;
    public const int UDP_GRO = 104;

    /// <summary>sizeof(struct cmsghdr) on 64-bit Linux: length (size_t), level, type.</summary>
    public const int CmsgHeaderSize = 16;

    /// <summary>CMSG_SPACE of an int or a u16 on 64-bit Linux: the header, then the data padded to 8 bytes.</summary>
    public const int CmsgSpaceInt = 24;

    /// <summary>sizeof(struct sockaddr_in).</summary>
    public const int SockAddrIn4Size = 16;

    /// <summary>sizeof(struct sockaddr_in6), which also holds a sockaddr_in.</summary>
    public const int SockAddrIn6Size = 28;

    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr: one message of a recvmmsg or sendmmsg batch, and the bytes it moved.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial SafeFdHandle socket(int domain, int type, int protocol);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int bind(int fd, byte* address, uint addressLength);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int getsockname(int fd, byte* address, uint* addressLength);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int setsockopt(int fd, int level, int name, void* value, uint valueLength);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int getsockopt(int fd, int level, int name, void* value, uint* valueLength);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int recvmmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int sendmmsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    /// <summary>setsockopt with an int value; true on success.</summary>
    internal static bool SetSocketOption(int fd, int level, int name, int value) =>
        setsockopt(fd, level, name, &value, sizeof(int)) == 0;
}
