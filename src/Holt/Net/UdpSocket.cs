using Holt.Interop;
using Holt.WireGuard.IO;
using Holt.WireGuard.Noise;
using Microsoft.Extensions.Logging;

namespace Holt.Net;

/// <summary>
/// One non-blocking UDP socket of a <see cref="LinuxUdpBind"/>, for one address family, bound to the wildcard
/// address. Receives wait in poll(2) beside a <see cref="WakeSignal"/>, so <see cref="Dispose"/> returns them 0.
/// </summary>
internal sealed unsafe partial class UdpSocket : IDisposable
{
    /// <summary>
    /// wireguard-go's figure (7 MiB): SO_RCVBUF and SO_SNDBUF are capped by net.core.rmem_max and wmem_max; the
    /// FORCE variants go past the cap with CAP_NET_ADMIN. Either may fail; bursts then drop sooner, nothing worse.
    /// </summary>
    private const int SocketBufferSize = 7 << 20;

    /// <summary>Datagrams per recvmmsg or sendmmsg call; their headers live on the caller's stack.</summary>
    private const int MaxBatch = Limits.BatchSize;

    /// <summary>Datagrams in one UDP GSO message at most (UDP_MAX_SEGMENTS was 64 before Linux 6.x raised it).</summary>
    private const int MaxSegments = 64;

    /// <summary>Bytes in one UDP GSO message at most: under the 64 KiB an IP packet can hold, with its headers.</summary>
    private const int MaxSegmentedBytes = 65000;

    /// <summary>Coalesced messages read in one call at most: one for each <see cref="MaxSegments"/> of a full batch.</summary>
    private const int MaxLandings = MaxBatch / MaxSegments;

    /// <summary>A landing buffer's size: any UDP payload (a coalesced message is itself one under 64 KiB).</summary>
    private const int LandingSize = 65536;

    private readonly SafeFdHandle _fd;
    private readonly WakeSignal _wake;
    private readonly UseGate _gate = new();
    private readonly ILogger _logger;
    private long _droppedReceives;
    private volatile bool _segmentOffload;
    private bool _receiveOffload;
    private long _coalescedReceives;

    // The receiving thread's coalesced messages (see ReceiveCoalesced): where they landed, how many were read,
    // the next to hand out, and how far into it.
    private readonly HeldMessage[] _held = new HeldMessage[MaxLandings];
    private byte[][]? _landings;
    private int _heldCount;
    private int _heldNext;
    private int _heldAt;

    private UdpSocket(SafeFdHandle fd, WakeSignal wake, int family, ushort port, ILogger logger)
    {
        _fd = fd;
        _wake = wake;
        Family = family;
        Port = port;
        _logger = logger;
    }

    /// <summary>AF_INET or AF_INET6.</summary>
    public int Family { get; }

    public ushort Port { get; }

    /// <summary>Whether sends go out as UDP GSO messages: the kernel knows UDP_SEGMENT and has not refused it.</summary>
    public bool SegmentOffload => _segmentOffload;

    /// <summary>Whether receives take coalesced messages (UDP_GRO) and split them.</summary>
    public bool ReceiveOffload => _receiveOffload;

    /// <summary>Messages that carried more than one datagram (UDP_GRO).</summary>
    public long CoalescedReceives => Interlocked.Read(ref _coalescedReceives);

    /// <summary>"off" sends and receives one datagram per message even where the kernel offloads: for comparison.</summary>
    public const string OffloadVariable = "HOLT_UDP_OFFLOAD";

    /// <summary>Datagrams received but not delivered: truncated (larger than the buffer) or from an odd address.</summary>
    public long DroppedReceives => Interlocked.Read(ref _droppedReceives);

