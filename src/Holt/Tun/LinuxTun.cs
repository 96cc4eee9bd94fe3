using Holt.Interop;
using Holt.WireGuard.Noise;
using Holt.WireGuard.IO;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Holt.Tun;

/// <summary>
/// A Linux TUN interface (IFF_TUN | IFF_NO_PI | IFF_VNET_HDR: IP packets behind a virtio header, which carries the
/// segmentation and checksum offloads) as the engine's packet device. Like wireguard-go,
/// it creates the interface and sets its MTU but leaves it down: <c>ip link set up</c> (wg-quick) brings it up.
/// Closing the descriptor deletes the interface, so <see cref="Dispose"/> removes it.
/// </summary>
/// <remarks>
/// The descriptor is non-blocking; a read waits in poll(2) beside a <see cref="WakeSignal"/> so disposal wakes it.
/// A <see cref="LinkMonitor"/> keeps <see cref="Mtu"/> live and notices when the interface is deleted from outside.
/// </remarks>
internal sealed unsafe partial class LinuxTun : IPacketDevice, ILinkListener
{
    private const string CloneDevicePath = "/dev/net/tun";

    /// <summary>"off" leaves the offloads off: for comparison, or for a kernel whose offloads misbehave.</summary>
    public const string OffloadVariable = "HOLT_TUN_OFFLOAD";

    private static readonly (uint Flag, string Name)[] s_offloadNames =
    [
        (Libc.TUN_F_CSUM, "checksum"), (Libc.TUN_F_TSO4, "TSO4"), (Libc.TUN_F_TSO6, "TSO6"), (Libc.TUN_F_TSO_ECN, "TSO-ECN"),
        (Libc.TUN_F_USO4, "USO4"), (Libc.TUN_F_USO6, "USO6"),
    ];

    private readonly SafeFdHandle _fd;

    // An AF_INET datagram socket in the interface's namespace, for the MTU ioctls from any thread.
    private readonly SafeFdHandle _control;
    private readonly WakeSignal _wake;
    private readonly UseGate _gate = new();
    private readonly LinkMonitor _monitor;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _removed = new();
    private int _removedFlag;
    private int _mtu;
    private int _linkUp;
    private long _droppedWrites;
    private long _droppedReads;

    private LinuxTun(string name, SafeFdHandle fd, SafeFdHandle control, WakeSignal wake, LinkMonitor monitor, ILogger logger, uint offloads)
    {
        Offloads = offloads;
        _coalesce = (offloads & (Libc.TUN_F_TSO4 | Libc.TUN_F_TSO6)) != 0;
        Name = name;
        _fd = fd;
        _control = control;
        _wake = wake;
        _monitor = monitor;
        _logger = logger;
        Removed = _removed.Token;
    }

    public string Name { get; }

    /// <summary>The interface index (ifindex) in its network namespace.</summary>
    public int Index { get; private set; }

    /// <summary>The interface's MTU now: set at creation, then followed through link notifications.</summary>
    public int Mtu => Volatile.Read(ref _mtu);

    /// <summary>Packets per <see cref="Read"/>: drained without blocking once one has arrived, a superpacket split.</summary>
    public int BatchSize => Limits.BatchSize;

    /// <summary>The TUN_F_* offloads the kernel accepted; 0 if it refused them all.</summary>
    public uint Offloads { get; }

    /// <summary>Canceled when the interface is deleted from outside (<c>ip link del</c>), not by <see cref="Dispose"/>.</summary>
    public CancellationToken Removed { get; }

    /// <summary>Whether the interface is administratively up (IFF_UP), as the last link notification said.</summary>
    public bool IsLinkUp => Volatile.Read(ref _linkUp) != 0;

    /// <summary>
    /// Raised on the link monitor's thread when the interface goes up or down (<c>ip link set NAME up</c>), so the
    /// owner can open or close the UDP side as the kernel implementation does.
    /// </summary>
    public event Action<bool>? LinkStateChanged;

    /// <summary>Packets <see cref="Write"/> could not hand to the kernel (interface down, malformed, removed).</summary>
    public long DroppedWrites => Interlocked.Read(ref _droppedWrites);

