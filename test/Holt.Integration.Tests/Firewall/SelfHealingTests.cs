using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Firewall;

/// <summary>
/// The firewall never fails open: whatever else touches nftables (<c>nft flush ruleset</c>, which
/// <c>systemctl restart nftables</c> runs with Debian's stock configuration; a table deleted by hand; a rule slipped
/// into Holt's table), the running gateway puts its tables back as holt.toml says, with every ban and the time it
/// has left, and a tool that keeps flushing gets a rate-limited answer, not a busy fight.
/// </summary>
public sealed partial class SelfHealingTests(ITestOutputHelper output)
{
    [RootFact]
    public Task FlushedDeletedOrTamperedTables_AreRestored_WithTheirBans() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            Host internet = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host attacker = await lab.AddHostAsync(Implementation.WireGuardGo);
            Sshd sshd = await Sshd.StartAsync(lab, gateway.Host.Namespace);
            (await gateway.UpAsync()).EnsureSuccess();
            await gateway.CheckAsync("lockdown", "ssh", "--confirm-timeout", "60");
            await gateway.CheckAsync("firewall", "confirm", "--force");
            await gateway.CheckAsync("guard", "ban", attacker.UnderlayV4, "--time", "1h");
            await AssertClosedAsync(gateway, sshd, internet, attacker);

            (string Name, string[] Fault)[] faults =
            [
                ("nft flush ruleset", ["flush", "ruleset"]),
                ("the gateway's table deleted", ["delete", "table", "inet", gateway.Table]),
                ("the ban table deleted", ["delete", "table", "inet", "holt_guard"]),
                ("a rule slipped into the gateway's table", ["insert", "rule", "inet", gateway.Table, "input", "tcp", "dport", "22", "accept", "comment", "\"foreign\""]),
                ("a rule slipped into the ban table", ["insert", "rule", "inet", "holt_guard", "input", "accept", "comment", "\"foreign\""]),
            ];
            foreach ((string name, string[] fault) in faults)
            {
                var clock = Stopwatch.StartNew();
                await gateway.Host.Namespace.ExecAsync([Tools.Nft, .. fault]);
                await Poll.UntilAsync(
                    async () => await RestoredAsync(gateway, attacker),
                    TimeSpan.FromSeconds(15),
                    () => $"the tables did not come back after {name}");
                lab.Log($"{name}: tables restored {clock.ElapsedMilliseconds} ms after the change");
                await AssertClosedAsync(gateway, sshd, internet, attacker);
                int? left = Harness.Gateway.BanRemaining(await gateway.CheckAsync("guard", "status"), attacker.UnderlayV4, "manual");
                Assert.True(left is not null, $"the ban is not shown after {name}");
                Assert.InRange(left.Value, 3000, 3600);
            }

            // Each repair was logged and counted, and holt status says so.
            string log = await File.ReadAllTextAsync(gateway.LogPath);
            Assert.Contains($"firewall: table inet {gateway.Table} was removed; restored it as holt.toml says", log, StringComparison.Ordinal);
            Assert.Contains($"firewall: table inet {gateway.Table} was changed by someone else; restored it as holt.toml says", log, StringComparison.Ordinal);
            Assert.Contains("guard: table inet holt_guard was removed or changed; recreated it and put the bans back", log, StringComparison.Ordinal);
            using (JsonDocument status = JsonDocument.Parse(await gateway.CheckAsync("status", "--json")))
            {
                Assert.Equal(3, status.RootElement.GetProperty("firewall").GetProperty("repairs").GetProperty("count").GetInt32());
                Assert.Equal(3, status.RootElement.GetProperty("guard").GetProperty("repairs").GetProperty("count").GetInt32());
                Assert.True(status.RootElement.GetProperty("firewall").GetProperty("intact").GetBoolean());
            }

            Assert.Contains("repaired 3 times", await gateway.CheckAsync("status"), StringComparison.Ordinal);
        });

    [RootFact]
    public Task AToolThatKeepsFlushing_GetsRateLimitedRepairs_AndTheTablesComeBackWhenItStops() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            await Poll.UntilAsync(async () => await TableAsync(gateway, gateway.Table) is not null, TimeSpan.FromSeconds(10), () => "no table at the start");

            // 40 flushes in about 4 s: Holt may answer the first few at once, then one every 10 s.
            var clock = Stopwatch.StartNew();
            await gateway.Host.Namespace.ExecAsync("sh", "-c", $"for i in $(seq 40); do {Tools.Nft} flush ruleset; sleep 0.1; done");
            double flooding = clock.Elapsed.TotalSeconds;
            int during = await RepairsAsync(gateway);
            lab.Log($"{during} repairs while the ruleset was flushed 40 times in {flooding:0.0} s");
            Assert.InRange(during, 1, 5 + (int)(flooding / 10) + 1);

            await Poll.UntilAsync(
                async () => await TableAsync(gateway, gateway.Table) is not null && await TableAsync(gateway, "holt_guard") is not null,
                TimeSpan.FromSeconds(30),
                () => "the tables did not come back after the flushing stopped");
            lab.Log($"the tables were back {clock.Elapsed.TotalSeconds - flooding:0.0} s after the last flush");
        });

    private static async Task AssertClosedAsync(Harness.Gateway gateway, Sshd sshd, Host internet, Host attacker)
    {
        Assert.NotEqual(0, (await sshd.RunAsync(internet.Namespace, gateway.Host.UnderlayV4, "true", connectTimeoutSeconds: 2)).ExitCode);
        await Traffic.AssertNoReplyAsync(attacker, gateway.Host.UnderlayV4, "the attacker is banned");
    }

    /// <summary>Both tables are back, the ban in place, and no foreign rule left.</summary>
    private static async Task<bool> RestoredAsync(Harness.Gateway gateway, Host attacker)
    {
        string? firewall = await TableAsync(gateway, gateway.Table);
        string? bans = await TableAsync(gateway, "holt_guard");
        return firewall is not null && bans is not null &&
            firewall.Contains("policy drop", StringComparison.Ordinal) &&
            !firewall.Contains("foreign", StringComparison.Ordinal) && !bans.Contains("foreign", StringComparison.Ordinal) &&
            bans.Contains(attacker.UnderlayV4, StringComparison.Ordinal);
    }

    private static async Task<string?> TableAsync(Harness.Gateway gateway, string table)
    {
        CommandResult listed = await gateway.Host.Namespace.TryExecAsync(Tools.Nft, "list", "table", "inet", table);
        return listed.Succeeded ? listed.Output : null;
    }

    private static async Task<int> RepairsAsync(Harness.Gateway gateway)
    {
        using JsonDocument status = JsonDocument.Parse(await gateway.CheckAsync("status", "--json"));
        return status.RootElement.GetProperty("firewall").GetProperty("repairs").GetProperty("count").GetInt32();
    }
}