    /// <summary>Opens a socket bound to port <paramref name="port"/> (0: any); null with the errno on failure.</summary>
    public static UdpSocket? Open(int family, ushort port, ILogger logger, out int errno)
    {
        SafeFdHandle fd = Libc.socket(family, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, Libc.IPPROTO_UDP);
        if (fd.IsInvalid)
        {
            errno = Libc.LastErrno;
            fd.Dispose();
            return null;
        }

        int s = fd.Fd;
        _ = Libc.SetSocketOption(s, Libc.SOL_SOCKET, Libc.SO_RCVBUF, SocketBufferSize);
        _ = Libc.SetSocketOption(s, Libc.SOL_SOCKET, Libc.SO_SNDBUF, SocketBufferSize);
        _ = Libc.SetSocketOption(s, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, SocketBufferSize);
        _ = Libc.SetSocketOption(s, Libc.SOL_SOCKET, Libc.SO_SNDBUFFORCE, SocketBufferSize);

        // Outer IPv4 packets leave without DF, as the kernel module sends them (it passes df = 0 to the UDP tunnel
        // layer): a router with a smaller MTU fragments them instead of dropping them, so a tunnel whose MTU is
        // too big for the path still carries traffic. IPv6 routers never fragment; there the default path-MTU
        // handling is what the kernel does too.
        if (family == Libc.AF_INET)
        {
            _ = Libc.SetSocketOption(s, Libc.IPPROTO_IP, Libc.IP_MTU_DISCOVER, Libc.IP_PMTUDISC_DONT);
        }

        // The IPv6 socket must not claim the IPv4 port through mapped addresses: the IPv4 socket has it.
        if (family == Libc.AF_INET6 && !Libc.SetSocketOption(s, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, 1))
        {
            errno = Libc.LastErrno;
            fd.Dispose();
            return null;
        }

        byte* address = stackalloc byte[SockAddr.Size];
        int length = SockAddr.Write(Any(family, port), new Span<byte>(address, SockAddr.Size));
        uint boundLength = SockAddr.Size;
        if (Libc.bind(s, address, (uint)length) != 0 || Libc.getsockname(s, address, &boundLength) != 0)
        {
            errno = Libc.LastErrno;
            fd.Dispose();
            return null;
        }

        ushort boundPort = SockAddr.TryRead(new ReadOnlySpan<byte>(address, (int)Math.Min(boundLength, SockAddr.Size)), out var bound)
            ? bound.Port
            : port;

        // A kernel that knows UDP_SEGMENT (Linux 4.18) reads it back; one that does not says ENOPROTOOPT.
        int segment = 0;
        uint segmentLength = sizeof(int);
        bool offload = Environment.GetEnvironmentVariable(OffloadVariable) != "off";
        bool segmentation = offload && Libc.getsockopt(s, Libc.SOL_UDP, Libc.UDP_SEGMENT, &segment, &segmentLength) == 0;

        // UDP_GRO (Linux 5.0): the kernel may hand over a run of one flow's datagrams as one message.
        bool coalescing = offload && Libc.SetSocketOption(s, Libc.SOL_UDP, Libc.UDP_GRO, 1);

        try
        {
            errno = 0;
            return new UdpSocket(fd, WakeSignal.Create(), family, boundPort, logger)
            {
                _segmentOffload = segmentation,
                _receiveOffload = coalescing,

                // Made here rather than on first use, so that the packet path never allocates; untouched until
                // a coalesced message arrives, they cost no resident memory before.
                _landings = coalescing ? NewLandings() : null,
            };
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Sets SO_MARK; returns 0 or the errno.</summary>
    public int SetMark(uint mark)
    {
        if (!_gate.TryEnter())
        {
            return 0;
        }

        try
        {
            return Libc.SetSocketOption(_fd.Fd, Libc.SOL_SOCKET, Libc.SO_MARK, (int)mark) ? 0 : Libc.LastErrno;
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>Reads an int socket option back (SO_MARK, SO_RCVBUF), for tests and diagnostics; null once closed.</summary>
    public int? GetOption(int level, int name)
    {
        if (!_gate.TryEnter())
        {
            return null;
        }

        try
        {
            int value = 0;
            uint length = sizeof(int);
            return Libc.getsockopt(_fd.Fd, level, name, &value, &length) == 0 ? value : null;
        }
        finally
        {
            _gate.Exit();
        }
    }

    public void Dispose()
    {
        if (!_gate.Close())
        {
            return;
        }

        _wake.Set();
        if (!_gate.WaitUntilIdle(TimeSpan.FromSeconds(5)))
        {
            _logger.StuckCall();
            return;
        }

        _fd.Dispose();
        _wake.Dispose();
    }

    private static ReadOnlySpan<byte> IPv6Any => new byte[16];

    private static Endpoint Any(int family, ushort port) =>
        family == Libc.AF_INET ? Endpoint.FromIPv4(0u, port) : Endpoint.FromIPv6(IPv6Any, port);
}
