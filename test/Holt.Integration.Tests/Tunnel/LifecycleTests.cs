using System.Diagnostics;
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

    /// <summary>
    /// A daemon that cannot start says why through its parent: a second <c>holt tunnel</c> for a name in use fails
    /// with the child's one-line reason on standard error, and the first tunnel is untouched.
    /// </summary>
    [RootFact]
    public Task Daemon_ThatCannotStart_ReportsTheReasonThroughItsParent() =>
        Lab.RunAsync(output, async lab =>
        {
            Host host = await lab.AddHostAsync(Implementation.Holt);
            await lab.StartTunnelAsync(host);

            CommandResult second = await host.Namespace.TryExecAsync(HoltDaemonWithoutLogLevel(host.Interface));

            Assert.True(second.ExitCode == 1, $"A second daemon for {host.Interface} should fail with exit code 1: {second.Describe()}");
            string[] lines = second.Error.TrimEnd('\n').Split('\n');
            Assert.True(
                lines.Length == 1 && lines[0].StartsWith("holt: ", StringComparison.Ordinal) && lines[0].Contains(host.Interface, StringComparison.Ordinal),
                $"Expected one line 'holt: …{host.Interface}…' on standard error: {second.Describe()}");
            Assert.True((await host.TryWgAsync("show", host.Interface)).Succeeded, "The first tunnel stopped answering.");
        });

    /// <summary>
    /// Without LOG_LEVEL the daemon lets go of the caller's output, as wireguard-go does, so a caller that reads
    /// the output to its end (a shell's $(…), a test harness) is not held until the daemon exits.
    /// </summary>
    [RootFact]
    public Task Daemon_WithoutLogLevel_LetsGoOfTheCallersOutput() =>
        Lab.RunAsync(output, async lab =>
        {
            Host host = await lab.AddHostAsync(Implementation.Holt);

            // Read both pipes to their end, as $(…) does; a daemon holding them would keep them open past the deadline.
            ProcessStartInfo start = Command.CreateStartInfo(host.Namespace.Wrap(HoltDaemonWithoutLogLevel(host.Interface)), null);
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            using (Process launch = Process.Start(start)!)
            {
                Task<string> outputs = Task.WhenAll(launch.StandardOutput.ReadToEndAsync(), launch.StandardError.ReadToEndAsync())
                    .ContinueWith(t => string.Concat(t.Result), TaskScheduler.Default);
                Task finished = await Task.WhenAny(outputs, Task.Delay(TimeSpan.FromSeconds(20)));
                Assert.True(finished == outputs, $"`holt tunnel {host.Interface}` kept its caller's output open 20 s after starting.");
                await launch.WaitForExitAsync();
                Assert.True(launch.ExitCode == 0, $"`holt tunnel {host.Interface}` exited with {launch.ExitCode}: {await outputs}");
            }

            Assert.True((await host.TryWgAsync("show", host.Interface)).Succeeded, "The daemon does not answer on its socket.");

            File.Delete($"/var/run/wireguard/{host.Interface}.sock");
            await Poll.UntilAsync(
                async () => !await host.Namespace.HasLinkAsync(host.Interface),
                TimeSpan.FromSeconds(10),
                () => $"The daemon did not remove {host.Interface} after its socket was deleted.");
        });

    /// <summary>
    /// LOG_LEVEL reaches the running tunnel: info shows its start and stop, error and silent show nothing for a
    /// run without errors. The tunnel runs in the foreground until timeout(1) sends it SIGTERM.
    /// </summary>
    [RootTheory]
    [InlineData("info", true)]
    [InlineData("error", false)]
    [InlineData("silent", false)]
    public Task LogLevel_ChoosesWhatTheTunnelPrints(string level, bool printsLifecycle) =>
        Lab.RunAsync(output, async lab =>
        {
            Host host = await lab.AddHostAsync(Implementation.Holt);
            CommandResult run = await host.Namespace.TryExecAsync(
                Requirements.Find("env"), $"LOG_LEVEL={level}", Requirements.Find("timeout"), "-s", "TERM", "2",
                Tools.Holt, "tunnel", "-f", host.Interface);

            Assert.True(run.ExitCode == 124, $"the tunnel should run until timeout stops it: {run.Describe()}");
            string printed = run.Output + run.Error;
            if (printsLifecycle)
            {
                Assert.Contains($"INFO: ({host.Interface})", printed, StringComparison.Ordinal);
                Assert.Contains("shutting down: SIGTERM", printed, StringComparison.Ordinal);
                Assert.DoesNotContain("DEBUG:", printed, StringComparison.Ordinal);
            }
            else
            {
                Assert.True(printed.Length == 0, $"LOG_LEVEL={level} printed: {printed}");
            }

            Assert.False(await host.Namespace.HasLinkAsync(host.Interface), "the interface outlived the tunnel");
        });

    private static string[] HoltDaemonWithoutLogLevel(string name) =>
        [Requirements.Find("env"), "-u", "LOG_LEVEL", Tools.Holt, "tunnel", name];
}
