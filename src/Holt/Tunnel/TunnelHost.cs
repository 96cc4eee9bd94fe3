using Holt.Hosting;
using Holt.Logging;
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

        using var stop = new StopRequest();

        using (EngineInterface engine = EngineInterface.Start(name, DefaultMtu, logger))
        {
            using CancellationTokenRegistration gone = engine.Gone.Register(() =>
                stop.Stop(engine.InterfaceDeleted ? "the interface was deleted" : "the control socket was deleted"));
            LogRunning(logger, name, engine.SocketPath);
            ready?.Ready();
            stop.Token.WaitHandle.WaitOne();
            LogStopping(logger, stop.Reason);
        }

        return 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "interface {Name} is running; control socket {Path}")]
    private static partial void LogRunning(ILogger logger, string name, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "shutting down: {Reason}")]
    private static partial void LogStopping(ILogger logger, string reason);
}
