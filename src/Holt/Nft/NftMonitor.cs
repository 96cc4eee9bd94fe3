using Holt.Interop;
using Microsoft.Extensions.Logging;

namespace Holt.Nft;

/// <summary>
/// Follows nftables changes in one network namespace: every commit, by anyone, reported as an
/// <see cref="NftTransaction"/> naming the tables it touched and the process that committed it. The socket
/// (NETLINK_NETFILTER, group NFNLGRP_NFTABLES) belongs to the network namespace of the thread that calls
/// <see cref="Open"/>, wherever the monitor's own thread runs later.
/// </summary>
/// <remarks>
/// <para>
/// A repair loop opens the monitor before it applies its tables: <see cref="Open"/> subscribes at once, so no commit
/// after it is missed, even one made before <see cref="Start"/>. It then applies its tables and compares what the
/// kernel holds with what it wants once, which settles anything that happened before it subscribed. From then on,
/// each transaction that touches one of its tables and was not committed by one of its own <c>nft</c> children (see
/// <see cref="NftTransaction.ProcessId"/>), and each <see cref="INftListener.OnLost"/>, is a reason to compare again.
/// The listener only records the reason and wakes the loop, which runs on a thread of its own: a listener that blocks
/// (say, running <c>nft</c>) lets the socket overflow. The loop coalesces, so many reasons make one comparison, and
/// rate-limits its repairs with a backoff, so that a tool fighting over the same table (another firewall manager that
/// flushes the ruleset whenever it sees a change) does not start an endless flush-and-repair loop. The events say that
/// something changed; the comparison decides what to do.
/// </para>
/// <para>
/// The kernel announces each change of a commit (a table, chain, rule, set, element, object or flowtable created or
/// deleted) and then NFT_MSG_NEWGEN, all at once under its commit lock; a command that changes nothing commits nothing
/// and sends nothing, and neither does <c>nft -c</c>. Not announced at all: elements that expire by timeout, elements a
/// rule adds from the packet path, and a table with the <c>owner</c> flag that goes when its owner's socket closes.
/// Changes that arrive without a NEWGEN are reported, after <see cref="OrphanTimeout"/>, as a transaction without a
/// generation.
/// </para>
/// </remarks>
internal sealed unsafe class NftMonitor : IDisposable
{
    /// <summary>
    /// The socket's receive buffer. A commit's notifications arrive in one burst, faster than any reader: loading a
    /// ruleset of 3000 rules and 5000 elements queues about 2 MB. A larger burst overflows and is reported as lost.
    /// </summary>
    public const int DefaultReceiveBufferSize = 4 * 1024 * 1024;

    /// <summary>How long changes may wait for the NFT_MSG_NEWGEN that the kernel sends right after them.</summary>
    public static readonly TimeSpan OrphanTimeout = TimeSpan.FromMilliseconds(250);

    // The kernel fills notification datagrams up to about a page; one larger message would arrive truncated, which
    // MSG_TRUNC reveals, and is reported as lost.
    private const int DatagramBufferSize = 64 * 1024;

    private readonly SafeFdHandle _socket;
    private readonly WakeSignal _wake;
    private readonly UseGate _gate = new();
    private readonly ILogger _logger;
    private readonly NftTransactionBuilder _builder = new();
    private Thread? _thread;
    private INftListener? _listener;

    private NftMonitor(SafeFdHandle socket, WakeSignal wake, ILogger logger)
    {
        _socket = socket;
        _wake = wake;
        _logger = logger;
    }

    private enum Received
    {
        Datagram,
        Lost,
        TimedOut,
        Closed,
    }

    /// <summary>Opens and subscribes the socket now, so no change after this call is missed; see <see cref="Start"/>.</summary>
    /// <param name="receiveBufferSize">The socket's receive buffer, in bytes (the kernel doubles it for bookkeeping).</param>
    public static NftMonitor Open(ILogger logger, int receiveBufferSize = DefaultReceiveBufferSize)
    {
        SafeFdHandle socket = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC | Libc.SOCK_NONBLOCK, Libc.NETLINK_NETFILTER);
        if (socket.IsInvalid)
        {
            int errno = Libc.LastErrno;
            socket.Dispose();
            throw new ErrnoException($"cannot open a netfilter netlink socket: {Errno.Describe(errno)}", errno);
        }

        try
        {
            // SO_RCVBUFFORCE passes net.core.rmem_max, which is often far below a ruleset's burst; it needs
            // CAP_NET_ADMIN, which Holt has wherever it can run nft. Without it the capped size still works, losing more.
            if (!Libc.SetSocketOption(socket.Fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, receiveBufferSize))
            {
                _ = Libc.SetSocketOption(socket.Fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, receiveBufferSize);
            }

            var address = new Libc.SockAddrNl { Family = Libc.AF_NETLINK, Groups = 1u << (Libc.NFNLGRP_NFTABLES - 1) };
            if (Libc.bind(socket.Fd, (byte*)&address, (uint)sizeof(Libc.SockAddrNl)) != 0)
            {
                int errno = Libc.LastErrno;
                throw new ErrnoException($"cannot subscribe to nftables notifications: {Errno.Describe(errno)}", errno);
            }

            return new NftMonitor(socket, WakeSignal.Create(), logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts reporting to <paramref name="listener"/>, beginning with what queued since <see cref="Open"/>.</summary>
    public void Start(INftListener listener)
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException("the monitor is already started");
        }

        _listener = listener;
        _thread = new Thread(Run) { IsBackground = true, Name = "holt-nft-monitor" };
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
        byte[] buffer = new byte[DatagramBufferSize];
        INftListener listener = _listener!;
        while (true)
        {
            int timeout = _builder.HasPending ? (int)OrphanTimeout.TotalMilliseconds : -1;

            // The listener runs outside the gate: it may dispose the monitor.
            switch (Receive(buffer, timeout, out int length))
            {
                case Received.Closed:
                    return;
                case Received.Lost:
                    _builder.Lose(listener);
                    break;
                case Received.TimedOut:
                    _builder.Flush(listener);
                    break;
                default:
                    _builder.Read(buffer.AsSpan(0, length), listener);
                    break;
            }

            if (_gate.IsClosed)
            {
                return;
            }
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> (-1: for ever) for the next datagram.</summary>
    private Received Receive(byte[] buffer, int timeoutMilliseconds, out int length)
    {
        length = 0;
        if (!_gate.TryEnter())
        {
            return Received.Closed;
        }

        try
        {
            while (true)
            {
                nint received;
                fixed (byte* data = buffer)
                {
                    received = Libc.recv(_socket.Fd, data, (nuint)buffer.Length, Libc.MSG_TRUNC);
                }

                if (received >= 0)
                {
                    if (received > buffer.Length)
                    {
                        return Received.Lost;
                    }

                    length = (int)received;
                    return Received.Datagram;
                }

                int errno = Libc.LastErrno;
                switch (errno)
                {
                    case Errno.EAGAIN:
                        switch (Poller.Wait(_socket.Fd, Libc.POLLIN, _wake.Fd, timeoutMilliseconds, out _))
                        {
                            case PollResult.Woken:
                                return Received.Closed;
                            case PollResult.TimedOut:
                                return Received.TimedOut;
                        }

                        break;
                    case Errno.EINTR:
                        break;
                    case Errno.ENOBUFS:
                        return Received.Lost;
                    default:
                        _logger.NotificationsStopped(Errno.Describe(errno));
                        return Received.Closed;
                }
            }
        }
        finally
        {
            _gate.Exit();
        }
    }
}
