using Holt.Interop;
using Microsoft.Extensions.Logging;

namespace Holt.Tun;

/// <summary>What a <see cref="LinkMonitor"/> reports about its interface, on the monitor's thread.</summary>
internal interface ILinkListener
{
    /// <summary>RTM_NEWLINK with an MTU: the interface's MTU is now <paramref name="mtu"/>.</summary>
    void OnMtuChanged(int mtu);

    /// <summary>RTM_DELLINK: the interface left this namespace (deleted, or moved to another one).</summary>
    void OnDeleted();

    /// <summary>The socket overflowed and notifications were lost: read the state afresh.</summary>
    void OnNotificationsLost();

    /// <summary>RTM_NEWLINK: the interface is administratively up (IFF_UP) or down, perhaps as it was.</summary>
    void OnLinkState(bool up);
}

/// <summary>
/// Listens for link notifications (rtnetlink, RTMGRP_LINK) about one interface on a thread of its own. The
/// socket belongs to the network namespace of the thread that opens the monitor, wherever its thread runs later.
/// </summary>
internal sealed unsafe class LinkMonitor : IDisposable
{
    // Link messages for a busy host fit easily; a larger burst overflows and is reported as lost.
    private const int ReceiveBufferSize = 64 * 1024;

    private readonly SafeFdHandle _socket;
    private readonly WakeSignal _wake;
    private readonly UseGate _gate = new();
    private readonly ILogger _logger;
    private Thread? _thread;
    private int _interfaceIndex;
    private ILinkListener? _listener;

    private LinkMonitor(SafeFdHandle socket, WakeSignal wake, ILogger logger)
    {
        _socket = socket;
        _wake = wake;
        _logger = logger;
    }

    /// <summary>Opens and subscribes the socket now, so no change after this call is missed; see <see cref="Start"/>.</summary>
    public static LinkMonitor Open(ILogger logger)
    {
        SafeFdHandle socket = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC | Libc.SOCK_NONBLOCK, Libc.NETLINK_ROUTE);
        if (socket.IsInvalid)
        {
            int errno = Libc.LastErrno;
            socket.Dispose();
            throw new ErrnoException($"cannot open a netlink socket: {Errno.Describe(errno)}", errno);
        }

        var address = new Libc.SockAddrNl { Family = Libc.AF_NETLINK, Groups = Libc.RTMGRP_LINK };
        if (Libc.bind(socket.Fd, (byte*)&address, (uint)sizeof(Libc.SockAddrNl)) != 0)
        {
            int errno = Libc.LastErrno;
            socket.Dispose();
            throw new ErrnoException($"cannot subscribe to link notifications: {Errno.Describe(errno)}", errno);
        }

        try
        {
            return new LinkMonitor(socket, WakeSignal.Create(), logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts reporting what happens to the interface <paramref name="interfaceIndex"/>.</summary>
    public void Start(int interfaceIndex, ILinkListener listener)
    {
        _interfaceIndex = interfaceIndex;
        _listener = listener;
        _thread = new Thread(Run) { IsBackground = true, Name = "holt-link-monitor" };
        _thread.Start();
    }

    public void Dispose()
    {
        if (!_gate.Close())
        {
            return;
        }

        _wake.Set();

        // A listener may dispose its owner, and so this monitor, from the monitor's own thread.
        if (_thread is not null && _thread != Thread.CurrentThread)
        {
            _thread.Join();
        }

        if (_gate.WaitUntilIdle(TimeSpan.FromSeconds(5)))
        {
            _socket.Dispose();
            _wake.Dispose();
        }
    }

    private void Run()
    {
        byte[] buffer = new byte[ReceiveBufferSize];
        while (true)
        {
            int received = Receive(buffer, out bool lost);
            if (received < 0)
            {
                return;
            }

            // Listeners run outside the gate: one may dispose the monitor.
            if (lost)
            {
                _listener!.OnNotificationsLost();
                continue;
            }

            LinkReport report = LinkMessages.Parse(buffer.AsSpan(0, received), _interfaceIndex);
            if (report.Overrun)
            {
                _listener!.OnNotificationsLost();
            }

            if (report.Mtu > 0)
            {
                _listener!.OnMtuChanged(report.Mtu);
            }

            if (report.HasFlags)
            {
                _listener!.OnLinkState((report.Flags & Libc.IFF_UP) != 0);
            }

            if (report.Deleted)
            {
                _listener!.OnDeleted();
            }
        }
    }

    /// <summary>Blocks for the next datagram; its length, or -1 once closed or broken.</summary>
    private int Receive(byte[] buffer, out bool lost)
    {
        lost = false;
        if (!_gate.TryEnter())
        {
            return -1;
        }

        try
        {
            while (true)
            {
                nint received;
                fixed (byte* data = buffer)
                {
                    received = Libc.recv(_socket.Fd, data, (nuint)buffer.Length, 0);
                }

                if (received >= 0)
                {
                    return (int)received;
                }

                int errno = Libc.LastErrno;
                switch (errno)
                {
                    case Errno.EAGAIN:
                        if (Poller.Wait(_socket.Fd, Libc.POLLIN, _wake.Fd, -1, out _) == PollResult.Woken)
                        {
                            return -1;
                        }

                        break;
                    case Errno.EINTR:
                        break;
                    case Errno.ENOBUFS:
                        lost = true;
                        return 0;
                    default:
                        _logger.MonitorFailed(Errno.Describe(errno));
                        return -1;
                }
            }
        }
        finally
        {
            _gate.Exit();
        }
    }
}
