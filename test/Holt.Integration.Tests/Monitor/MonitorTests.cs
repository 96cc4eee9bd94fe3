using System.Text.Json;
using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Monitor;

/// <summary>The daemon's monitor, read through <c>holt monitor status</c>, against a real wireguard-go client.</summary>
public sealed class MonitorTests(ITestOutputHelper output)
{
    [RootFact]
    public Task MonitorStatus_SaysWhichPeersAreUp_NeverSeen_OrDisabled_AndCountsTheExpectedOnes() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            CommandResult before = await gateway.RunAsync("monitor", "status");
            Assert.False(before.Succeeded);
            Assert.Equal($"holt: the monitor of {gateway.Interface} is not running (holt up runs it, unless [monitor] has enabled = false)", before.Error.Trim());

            await gateway.EditConfigAsync(text => text + "\n[monitor]\ninterval = \"1s\"\n");
            (await gateway.UpAsync()).EnsureSuccess();
            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            string config = await gateway.AddPeerAsync("home", "--expected");
            await gateway.AddPeerAsync("phone");
            await gateway.AddPeerAsync("old", "--expected");
            await gateway.CheckAsync("peer", "disable", "old");
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, config))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway");

            Dictionary<string, JsonElement> peers = [];
            await Poll.UntilAsync(
                async () =>
                {
                    using JsonDocument status = JsonDocument.Parse(await gateway.CheckAsync("monitor", "status", "--json"));
                    peers = status.RootElement.GetProperty("peers").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.Clone());
                    return peers.Count == 3 && peers["home"].GetProperty("state").GetString() == "up";
                },
                TimeSpan.FromSeconds(10),
                () => "the monitor never saw home up: " + JsonSerializer.Serialize(peers));

            Assert.Equal("never", peers["phone"].GetProperty("state").GetString());
            Assert.Equal("never handshaked", peers["phone"].GetProperty("why").GetString());
            Assert.Equal("disabled", peers["old"].GetProperty("state").GetString());
            Assert.StartsWith("handshake ", peers["home"].GetProperty("why").GetString(), StringComparison.Ordinal);
            Assert.True(peers["home"].GetProperty("expected").GetBoolean());
            Assert.False(peers["phone"].GetProperty("expected").GetBoolean());

            string table = await gateway.CheckAsync("monitor", "status");
            lab.Log("holt monitor status:\n" + table);
            Assert.Contains("expected peers up: 1 of 1; sampled ", table, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^home \(expected\)\s+up\s", table);
            Assert.Matches(@"(?m)^phone\s+never\s", table);

            // The host's figures; CPU needs two looks far enough apart.
            await Poll.UntilAsync(
                async () => Regex.IsMatch(
                    table = await gateway.CheckAsync("monitor", "status"),
                    @"(?m)^host: cpu [0-9.]+ %, memory [0-9.]+ % used, load [0-9.]+ [0-9.]+ [0-9.]+, state disk [0-9.]+ % free, UDP receive-buffer errors \d+$"),
                TimeSpan.FromSeconds(10),
                () => "the host's figures are not all there:\n" + table);

            // The daemon logs each change the monitor sees, with its reason (home may have been up at its first look).
            await gateway.CheckAsync("peer", "disable", "home");
            await Poll.UntilAsync(
                () => Task.FromResult(File.ReadAllText(gateway.LogPath).Contains("monitor: peer home went from up to disabled: disabled in holt.toml", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10),
                () => "the daemon never logged home's change:\n" + File.ReadAllText(gateway.LogPath));

            // holt down takes the monitor's status with it.
            await gateway.DownAsync();
            Assert.False((await gateway.RunAsync("monitor", "status")).Succeeded);
        });

    /// <summary>
    /// Through the control socket, and through <c>wg show dump</c> as for a kernel interface (this machine has no
    /// WireGuard module; wg reads wireguard-go the same way).
    /// </summary>
    [RootTheory]
    [InlineData("socket")]
    [InlineData("wg")]
    public Task MonitorRun_WatchesAWireGuardGoInterface(string via) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(Implementation.WireGuardGo, Implementation.WireGuardGo);
            await Traffic.AssertPingsAsync(a, b.TunnelV4, 1);
            BackgroundProcess monitor = lab.StartProcess(a.Namespace, Tools.Holt, "monitor", "run", "--interface", a.Interface, "--interval", "1s", "--via", via);

            string peer = b.Keys.PublicKey[..8];
            string state = "";
            await Poll.UntilAsync(
                async () =>
                {
                    CommandResult status = await a.Namespace.TryExecAsync(Tools.Holt, "monitor", "status", "--interface", a.Interface, "--json");
                    if (!status.Succeeded)
                    {
                        return false;
                    }

                    using JsonDocument json = JsonDocument.Parse(status.Output);
                    state = json.RootElement.GetProperty("peers").EnumerateArray().Single(p => p.GetProperty("name").GetString() == peer).GetProperty("state").GetString()!;
                    return state == "up";
                },
                TimeSpan.FromSeconds(15),
                () => $"the monitor never saw {peer} up (last: '{state}'):\n{monitor.Log()}");

            // A Holt gateway's interface is its daemon's to watch; a missing interface is said so.
            CommandResult missing = await a.Namespace.TryExecAsync(Tools.Holt, "monitor", "run", "--interface", "hnone0");
            Assert.Equal("holt: no WireGuard interface hnone0 runs here (neither a control socket nor the kernel's)", missing.Error.Trim());
            Assert.False(monitor.HasExited, monitor.Log());

            // SIGTERM (Ctrl-C alike) stops it, and what it saw is withdrawn.
            Assert.True(monitor.Signal(15));
            Assert.True(await monitor.WaitForExitAsync(TimeSpan.FromSeconds(10)), monitor.Log());
            Assert.False((await a.Namespace.TryExecAsync(Tools.Holt, "monitor", "status", "--interface", a.Interface)).Succeeded);
        });
}
