using Holt.Interop;
using Holt.Net;
using Holt.Tun;
using Holt.Uapi;
using Holt.WireGuard.Device;
using Microsoft.Extensions.Logging;

namespace Holt.Tunnel;

/// <summary>
/// One running interface on Holt's engine, in this process: the TUN interface, the UDP sockets (opened and closed
/// with the link, as the kernel module does) and the control socket <c>wg</c> speaks. Disposing it removes the
/// control socket and the interface.
/// </summary>
internal sealed partial class EngineInterface : IDisposable
{
    private readonly LinuxTun _tun;

    // Owns the TUN interface: disposing the device closes it, which deletes the interface.
    private readonly WireGuardDevice _device;
    private readonly UapiServer _control;
    private readonly CancellationTokenSource _gone;

    private EngineInterface(LinuxTun tun, WireGuardDevice device, UapiServer control)
    {
        _tun = tun;
        _device = device;
        _control = control;
        _gone = CancellationTokenSource.CreateLinkedTokenSource(tun.Removed, control.SocketDeleted);
        Name = tun.Name;
        SocketPath = control.SocketPath;
    }

    public string Name { get; }

    public string SocketPath { get; }

    /// <summary>Cancelled when someone deletes the interface or its control socket: the host should stop.</summary>
    public CancellationToken Gone => _gone.Token;

    /// <summary>True when the interface was deleted from outside, false when the control socket was.</summary>
    public bool InterfaceDeleted => _tun.Removed.IsCancellationRequested;

    /// <summary>The engine's drop counters: the device's own, and those of each peer that dropped anything.</summary>
    public EngineDrops Drops() => new(
        _device.Counters.DropsByReason(),
        _device.Peers.Where(p => p.Counters.TotalDropped > 0).ToDictionary(p => p.PublicKey.ToBase64(), p => p.Counters.DropsByReason(), StringComparer.Ordinal));

    /// <exception cref="CommandException">The interface or its control socket could not be created.</exception>
    public static EngineInterface Start(string name, int mtu, ILogger logger)
    {
        LinuxTun tun;
        try
        {
            tun = LinuxTun.Create(name, mtu, logger);
        }
        catch (ErrnoException e)
        {
            throw new CommandException(e.Message, e);
        }

        WireGuardDevice? device = null;
        UapiServer? control = null;
        try
        {
            device = new WireGuardDevice(tun, new LinuxUdpBind(logger), new DeviceOptions { Logger = logger });
            WireGuardDevice running = device;
            tun.LinkStateChanged += up => FollowLink(running, up, logger);
            FollowLink(device, tun.IsLinkUp, logger);
            control = new UapiServer(UapiServer.SocketPathFor(name), device, logger);
            control.Start();
            return new EngineInterface(tun, device, control);
        }
        catch (Exception e)
        {
            control?.Dispose();
            device?.Dispose();
            tun.Dispose();
            if (e is IOException)
            {
                throw new CommandException(e.Message, e);
            }

            throw;
        }
    }

    public void Dispose()
    {
        _control.Dispose();
        _device.Dispose();
        _gone.Dispose();
    }

    private static void FollowLink(WireGuardDevice device, bool up, ILogger logger)
    {
        try
        {
            if (up)
            {
                device.Up();
            }
            else
            {
                device.Down();
            }
        }
        catch (DeviceConfigurationException e)
        {
            // The configured port was taken while the interface was down; the kernel fails `ip link set up`
            // the same way. The interface stays usable: a new listen_port brings it up.
            LogUpFailed(logger, e.Message);
        }
        catch (ObjectDisposedException)
        {
            // A link notification raced with shutdown.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "cannot open the UDP side: {Reason}")]
    private static partial void LogUpFailed(ILogger logger, string reason);
}

/// <summary>
/// Packets the engine dropped, by reason: those that belong to no peer (malformed datagrams, unknown indexes,
/// rejected handshakes), and per peer (by public key, base64) for the peers on the interface now.
/// </summary>
internal sealed record EngineDrops(IReadOnlyDictionary<DropReason, long> Device, IReadOnlyDictionary<string, IReadOnlyDictionary<DropReason, long>> Peers);
