using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Gateway;

/// <summary>
/// The disk that holds holt.toml and the state fills up (a runaway log, a full /var): the gateway must go on
/// carrying the tunnel, keep its firewall and bans, come back after kill -9 and <c>holt up</c>, and refuse an edit
/// with one line while leaving every file as it was. Once there is room again, edits and the totals go on.
/// </summary>
public sealed class FullDiskTests(ITestOutputHelper output)
{
    private const string EarlyAttacker = "203.0.113.5";
    private const string LateAttacker = "203.0.113.66";

    [RootFact]
    public Task DiskFull_TunnelFirewallAndBansHold_KillNineComesBack_EditsFailCleanly_RoomAgainGoesOn() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateOnSmallDiskAsync(lab, sizeMiB: 8);
            string log = Path.Combine(lab.Directory, "auth.log");
            await File.WriteAllTextAsync(log, "");
            await gateway.EnableSshdJailAsync(log);
            (await gateway.UpAsync()).EnsureSuccess();
            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            string config = await gateway.AddPeerAsync("laptop");
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, config))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway's VPN address");

            // A ban stored while there was room.
            await FailAsync(log, EarlyAttacker);
            await UntilBannedAsync(gateway, EarlyAttacker, "before the disk filled");

            // The state has recorded the laptop's handshake (a sample every 10 s), as on a gateway that ran a while.
            string key = (await gateway.PeersAsync())["laptop"].GetProperty("public_key").GetString()!;
            await Poll.UntilAsync(
                async () =>
                {
                    using JsonDocument state = JsonDocument.Parse(await File.ReadAllTextAsync(gateway.StateFile));
                    return state.RootElement.GetProperty("peers").TryGetProperty(key, out JsonElement laptop) &&
                        laptop.TryGetProperty("last_handshake", out JsonElement seen) && seen.ValueKind == JsonValueKind.String;
                },
                TimeSpan.FromSeconds(30),
                () => "the state never recorded the laptop's handshake");

            // The disk fills.
            string fill = Path.Combine(gateway.DataDirectory, "fill");
            CommandResult dd = await Command.RunAsync(["dd", "if=/dev/zero", $"of={fill}", "bs=64k"]);
            Assert.Contains("No space left on device", dd.Output + dd.Error, StringComparison.Ordinal);
            string configBefore = await File.ReadAllTextAsync(gateway.ConfigPath);
            string stateBefore = await File.ReadAllTextAsync(gateway.StateFile);
            lab.Log("the disk is full");

            // An edit is refused with one line, and leaves holt.toml, the state and no temporary file behind.
            CommandResult add = await gateway.RunAsync("peer", "add", "phone");
            Assert.False(add.Succeeded, add.Describe());
            string error = add.Error.Trim();
            Assert.DoesNotContain('\n', error);
            Assert.StartsWith("holt: ", error, StringComparison.Ordinal);
            Assert.Contains("No space left on device", error, StringComparison.Ordinal);
            Assert.Equal(configBefore, await File.ReadAllTextAsync(gateway.ConfigPath));
            Assert.Equal(stateBefore, await File.ReadAllTextAsync(gateway.StateFile));
            Assert.Empty(TemporaryFiles(gateway));

            // The daemon outlives a totals round that cannot be written, and the tunnel carries throughout.
            int pid = DaemonPid(gateway);
            await Task.Delay(TimeSpan.FromSeconds(12));
            Assert.True(Directory.Exists($"/proc/{pid}"), "the daemon died on the full disk:\n" + File.ReadAllText(gateway.LogPath));
            await Traffic.AssertPingsAsync(client, "10.8.0.1");

            // The guard still bans: the kernel's set gets the address even though the store cannot record it.
            await FailAsync(log, LateAttacker);
            await UntilBannedAsync(gateway, LateAttacker, "on the full disk");

            // Someone flushes the ruleset: the table and the stored ban come back, with no room to write anything.
            _ = await gateway.Host.Namespace.ExecAsync(Tools.Nft, "flush", "ruleset");
            await UntilTableAsync(gateway, "after nft flush ruleset on the full disk");
            await UntilBannedAsync(gateway, EarlyAttacker, "after nft flush ruleset on the full disk");

            // kill -9, then holt up: the gateway comes back on the full disk, and the peer with it.
            using (var daemon = Process.GetProcessById(DaemonPid(gateway)))
            {
                daemon.Kill();
                await daemon.WaitForExitAsync();
            }

            var clock = Stopwatch.StartNew();
            CommandResult up = await gateway.UpAsync();
            Assert.True(up.Succeeded, "holt up on the full disk failed: " + up.Describe());
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway after kill -9 on the full disk");
            lab.Log($"kill -9 on the full disk: holt up and the peer back in {clock.ElapsedMilliseconds} ms");
            await UntilTableAsync(gateway, "after kill -9 and holt up on the full disk");
            await UntilBannedAsync(gateway, EarlyAttacker, "after kill -9 and holt up on the full disk");
            Assert.Equal(configBefore, await File.ReadAllTextAsync(gateway.ConfigPath));
            using (JsonDocument state = JsonDocument.Parse(await File.ReadAllTextAsync(gateway.StateFile)))
            {
                Assert.Equal(JsonValueKind.Object, state.RootElement.GetProperty("peers").ValueKind);
            }

            // Room again: the refused edit goes through, and the totals are written again.
            File.Delete(fill);
            lab.Log("room again");
            await gateway.AddPeerAsync("phone");
            Assert.Contains("phone", (await gateway.PeersAsync()).Keys);
            await Traffic.AssertPingsAsync(client, "10.8.0.1");
            await Poll.UntilAsync(
                async () => (await gateway.PeersAsync())["laptop"].GetProperty("rx_bytes").GetUInt64() > 0,
                TimeSpan.FromSeconds(30),
                () => "the laptop's totals were never written once there was room");
            Assert.Empty(TemporaryFiles(gateway));
            Assert.True(
                Directory.Exists($"/proc/{DaemonPid(gateway)}"),
                "the daemon is gone:\n" + File.ReadAllText(gateway.LogPath));

            // The ban decided on the full disk was kept until the store took it: after kill -9 it comes back from there.
            await Poll.UntilAsync(
                async () => (await StoredBansAsync(gateway)).Contains(LateAttacker, StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                () => $"the ban store never recorded {LateAttacker} once there was room");
            using (var daemon = Process.GetProcessById(DaemonPid(gateway)))
            {
                daemon.Kill();
                await daemon.WaitForExitAsync();
            }

            _ = await gateway.Host.Namespace.ExecAsync(Tools.Nft, "flush", "ruleset");
            (await gateway.UpAsync()).EnsureSuccess();
            await UntilBannedAsync(gateway, LateAttacker, "after room came back, kill -9 and holt up");
            await UntilBannedAsync(gateway, EarlyAttacker, "after room came back, kill -9 and holt up");

            // The full disk was said, not shouted: each problem once, not at every round.
            string daemonLog = await File.ReadAllTextAsync(gateway.LogPath);
            List<string> said = [.. daemonLog.Split('\n').Where(line => line.Contains("No space left on device", StringComparison.Ordinal) || line.Contains("disk is full", StringComparison.Ordinal))];
            int complaints = said.Count;
            lab.Log($"the daemon said the disk was full {complaints} times, over two daemons:\n  " + string.Join("\n  ", said));
            Assert.True(complaints <= 20, $"the daemon said the disk was full {complaints} times:\n{daemonLog}");
            Assert.Contains($"banned {LateAttacker} in jail sshd", daemonLog, StringComparison.Ordinal);
            Assert.DoesNotContain(".tmp'", daemonLog, StringComparison.Ordinal);
        });

    /// <summary>The networks in the guard's ban store, read with python3's sqlite3 module.</summary>
    private static async Task<string> StoredBansAsync(Harness.Gateway gateway) =>
        (await Command.RunAsync([
            "python3", "-c", "import sqlite3, sys; print(*[row[0] for row in sqlite3.connect(sys.argv[1]).execute('SELECT network FROM bans')])",
            Path.Combine(gateway.StateDirectory, "guard.db")])).EnsureSuccess().Output;

    private static int DaemonPid(Harness.Gateway gateway) =>
        int.Parse(File.ReadAllText($"/run/holt/{gateway.Interface}.pid").Trim(), CultureInfo.InvariantCulture);

    private static List<string> TemporaryFiles(Harness.Gateway gateway) =>
        [.. Directory.EnumerateFiles(gateway.DataDirectory, ".*.tmp", SearchOption.AllDirectories)];

    /// <summary>Three failed passwords from <paramref name="address"/>, enough for the jail's ban.</summary>
    private static Task FailAsync(string log, string address)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return File.AppendAllTextAsync(log, string.Concat(Enumerable.Range(1, 3).Select(i => Harness.Gateway.FailedPassword(now, address, i) + "\n")));
    }

    private static Task UntilBannedAsync(Harness.Gateway gateway, string address, string when) =>
        Poll.UntilAsync(
            async () => (await gateway.Host.Namespace.TryExecAsync(Tools.Nft, "list", "table", "inet", "holt_guard")).Output.Contains(address, StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            () => $"{address} is not in the kernel's ban set {when}; daemon log:\n" + File.ReadAllText(gateway.LogPath));

    private static Task UntilTableAsync(Harness.Gateway gateway, string when) =>
        Poll.UntilAsync(
            async () => (await gateway.Host.Namespace.TryExecAsync(Tools.Nft, "list", "table", "inet", gateway.Table)).Succeeded,
            TimeSpan.FromSeconds(10),
            () => $"the table inet {gateway.Table} is not back {when}; daemon log:\n" + File.ReadAllText(gateway.LogPath));
}
