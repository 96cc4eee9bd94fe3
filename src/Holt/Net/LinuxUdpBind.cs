using System.Net.Sockets;
using Holt.Interop;
using Holt.WireGuard.IO;
using Holt.WireGuard.Noise;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Holt.Net;

/// <summary>
/// The engine's UDP side on Linux: an IPv4 socket and an IPv6-only socket on one port, as wireguard-go's
/// StdNetBind has, each pumped by its own receiver. Where IPv6 is disabled it carries on with IPv4 alone.
/// </summary>
/// <remarks>
/// Open fails with a <see cref="SocketException"/> whose SocketErrorCode names the cause and whose ErrorCode is
/// the errno (98, EADDRINUSE, for a taken port); the engine wraps it in a DeviceConfigurationException.
/// Sends read the open sockets without a lock: a socket closed under a send makes the send return false.
/// </remarks>
internal sealed class LinuxUdpBind : IDatagramBind
{
    // With port 0, the port the kernel picked for IPv4 may be taken for IPv6; wireguard-go tries 100 times.
    private const int PortAttempts = 100;

    private readonly Lock _sync = new();
    private readonly ILogger _logger;
    private volatile UdpSocket? _ipv4;
    private volatile UdpSocket? _ipv6;
    private uint _mark;

    public LinuxUdpBind(ILogger? logger = null) => _logger = logger ?? NullLogger.Instance;

    public int BatchSize => Limits.BatchSize;

    /// <summary>The bound port, 0 while closed.</summary>
    public ushort Port => (_ipv4 ?? _ipv6)?.Port ?? 0;

    /// <summary>Whether an IPv6 socket is open (false where the host has IPv6 disabled).</summary>
    public bool HasIPv6 => _ipv6 is not null;

    /// <summary>Datagrams received but dropped (truncated, odd source) on the open sockets.</summary>
    public long DroppedReceives => (_ipv4?.DroppedReceives ?? 0) + (_ipv6?.DroppedReceives ?? 0);

    public IReadOnlyList<DatagramReceiver> Open(ushort port, out ushort actualPort)
    {
        lock (_sync)
        {
            if (_ipv4 is not null || _ipv6 is not null)
            {
                throw new InvalidOperationException($"the UDP bind is already open on port {Port}");
            }

            (UdpSocket? ipv4, UdpSocket? ipv6) = OpenPair(port);
            if (_mark != 0)
            {
                ApplyMark(ipv4, ipv6, _mark);
            }

            _ipv4 = ipv4;
            _ipv6 = ipv6;
            actualPort = (ipv4 ?? ipv6)!.Port;
            _logger.Listening(actualPort, ipv4 is null ? "IPv6" : ipv6 is null ? "IPv4" : "IPv4, IPv6");

            var receivers = new List<DatagramReceiver>(2);
            if (ipv4 is not null)
            {
                receivers.Add(ipv4.Receive);
            }

            if (ipv6 is not null)
            {
                receivers.Add(ipv6.Receive);
            }

            return receivers;
        }
    }

    public void Close()
    {
        lock (_sync)
        {
            UdpSocket? ipv4 = _ipv4;
            UdpSocket? ipv6 = _ipv6;
            _ipv4 = null;
            _ipv6 = null;
            ipv4?.Dispose();
            ipv6?.Dispose();
        }
    }

    /// <summary>Sets SO_MARK on both sockets now and on those of later opens. A failure (no CAP_NET_ADMIN) is logged.</summary>
    public void SetMark(uint mark)
    {
        lock (_sync)
        {
            bool changed = mark != _mark;
            _mark = mark;

            // Fresh sockets carry mark 0 already; setting it would need CAP_NET_ADMIN for nothing.
            if (changed || mark != 0)
            {
                ApplyMark(_ipv4, _ipv6, mark);
            }
        }
    }

    public bool Send(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset, Endpoint destination)
    {
        if (!destination.IsSet)
        {
            return false;
        }

        UdpSocket? socket = destination.IsIPv6 ? _ipv6 : _ipv4;
        return socket is not null && socket.Send(buffers, sizes, offset, destination);
    }

    public void Dispose() => Close();

    /// <summary>An int socket option of the open socket of one family (SO_MARK, SO_RCVBUF); null if none is open.</summary>
    internal int? GetSocketOption(AddressFamily family, int level, int name) =>
        (family == AddressFamily.InterNetwork ? _ipv4 : _ipv6)?.GetOption(level, name);

    /// <summary>Messages of several datagrams the sockets received (UDP_GRO).</summary>
    internal long CoalescedReceives => (_ipv4?.CoalescedReceives ?? 0) + (_ipv6?.CoalescedReceives ?? 0);

    /// <summary>Whether the open socket of one family takes coalesced messages (UDP_GRO); null if none is open.</summary>
    internal bool? ReceiveOffload(AddressFamily family) => (family == AddressFamily.InterNetwork ? _ipv4 : _ipv6)?.ReceiveOffload;

    /// <summary>Whether the open socket of one family sends as UDP GSO; null if none is open.</summary>
    internal bool? SegmentOffload(AddressFamily family) => (family == AddressFamily.InterNetwork ? _ipv4 : _ipv6)?.SegmentOffload;

    private (UdpSocket? IPv4, UdpSocket? IPv6) OpenPair(ushort port)
    {
        for (int attempt = 1; ; attempt++)
        {
            UdpSocket? ipv4 = UdpSocket.Open(Libc.AF_INET, port, _logger, out int errno);
            if (ipv4 is null && errno != Errno.EAFNOSUPPORT)
            {
                throw SocketErrors.Create(errno, "for IPv4");
            }

            UdpSocket? ipv6 = UdpSocket.Open(Libc.AF_INET6, ipv4?.Port ?? port, _logger, out errno);
            if (ipv6 is not null)
            {
                return (ipv4, ipv6);
            }

            if (errno == Errno.EADDRINUSE && port == 0 && ipv4 is not null && attempt < PortAttempts)
            {
                ipv4.Dispose();
                continue;
            }

            // IPv6 disabled: no socket at all (ipv6.disable=1) or no address to bind (disable_ipv6=1).
            if ((errno == Errno.EAFNOSUPPORT || errno == Errno.EADDRNOTAVAIL) && ipv4 is not null)
            {
                _logger.Ipv6Unavailable(errno);
                return (ipv4, null);
            }

            ipv4?.Dispose();
            throw SocketErrors.Create(errno, "for IPv6");
        }
    }

    private void ApplyMark(UdpSocket? ipv4, UdpSocket? ipv6, uint mark)
    {
        foreach (UdpSocket? socket in (ReadOnlySpan<UdpSocket?>)[ipv4, ipv6])
        {
            int errno = socket?.SetMark(mark) ?? 0;
            if (errno != 0)
            {
                _logger.MarkFailed(mark, errno);
                return;
            }
        }
    }
}
