using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Tunnel;

/// <summary>
/// The drop-in contract around the engine: a foreground tunnel exits cleanly, removing its TUN interface and
/// control socket, on SIGTERM, on SIGINT, when its socket is deleted (what wg-quick down does) and when its interface
/// is deleted; the daemon mode returns only once the socket answers.
/// </summary>
public sealed class LifecycleTests(ITestOutputHelper output)
{
    [RootTheory]
    [Implementations(typeof(StopMethod))]
    public Task Foreground_ExitsCleanly(Implementation implementation, StopMethod method) =>
        Lab.RunAsync(output, async lab =>
        {
            Host host = await lab.AddHostAsync(implementation);
            await lab.StartTunnelAsync(host);
            lab.Log($"stopping {host} by {method}");
            IReadOnlyList<string> problems = await host.Tunnel!.StopAsync(method);
            Assert.True(problems.Count == 0, string.Join('\n', problems));
        });

    [RootTheory]
    [Implementations]
    public Task Daemon_ReturnsOnceSocketIsReady_AndExitsWhenSocketIsDeleted(Implementation implementation) =>
        Lab.RunAsync(output, async lab =>
        {
            Host host = await lab.AddHostAsync(implementation);
            CommandResult launch = await lab.LaunchDaemonAsync(host);
            Assert.True(launch.Succeeded, $"The daemonizing launch failed: {launch.Describe()}");
            TunnelProcess tunnel = host.Tunnel!;

            // No polling here: returning is the promise that the socket is ready.
            Assert.True(File.Exists(tunnel.SocketPath), $"`{launch.CommandLine}` returned before {tunnel.SocketPath} existed.");
            CommandResult show = await host.TryWgAsync("show", host.Interface);
            Assert.True(show.Succeeded, $"`{launch.CommandLine}` returned, but the socket does not answer yet: {show.Describe()}");
            Assert.True(await host.Namespace.HasLinkAsync(host.Interface), $"`{launch.CommandLine}` returned before interface {host.Interface} existed.");

            // The daemon is configured like any tunnel.
            await host.WgAsync("set", host.Interface, "private-key", host.Keys.PrivateKeyFile, "listen-port", host.ListenPort.ToString());
            await host.Namespace.IpAsync("link", "set", "dev", host.Interface, "up");
            WgDump dump = await host.DumpAsync();
            Assert.Equal(host.Keys.PublicKey, dump.PublicKey);
            Assert.Equal(host.ListenPort, dump.ListenPort);

            IReadOnlyList<string> problems = await tunnel.StopAsync(StopMethod.SocketDeleted);
            Assert.True(problems.Count == 0, string.Join('\n', problems));
        });
}
