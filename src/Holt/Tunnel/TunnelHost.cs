using System.Runtime.InteropServices;
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

    public const string SocketDirectory = "/var/run/wireguard";

    public static string SocketPath(string name) => Path.Combine(SocketDirectory, name + ".sock");

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

        LinuxTun tun = LinuxTun.Create(name, DefaultMtu, logger);
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
            device.Up();
            string socketPath = SocketPath(name);
            using var control = new UapiServer(socketPath, device, logger);
            control.Start();
            using CancellationTokenRegistration removed = tun.Removed.Register(() => Stop("the interface was deleted"));
            using CancellationTokenRegistration deleted = control.SocketDeleted.Register(() => Stop("the control socket was deleted"));
            ushort port = device.ListenPort;
            LogUp(logger, name, socketPath, port);
            ready?.Ready();
            stop.Token.WaitHandle.WaitOne();
            LogStopping(logger, reason ?? "a stop request");
        }

        return 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "interface {Name} is running; control socket {Path}, UDP port {Port}")]
    private static partial void LogUp(ILogger logger, string name, string path, ushort port);

    [LoggerMessage(Level = LogLevel.Information, Message = "shutting down: {Reason}")]
    private static partial void LogStopping(ILogger logger, string reason);
}