    /// <summary>
    /// Creates the TUN interface <paramref name="name"/> in the calling thread's network namespace with the given
    /// MTU, and leaves it down.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a valid interface name.</exception>
    /// <exception cref="ErrnoException">The interface could not be created; the message is one line naming it.</exception>
    /// <param name="offloadFault">
    /// For tests: a kernel that refuses offloads. Given the flags about to be asked for, it returns the errno such a
    /// kernel would give, or 0 to let the real TUNSETOFFLOAD ask.
    /// </param>
    public static LinuxTun Create(string name, int mtu = 1420, ILogger? logger = null, Func<uint, int>? offloadFault = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (InterfaceName.Validate(name) is string problem)
        {
            throw new ArgumentException($"invalid interface name '{name}': {problem}", nameof(name));
        }

        logger ??= NullLogger.Instance;
        SafeFdHandle? fd = null;
        SafeFdHandle? control = null;
        WakeSignal? wake = null;
        LinkMonitor? monitor = null;
        try
        {
            fd = OpenTun(name);
            uint offloads = Environment.GetEnvironmentVariable(OffloadVariable) == "off" ? 0 : EnableOffloads(fd, name, offloadFault, logger);
            control = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
            if (control.IsInvalid)
            {
                throw Failure(name, "cannot open a control socket for", Libc.LastErrno);
            }

            wake = WakeSignal.Create();

            // Subscribe before changing the MTU, so that no change after this point goes unseen.
            monitor = LinkMonitor.Open(logger);
            var tun = new LinuxTun(name, fd, control, wake, monitor, logger, offloads);
            tun.Index = tun.Ioctl(Libc.SIOCGIFINDEX, 0, "cannot read the interface index");
            tun.Ioctl(Libc.SIOCSIFMTU, mtu, $"cannot set MTU {mtu}");
            Volatile.Write(ref tun._mtu, tun.Ioctl(Libc.SIOCGIFMTU, 0, "cannot read the MTU"));
            Volatile.Write(ref tun._linkUp, (tun.Ioctl(Libc.SIOCGIFFLAGS, 0, "cannot read the flags") & Libc.IFF_UP) != 0 ? 1 : 0);
            monitor.Start(tun.Index, tun);
            logger.Created(name, tun.Index, tun.Mtu);
            return tun;
        }
        catch
        {
            monitor?.Dispose();
            wake?.Dispose();
            control?.Dispose();
            fd?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_gate.Close())
        {
            return;
        }

        _wake.Set();
        _monitor.Dispose();
        if (!_gate.WaitUntilIdle(TimeSpan.FromSeconds(5)))
        {
            _logger.StuckCall(Name);
            return;
        }

        _fd.Dispose();
        _control.Dispose();
        _wake.Dispose();
        _logger.Closed(Name);
    }

    void ILinkListener.OnMtuChanged(int mtu)
    {
        int previous = Interlocked.Exchange(ref _mtu, mtu);
        if (previous != mtu)
        {
            _logger.MtuChanged(Name, previous, mtu);
        }
    }

    void ILinkListener.OnDeleted()
    {
        // RTM_DELLINK also means "moved to another namespace", where the device lives on; only a TUN descriptor
        // that lost its device (TUNGETIFF fails with EBADFD) means deleted.
        switch (IsDetached())
        {
            case true:
                OnRemoved();
                break;
            case false:
                _logger.MovedAway(Name);
                break;
        }
    }

    void ILinkListener.OnNotificationsLost()
    {
        if (IsDetached() ?? false)
        {
            OnRemoved();
            return;
        }

        if (_gate.TryEnter())
        {
            int mtu, flags, errno;
            try
            {
                mtu = TryIoctl(Libc.SIOCGIFMTU, 0, out _);
                flags = TryIoctl(Libc.SIOCGIFFLAGS, 0, out errno);
            }
            finally
            {
                _gate.Exit();
            }

            if (mtu > 0)
            {
                ((ILinkListener)this).OnMtuChanged(mtu);
            }

            if (errno == 0)
            {
                ((ILinkListener)this).OnLinkState((flags & Libc.IFF_UP) != 0);
            }
        }
    }

    void ILinkListener.OnLinkState(bool up)
    {
        if (Interlocked.Exchange(ref _linkUp, up ? 1 : 0) != (up ? 1 : 0))
        {
            _logger.LinkState(Name, up ? "up" : "down");
            LinkStateChanged?.Invoke(up);
        }
    }

