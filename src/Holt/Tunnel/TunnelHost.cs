using System.Runtime.InteropServices;
using Holt.Interop;
using Holt.Logging;
using Holt.Net;
using Holt.Tun;
using Holt.Uapi;
using Holt.WireGuard.Device;
using Microsoft.Extensions.Logging;

namespace Holt.Tunnel;

/// <summary>
/// <c>holt tunnel NAME</c>: one userspace WireGuard interface. It creates the TUN interface, opens the UDP sockets,
/// serves the control socket that <c>wg</c> and <c>wg-quick</c> speak, and runs until it is told to stop: SIGTERM,
/// SIGINT or SIGHUP, the control socket's file deleted, or the interface deleted. Stopping removes the socket and
/// the interface.
/// </summary>
internal sealed partial class TunnelHost
{
    /// <summary>The MTU a new interface starts with, as wireguard-go and wg-quick choose it (1500 less 80).</summary>
    public const int DefaultMtu = 1420;

    /// <summary>Runs the interface in this process until a stop signal; returns the exit code.</summary>
    public static int RunForeground(string name, ReadySignal? ready)
    {
        InterfaceName.Validate(name);
        LogLevel level = LogLevelSwitch.FromEnvironment();
        var logger = new TextLogger(Console.Error, name, level);

        using var stop = new CancellationTokenSource();
        string? reason = null;
        void Stop(string why)
        {
            Interlocked.CompareExchange(ref reason, why, null);
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Stop("SIGTERM"); });
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Stop("SIGINT"); });
        using PosixSignalRegistration hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; Stop("SIGHUP"); });

        LinuxTun tun;
        try
        {
            tun = LinuxTun.Create(name, DefaultMtu, logger);
        }
        catch (ErrnoException e)
        {
            throw new CommandException(e.Message, e);
        }

        WireGuardDevice device;
        try
        {
            device = new WireGuardDevice(tun, new LinuxUdpBind(logger), new DeviceOptions { Logger = logger });
        }
        catch
        {
            tun.Dispose();
            throw;
        }

        using (device)
        {
            // The UDP side opens when the interface goes up and closes when it goes down, as the kernel module
            // does it: `ip link set NAME down` closes the port and forgets the sessions.
            tun.LinkStateChanged += up => FollowLink(device, up, logger);
            FollowLink(device, tun.IsLinkUp, logger);
            string socketPath = UapiServer.SocketPathFor(name);
            using var control = new UapiServer(socketPath, device, logger);
            try
            {
                control.Start();
            }
            catch (IOException e)
            {
                throw new CommandException(e.Message, e);
            }

            using CancellationTokenRegistration removed = tun.Removed.Register(() => Stop("the interface was deleted"));
            using CancellationTokenRegistration deleted = control.SocketDeleted.Register(() => Stop("the control socket was deleted"));
            LogRunning(logger, name, socketPath);
            ready?.Ready();
            stop.Token.WaitHandle.WaitOne();
            LogStopping(logger, reason ?? "a stop request");
        }

        return 0;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "interface {Name} is running; control socket {Path}")]
    private static partial void LogRunning(ILogger logger, string name, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "shutting down: {Reason}")]
    private static partial void LogStopping(ILogger logger, string reason);
}
