using System.Runtime.InteropServices;

namespace Holt.Interop;

/// <summary>
/// Opening /dev/net/tun and the interface ioctls (linux/if_tun.h, linux/sockios.h). ioctl is variadic in C; its
/// third argument is a pointer or, for TUNSETOFFLOAD, an unsigned long, both of which every Linux ABI passes like a
/// fixed argument of the same size.
/// </summary>
internal static unsafe partial class Libc
{
    public const int O_RDWR = 0x2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    /// <summary>IFNAMSIZ, counting the terminating NUL.</summary>
    public const int IFNAMSIZ = 16;

    public const short IFF_TUN = 0x0001;
    public const uint IFF_UP = 0x1;
    public const short IFF_NO_PI = 0x1000;
    public const short IFF_VNET_HDR = 0x4000;

    // TUNSETOFFLOAD's flags: the offloads the reader of the TUN can take in what it reads.
    public const uint TUN_F_CSUM = 0x01;
    public const uint TUN_F_TSO4 = 0x02;
    public const uint TUN_F_TSO6 = 0x04;
    public const uint TUN_F_TSO_ECN = 0x08;
    public const uint TUN_F_USO4 = 0x20;
    public const uint TUN_F_USO6 = 0x40;

    public const nuint TUNSETIFF = 0x400454ca;
    public const nuint TUNGETIFF = 0x800454d2;
    public const nuint TUNSETOFFLOAD = 0x400454d0;
    public const nuint SIOCGIFFLAGS = 0x8913;
    public const nuint SIOCGIFMTU = 0x8921;
    public const nuint SIOCSIFMTU = 0x8922;
    public const nuint SIOCGIFINDEX = 0x8933;

    /// <summary>struct ifreq: a name, then a union whose first int (ifindex, MTU; flags in its low short) is all Holt uses.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    internal struct IfReq
    {
        public fixed byte Name[IFNAMSIZ];
        public int Value;
    }

    [LibraryImport(LibraryName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial SafeFdHandle open(string path, int flags);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int ioctl(int fd, nuint request, IfReq* request2);

    [LibraryImport(LibraryName, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int ioctl_value(int fd, nuint request, nuint value);
}