    /// <summary>Whether the descriptor lost its interface; null once disposed.</summary>
    private bool? IsDetached()
    {
        if (!_gate.TryEnter())
        {
            return null;
        }

        try
        {
            var request = default(Libc.IfReq);
            return Libc.ioctl(_fd.Fd, Libc.TUNGETIFF, &request) != 0 && Libc.LastErrno == Errno.EBADFD;
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>The interface is gone: readers return 0, and <see cref="Removed"/> fires once. Call outside the gate.</summary>
    private void OnRemoved()
    {
        if (Interlocked.Exchange(ref _removedFlag, 1) != 0)
        {
            return;
        }

        _logger.Deleted(Name);
        if (_gate.TryEnter())
        {
            try
            {
                _wake.Set();
            }
            finally
            {
                _gate.Exit();
            }
        }

        // Callbacks run here, outside the gate, so one may dispose this device.
        _removed.Cancel();
    }

    private static SafeFdHandle OpenTun(string name)
    {
        SafeFdHandle fd = Libc.open(CloneDevicePath, Libc.O_RDWR | Libc.O_CLOEXEC | Libc.O_NONBLOCK);
        if (fd.IsInvalid)
        {
            int errno = Libc.LastErrno;
            fd.Dispose();
            throw errno == Errno.ENOENT
                ? new ErrnoException($"cannot create TUN interface {name}: {CloneDevicePath} does not exist (is the tun module loaded?)", errno)
                : Failure(name, $"cannot open {CloneDevicePath} for", errno, "needs root or CAP_NET_ADMIN");
        }

        var request = default(Libc.IfReq);
        InterfaceName.Write(name, ref request);
        request.Value = Libc.IFF_TUN | Libc.IFF_NO_PI | Libc.IFF_VNET_HDR;
        if (Libc.ioctl(fd.Fd, Libc.TUNSETIFF, &request) != 0)
        {
            int errno = Libc.LastErrno;
            fd.Dispose();
            throw errno switch
            {
                Errno.EPERM or Errno.EACCES => Failure(name, "cannot create TUN interface", errno, "needs root or CAP_NET_ADMIN"),
                Errno.EBUSY => Failure(name, "cannot create TUN interface", errno, "the name is in use by another TUN"),
                Errno.EINVAL => Failure(name, "cannot create TUN interface", errno, "is an interface of that name already there, and not a TUN?"),
                _ => Failure(name, "cannot create TUN interface", errno),
            };
        }

        return fd;
    }

    /// <summary>
    /// Asks for the most the kernel gives of checksum, TCP and UDP segmentation offload, and returns what it took:
    /// USO came with Linux 6.2, so an older kernel refuses the first choice. A kernel that refuses all of them still
    /// moves packets, one per system call, behind an empty virtio header.
    /// </summary>
    private static uint EnableOffloads(SafeFdHandle fd, string name, Func<uint, int>? fault, ILogger logger)
    {
        const uint Tso = Libc.TUN_F_CSUM | Libc.TUN_F_TSO4 | Libc.TUN_F_TSO6 | Libc.TUN_F_TSO_ECN;
        ReadOnlySpan<uint> choices = [Tso | Libc.TUN_F_USO4 | Libc.TUN_F_USO6, Tso, Libc.TUN_F_CSUM];
        int errno = 0;
        foreach (uint flags in choices)
        {
            errno = fault?.Invoke(flags) ?? 0;
            if (errno == 0)
            {
                errno = Libc.ioctl_value(fd.Fd, Libc.TUNSETOFFLOAD, flags) == 0 ? 0 : Libc.LastErrno;
            }
            if (errno == 0)
            {
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    logger.Offloads(name, DescribeOffloads(flags));
                }
                return flags;
            }
        }

        logger.OffloadsRefused(name, Errno.Describe(errno));
        return 0;
    }

    private static string DescribeOffloads(uint flags)
    {
        List<string> names = [];
        foreach ((uint flag, string label) in s_offloadNames)
        {
            if ((flags & flag) != 0)
            {
                names.Add(label);
            }
        }

        return names.Count == 0 ? "none" : string.Join(", ", names);
    }

    private static ErrnoException Failure(string name, string what, int errno, string? hint = null) =>
        new($"{what} {name}: {Errno.Describe(errno)}{(hint is null ? "" : "; " + hint)}", errno);

    /// <summary>An interface ioctl on the control socket; returns the int it reads back, throws on failure.</summary>
    private int Ioctl(nuint request, int value, string what)
    {
        int result = TryIoctl(request, value, out int errno);
        return errno == 0 ? result : throw Failure(Name, what + " of", errno);
    }

    private int TryIoctl(nuint request, int value, out int errno)
    {
        var ifr = default(Libc.IfReq);
        InterfaceName.Write(Name, ref ifr);
        ifr.Value = value;
        errno = Libc.ioctl(_control.Fd, request, &ifr) == 0 ? 0 : Libc.LastErrno;
        return ifr.Value;
    }
}
