using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Gateway;

/// <summary>
/// The daemon as a host of services: a failing service is restarted while the tunnel runs on; a broken hand edit
/// never keeps holt status or holt down from working; and a daemonized holt up always logs somewhere.
/// </summary>
public sealed class DaemonTests(ITestOutputHelper output)
{
    [RootFact]
    public Task AnExceptionInsideTheGuard_RestartsTheGuard_WhileTheTunnelCarriesTraffic() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            gateway.ExtraEnvironment["HOLT_TEST_HOOKS"] = "1";
            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            (await gateway.UpAsync()).EnsureSuccess();
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, await gateway.AddPeerAsync("laptop")))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway");

            // Pings every 50 ms across the fault; the guard's thread throws when the file appears.
            BackgroundProcess pings = lab.StartProcess(client.Namespace, Tools.Ping, "-n", "-i", "0.05", "-c", "100", "10.8.0.1");
            await Task.Delay(1000);
            await File.WriteAllTextAsync(Path.Combine(gateway.StateDirectory, "guard.fault"), "");
            await Poll.UntilAsync(
                () => Task.FromResult(File.ReadAllText(gateway.LogPath).Contains("guard restarted", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(15),
                () => "the guard was not restarted");
            Assert.True(await pings.WaitForExitAsync(TimeSpan.FromSeconds(30)), pings.Log());

            string log = await File.ReadAllTextAsync(gateway.LogPath);
            Assert.Contains("guard failed: InvalidOperationException: a fault injected by a test; restarting it in 1 s (the tunnel runs on)", log, StringComparison.Ordinal);
            // Not one reply lost to the guard's failure (the last may straggle past ping's short wait for it).
            System.Text.RegularExpressions.Match counts = System.Text.RegularExpressions.Regex.Match(pings.Log(), @"100 packets transmitted, (\d+) received");
            Assert.True(counts.Success && int.Parse(counts.Groups[1].Value) >= 99, pings.Log());
            Assert.True(gateway.DaemonRunning);
            Assert.Contains("sshd", await gateway.CheckAsync("guard", "status"), StringComparison.Ordinal);

            // The restart shows in /metrics and in the monitor's status.
            await Poll.UntilAsync(
                async () => (await gateway.ScrapeAsync()).Contains("holt_service_restarts_total{service=\"guard\"} 1\n", StringComparison.Ordinal),
                TimeSpan.FromSeconds(15),
                () => "/metrics did not count the guard's restart");
            string shown = "";
            await Poll.UntilAsync(
                async () => (shown = await gateway.CheckAsync("monitor", "status")).Contains("guard (1 restarts", StringComparison.Ordinal),
                TimeSpan.FromSeconds(15),
                () => "holt monitor status did not show the guard's restart:\n" + shown);
        });

    [RootFact]
    public Task ABrokenHandEdit_NeverKeepsStatusOrDownFromWorking() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            await gateway.AddPeerAsync("laptop");
            await File.AppendAllTextAsync(gateway.ConfigPath, "\n[gateway\nthis is not toml\n");

            CommandResult status = await gateway.RunAsync("status");
            Assert.Equal(0, status.ExitCode);
            Assert.Contains($"interface: {gateway.Interface} (gateway, up)", status.Output, StringComparison.Ordinal);
            Assert.StartsWith($"holt: {gateway.ConfigPath}:", status.Error, StringComparison.Ordinal);
            Assert.Contains("the running gateway keeps its last good configuration", status.Error, StringComparison.Ordinal);
            using (JsonDocument json = JsonDocument.Parse(await gateway.CheckAsync("status", "--json")))
            {
                Assert.StartsWith(gateway.ConfigPath + ":", json.RootElement.GetProperty("config_problem").GetString(), StringComparison.Ordinal);
                JsonElement self = json.RootElement.GetProperty("interfaces").EnumerateArray().Single(i => i.GetProperty("name").GetString() == gateway.Interface);
                Assert.True(self.GetProperty("running").GetBoolean());
                Assert.Single(self.GetProperty("tunnel_peers").EnumerateArray());
                Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("firewall").GetProperty("enabled").ValueKind);
            }

            CommandResult down = await gateway.RunAsync("down");
            Assert.Equal(0, down.ExitCode);
            Assert.Contains($"stopping the gateway that runs with it ({gateway.Interface}) all the same", down.Error, StringComparison.Ordinal);
            Assert.False(gateway.DaemonRunning);
            Assert.False(await gateway.Host.Namespace.HasLinkAsync(gateway.Interface));
        });

    [RootFact]
    public Task ADaemonizedHoltUp_LogsToSyslog_OrElseToAFileUnderVarLogHolt() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);

            // A syslog socket of the test's own, as /dev/log would be.
            string path = Path.Combine(lab.Directory, "syslog.sock");
            using var syslog = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            syslog.Bind(new UnixDomainSocketEndPoint(path));
            gateway.ExtraEnvironment["HOLT_SYSLOG_SOCKET"] = path;
            (await UpWithoutLogLevelAsync(gateway)).EnsureSuccess();
            string line = await ReceiveAsync(syslog, $"gateway {gateway.Interface} is up");
            Assert.Matches($@"^<30>holt-{gateway.Interface}\[\d+\]: INFO: \({gateway.Interface}\) ", line);
            await gateway.DownAsync();

            // No syslog: a file of its own under /var/log/holt, 0600.
            gateway.ExtraEnvironment["HOLT_SYSLOG_SOCKET"] = "";
            string file = $"/var/log/holt/holt-{gateway.Interface}.log";
            try
            {
                (await UpWithoutLogLevelAsync(gateway)).EnsureSuccess();
                await Poll.UntilAsync(
                    () => Task.FromResult(File.Exists(file) && File.ReadAllText(file).Contains($"gateway {gateway.Interface} is up", StringComparison.Ordinal)),
                    TimeSpan.FromSeconds(10),
                    () => $"{file} has no start line");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                await gateway.DownAsync();
            }
            finally
            {
                File.Delete(file);
            }
        });

    /// <summary>holt up as an operator types it: no LOG_LEVEL, so the daemon keeps none of the caller's output.</summary>
    private static Task<CommandResult> UpWithoutLogLevelAsync(Harness.Gateway gateway)
    {
        Dictionary<string, string> environment = gateway.Environment;
        environment.Remove("LOG_LEVEL");
        return Command.RunAsync(gateway.Host.Namespace.Wrap("env", "-u", "LOG_LEVEL", Tools.Holt, "up"), environment: environment);
    }

    private static async Task<string> ReceiveAsync(Socket socket, string wanted)
    {
        byte[] buffer = new byte[8192];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            int length = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            string line = Encoding.UTF8.GetString(buffer, 0, length);
            if (line.Contains(wanted, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }
}
