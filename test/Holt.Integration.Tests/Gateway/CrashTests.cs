using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Gateway;

/// <summary>
/// A daemon that dies (kill -9, the OOM killer) must never lock its owner out: each time, <c>holt up</c> (or
/// systemd's restart) brings the gateway back, the peers reconnect, and holt.toml and the state are whole.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Kills = 20;

    [RootFact]
    public Task KillNine_AtRandomMoments_UnderTrafficAndEdits_EachTimeHoltUpBringsItBack() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            (await gateway.UpAsync()).EnsureSuccess();
            string laptop = await gateway.AddPeerAsync("laptop");
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, laptop))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway");
            string key = (await gateway.PeersAsync())["laptop"].GetProperty("public_key").GetString()!;

            // Traffic through the tunnel all along, and edits of holt.toml racing with the kills.
            BackgroundProcess traffic = lab.StartProcess(client.Namespace, Tools.Ping, "-n", "-q", "-i", "0.2", "10.8.0.1");
            string editing = Path.Combine(lab.Directory, "editing");
            await File.WriteAllTextAsync(editing, "");
            BackgroundProcess edits = lab.StartProcess(gateway.Host.Namespace, "sh", "-c",
                $"export HOLT_CONFIG={gateway.ConfigPath} HOLT_STATE_DIR={gateway.StateDirectory}; i=0; " +
                $"while [ -e {editing} ]; do i=$((i+1)); {Tools.Holt} peer add e$i >/dev/null; {Tools.Holt} peer remove e$i >/dev/null; done");

            int seed = Environment.TickCount;
            var random = new Random(seed);
            lab.Log($"kill -9 at random moments, seed {seed}");
            ulong lastRx = 0;
            for (int kill = 1; kill <= Kills; kill++)
            {
                await Task.Delay(random.Next(100, 1500));
                int pid = int.Parse((await File.ReadAllTextAsync(Path.Combine("/run/holt", gateway.Interface + ".pid"))).Trim(), CultureInfo.InvariantCulture);
                using (var daemon = Process.GetProcessById(pid))
                {
                    daemon.Kill();
                    await daemon.WaitForExitAsync();
                }

                var clock = Stopwatch.StartNew();
                CommandResult up = await gateway.UpAsync();
                Assert.True(up.Succeeded, $"holt up after kill -9 #{kill} failed: {up.Describe()}");
                await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", $"the gateway after kill -9 #{kill}");
                lab.Log($"kill -9 #{kill}: holt up and the peer back in {clock.ElapsedMilliseconds} ms");

                // The totals only ever grow, whatever moment the daemon died at.
                JsonElement seen = (await gateway.PeersAsync())["laptop"];
                ulong rx = seen.GetProperty("rx_bytes").GetUInt64();
                Assert.True(rx >= lastRx, $"the laptop's received total fell from {lastRx} to {rx} after kill -9 #{kill}");
                lastRx = rx;
            }

            File.Delete(editing);
            Assert.True(await edits.WaitForExitAsync(TimeSpan.FromSeconds(30)), edits.Log());
            Assert.True(traffic.HasExited is false, traffic.Log());

            // holt.toml reads, the laptop is there with its key, and the state file reads too.
            Dictionary<string, JsonElement> peers = await gateway.PeersAsync();
            Assert.Equal(key, peers["laptop"].GetProperty("public_key").GetString());
            using (JsonDocument state = JsonDocument.Parse(await File.ReadAllTextAsync(gateway.StateFile)))
            {
                Assert.True(state.RootElement.GetProperty("peers").TryGetProperty(key, out _));
            }

            // No temporary copy of holt.toml or the state (keys in them) left by a writer that died outlives the next
            // write of that file.
            await gateway.CheckAsync("peer", "add", "last");
            List<string> abandoned = [
                .. Directory.EnumerateFiles(Path.GetDirectoryName(gateway.ConfigPath)!, ".*.tmp"),
                .. Directory.EnumerateFiles(gateway.StateDirectory, ".*.tmp")];
            Assert.DoesNotContain(abandoned, path => !Directory.Exists($"/proc/{Path.GetFileName(path).Split('.')[^3]}"));
            await Traffic.AssertPingsAsync(client, "10.8.0.1");
        });
}
