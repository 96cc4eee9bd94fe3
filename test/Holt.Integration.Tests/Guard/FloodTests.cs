using System.Diagnostics;
using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Guard;

/// <summary>
/// The guard inside the gateway daemon against a real OpenSSH server logging through a real rsyslogd: a flood of
/// wrong passwords from one namespace is banned, another namespace keeps its access, unban restores, the ban
/// outlives a daemon restart and a lost nftables table, and a log rotation in the middle of a flood loses no line
/// and re-reads none.
/// </summary>
public sealed class FloodTests(ITestOutputHelper output)
{
    [RootFact]
    public Task PasswordFlood_IsBanned_OthersStayIn_UnbanRestores_BanSurvivesRestart() =>
        Lab.RunAsync(output, async lab =>
        {
            (Harness.Gateway gateway, Rsyslog syslog, Sshd sshd) = await StartAsync(lab, maxretry: 5);
            Host attacker = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host other = await lab.AddHostAsync(Implementation.WireGuardGo);
            string target = gateway.Host.UnderlayV4;
            (await sshd.RunAsync(attacker.Namespace, target, "true")).EnsureSuccess();

            for (int i = 1; i <= 4; i++)
            {
                await FailAsync(attacker, target);
            }

            Assert.DoesNotContain(attacker.UnderlayV4, await BansAsync(gateway));
            await FailAsync(attacker, target);
            var clock = Stopwatch.StartNew();
            await Poll.UntilAsync(
                async () => (await BansAsync(gateway)).Contains(attacker.UnderlayV4, StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                () => "the flooding address was not banned; auth.log:\n" + File.ReadAllText(syslog.AuthLog));
            lab.Log($"banned {clock.Elapsed.TotalMilliseconds:0} ms after the 5th failure returned");
            Assert.Equal(5, Regex.Count(File.ReadAllText(syslog.AuthLog), $"Failed password for root from {Regex.Escape(attacker.UnderlayV4)} "));

            await AssertLockedOutAsync(sshd, attacker, target);
            (await sshd.RunAsync(other.Namespace, target, "true")).EnsureSuccess();
            Assert.InRange(Harness.Gateway.BanRemaining(await gateway.CheckAsync("guard", "status"), attacker.UnderlayV4, "sshd") ?? 0, 3000, 3600);

            // The running guard's own account: the jail, what it reads, five failures and one ban.
            string jailLine = $@"sshd +sshd +{Regex.Escape(syslog.AuthLog)} +5 +1\n";
            await Poll.UntilAsync(
                async () => Regex.IsMatch(await gateway.CheckAsync("guard", "status"), jailLine),
                TimeSpan.FromSeconds(10),
                () => "holt guard status did not show the jail's counts");
            Assert.Contains($"banned {attacker.UnderlayV4} in jail sshd for 1h", File.ReadAllText(gateway.LogPath), StringComparison.Ordinal);

            // A restart, even one that finds the kernel's sets empty (a reboot), puts the ban back with its time left.
            await gateway.DownAsync();
            await gateway.Host.Namespace.ExecAsync(Tools.Nft, "delete", "table", "inet", "holt_guard");
            (await sshd.RunAsync(attacker.Namespace, target, "true")).EnsureSuccess();
            await UpAsync(gateway);
            int? restored = Harness.Gateway.BanRemaining(await gateway.CheckAsync("guard", "status"), attacker.UnderlayV4, "sshd");
            Assert.True(restored is not null, "the ban was not restored after the restart");
            Assert.InRange(restored.Value, 3000, 3600);
            await AssertLockedOutAsync(sshd, attacker, target);
            (await sshd.RunAsync(other.Namespace, target, "true")).EnsureSuccess();

            // Unban lifts it now, and for good: the next restart does not bring it back.
            await gateway.CheckAsync("guard", "unban", attacker.UnderlayV4);
            (await sshd.RunAsync(attacker.Namespace, target, "true")).EnsureSuccess();
            await gateway.DownAsync();
            await UpAsync(gateway);
            Assert.DoesNotContain(attacker.UnderlayV4, await BansAsync(gateway));
            (await sshd.RunAsync(attacker.Namespace, target, "true")).EnsureSuccess();
        });

    [RootFact]
    public Task RotationMidFlood_LosesNoFailure_AndReadsNoneTwice() =>
        Lab.RunAsync(output, async lab =>
        {
            (Harness.Gateway gateway, Rsyslog syslog, Sshd sshd) = await StartAsync(lab, maxretry: 6);
            Host attacker = await lab.AddHostAsync(Implementation.WireGuardGo);
            string target = gateway.Host.UnderlayV4;

            for (int i = 1; i <= 3; i++)
            {
                await FailAsync(attacker, target);
            }

            // Rotated as logrotate does (rename, then SIGHUP): a failure logged just before the reopen lands in the
            // renamed file, one just after in the new file.
            syslog.Rotate();
            for (int i = 4; i <= 5; i++)
            {
                await FailAsync(attacker, target);
            }

            // Five failures: had the rotated file been read again (eight counted), this would already be a ban.
            await Task.Delay(1500);
            Assert.DoesNotContain(attacker.UnderlayV4, await BansAsync(gateway));
            Assert.Equal(
                5,
                Regex.Count(File.ReadAllText(syslog.AuthLog + ".1") + File.ReadAllText(syslog.AuthLog), $"Failed password for root from {Regex.Escape(attacker.UnderlayV4)} "));

            // The sixth makes six only if none of the five was lost across the rotation.
            await FailAsync(attacker, target);
            await Poll.UntilAsync(
                async () => (await BansAsync(gateway)).Contains(attacker.UnderlayV4, StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                () => "six failures across a rotation were not banned; daemon log:\n" + File.ReadAllText(gateway.LogPath));
            await AssertLockedOutAsync(sshd, attacker, target);
        });

    [RootFact]
    public Task WordPressFloodReplay_BansTheSource() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            Host attacker = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host reader = await lab.AddHostAsync(Implementation.WireGuardGo);
            string accessLog = Path.Combine(lab.Directory, "access.log");
            await File.WriteAllTextAsync(accessLog, $"{reader.UnderlayV4} - - [24/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"\n");
            await gateway.EditConfigAsync(text => text + $"""

                [guard]
                enabled = true

                [[guard.jail]]
                name = "wordpress"
                filter = "wordpress"
                logpath = "{accessLog}"
                maxretry = 1000
                findtime = "1m"

                """);
            await UpAsync(gateway, "wordpress", accessLog);
            await Traffic.AssertPingsAsync(attacker, gateway.Host.UnderlayV4);

            // A broken hand edit (a pattern without its host group) is refused with its line; the guard runs on.
            string good = await File.ReadAllTextAsync(gateway.ConfigPath);
            await gateway.EditConfigAsync(text => text + "\n[[guard.filter]]\nname = \"broken\"\nregex = \"^(?<ip>\\\\S+) \"\n");
            await Poll.UntilAsync(
                () => Task.FromResult(File.ReadAllText(gateway.LogPath).Contains("filter 'broken': pattern", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30),
                () => "the broken edit was not reported: " + File.ReadAllText(gateway.LogPath));

            // A good one (a flood of 10 is enough now) restarts the guard with it.
            string Restarts() => File.ReadAllText(gateway.LogPath);
            int started = Regex.Count(Restarts(), Regex.Escape($"guard: jail wordpress reads {accessLog}"));
            await File.WriteAllTextAsync(gateway.ConfigPath, good.Replace("maxretry = 1000", "maxretry = 10", StringComparison.Ordinal));
            await Poll.UntilAsync(
                () => Task.FromResult(Regex.Count(Restarts(), Regex.Escape($"guard: jail wordpress reads {accessLog}")) > started),
                TimeSpan.FromSeconds(30),
                () => "the guard did not restart with the edit: " + File.ReadAllText(gateway.LogPath));

            // The replay: a reader browsing, a bot hammering wp-login.php and xmlrpc.php, appended as nginx writes them.
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var replay = new System.Text.StringBuilder();
            for (int i = 0; i < 12; i++)
            {
                string time = now.AddSeconds(i).ToString("dd/MMM/yyyy:HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture);
                string path = i % 3 == 2 ? "/xmlrpc.php" : "/wp-login.php";
                replay.Append($"{attacker.UnderlayV4} - - [{time}] \"POST {path} HTTP/1.1\" 200 4210 \"-\" \"python-requests/2.31\"\n");
                replay.Append($"{reader.UnderlayV4} - - [{time}] \"GET /blog/{i} HTTP/1.1\" 200 9000 \"https://example.com/\" \"Mozilla/5.0 {attacker.UnderlayV4}\"\n");
            }

            await File.AppendAllTextAsync(accessLog, replay.ToString());
            await Poll.UntilAsync(
                async () => (await BansAsync(gateway)).Contains(attacker.UnderlayV4, StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                () => "the WordPress flood was not banned; daemon log:\n" + File.ReadAllText(gateway.LogPath));
            await Traffic.AssertNoReplyAsync(attacker, gateway.Host.UnderlayV4, "the WordPress flooder is banned");
            await Traffic.AssertPingsAsync(reader, gateway.Host.UnderlayV4);
            Assert.DoesNotContain(reader.UnderlayV4, await BansAsync(gateway));
        });

    [RootFact]
    public Task APeersEndpoint_IsNeverBanned_AndAManualBanOfItNeedsForce() =>
        Lab.RunAsync(output, async lab =>
        {
            // A family member's laptop at home shares the home's public address with the peer "mom" there.
            (Harness.Gateway gateway, Rsyslog syslog, Sshd sshd) = await StartAsync(lab, maxretry: 3);
            Host home = await lab.AddHostAsync(Implementation.WireGuardGo);
            (await lab.WgQuickAsync(home, "up", await Harness.Gateway.WriteClientConfigAsync(lab, home, await gateway.AddPeerAsync("mom")))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(home, "10.8.0.1", "the gateway from home");
            string target = gateway.Host.UnderlayV4;

            // Wrong passwords from the home's address, more than maxretry: the guard counts them as ignored, never bans.
            for (int i = 0; i < 5; i++)
            {
                await FailAsync(home, target);
            }

            string status = Path.Combine(gateway.StateDirectory, "guard.status");
            await Poll.UntilAsync(
                () => Task.FromResult(File.Exists(status) && System.Text.Json.JsonDocument.Parse(File.ReadAllText(status)).RootElement.GetProperty("ignored").GetInt64() >= 5),
                TimeSpan.FromSeconds(10),
                () => "the guard did not see the five failures: " + File.ReadAllText(syslog.AuthLog));
            Assert.DoesNotContain(home.UnderlayV4, await BansAsync(gateway));
            await Traffic.AssertPingsAsync(home, "10.8.0.1");

            // By hand it takes --force, and says what it cuts.
            CommandResult refused = await gateway.RunAsync("guard", "ban", home.UnderlayV4);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains($"not banning {home.UnderlayV4}: it is a way in (the endpoint of peer 'mom'", refused.Error, StringComparison.Ordinal);
            Assert.Contains("--force bans it anyway", refused.Error, StringComparison.Ordinal);
            Assert.DoesNotContain(home.UnderlayV4, await BansAsync(gateway));

            CommandResult forced = await gateway.RunAsync("guard", "ban", home.UnderlayV4, "--force");
            Assert.Equal(0, forced.ExitCode);
            Assert.Contains("warning: this ban cuts the endpoint of peer 'mom'", forced.Error, StringComparison.Ordinal);
            await Traffic.AssertNoReplyAsync(home, target, "the home's address is banned by hand");

            // The gateway's own address and loopback: never, whatever the flag.
            Assert.Contains("it is a way in (this machine's own address", (await gateway.RunAsync("guard", "ban", target)).Error, StringComparison.Ordinal);
            Assert.Contains("it is loopback", (await gateway.RunAsync("guard", "ban", "127.0.0.1", "--force")).Error, StringComparison.Ordinal);

            await gateway.CheckAsync("guard", "unban", home.UnderlayV4);
            await Traffic.WaitUntilReachableAsync(home, "10.8.0.1", "the gateway from home, unbanned");
            _ = sshd;
        });

    /// <summary>
    /// sshd with PAM, as most distributions build it: a wrong password through keyboard-interactive writes a PAM
    /// module's failure, sshd's own "PAM: Authentication failure" and "Failed keyboard-interactive/pam", and one
    /// through password a PAM module's failure and "Failed password". Each attempt must count once: with maxretry 4,
    /// three attempts (eight such lines) ban nothing, and the fourth bans.
    /// </summary>
    [RootFact]
    public Task PamFailures_EachAttemptCountsOnce_WhateverItWrites() =>
        Lab.RunAsync(output, async lab =>
        {
            (Harness.Gateway gateway, Rsyslog syslog, Sshd sshd) = await StartAsync(lab, maxretry: 4, (_, text) => text
                .Replace("KbdInteractiveAuthentication no", "KbdInteractiveAuthentication yes", StringComparison.Ordinal)
                .Replace("UsePAM no", "UsePAM yes", StringComparison.Ordinal));
            Host attacker = await lab.AddHostAsync(Implementation.WireGuardGo);
            string target = gateway.Host.UnderlayV4;

            await FailAsync(attacker, target, "keyboard-interactive");
            await FailAsync(attacker, target, "keyboard-interactive");
            await FailAsync(attacker, target, "password");
            await Task.Delay(1500);
            string log = File.ReadAllText(syslog.AuthLog);
            string address = Regex.Escape(attacker.UnderlayV4);
            Assert.Equal(2, Regex.Count(log, $@"error: PAM: Authentication failure for root from {address}\n"));
            Assert.Equal(2, Regex.Count(log, $"Failed keyboard-interactive/pam for root from {address} "));
            Assert.Equal(1, Regex.Count(log, $"Failed password for root from {address} "));
            Assert.True(Regex.Count(log, $@"pam_unix\(sshd:auth\): authentication failure; .* rhost={address}") >= 3, "PAM's own lines are missing: " + log);
            Assert.DoesNotContain(attacker.UnderlayV4, await BansAsync(gateway));

            await FailAsync(attacker, target, "password");
            await Poll.UntilAsync(
                async () => (await BansAsync(gateway)).Contains(attacker.UnderlayV4, StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                () => "four attempts through PAM were not banned; auth.log:\n" + File.ReadAllText(syslog.AuthLog));
            await AssertLockedOutAsync(sshd, attacker, target);
        });

    /// <summary>A gateway whose guard follows the lab's auth.log, fed by rsyslogd from a password-taking sshd.</summary>
    private static async Task<(Harness.Gateway, Rsyslog, Sshd)> StartAsync(Lab lab, int maxretry, Func<string, string, string>? editConfig = null)
    {
        Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
        Rsyslog syslog = await Rsyslog.StartAsync(lab, gateway.Host.Namespace);
        Sshd sshd = await Sshd.StartAsync(lab, gateway.Host.Namespace, syslog, passwords: true, editConfig);
        await Poll.UntilAsync(
            () => Task.FromResult(File.Exists(syslog.AuthLog) && File.ReadAllText(syslog.AuthLog).Contains("Server listening", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10),
            () => "sshd's first line did not reach auth.log through rsyslogd: " + sshd.Process.Log());
        await gateway.EditConfigAsync(text => text + $"""

            [guard]
            enabled = true
            maxretry = {maxretry}
            findtime = "10m"
            bantime = "1h"

            [[guard.jail]]
            name = "sshd"
            filter = "sshd"
            logpath = "{syslog.AuthLog}"

            """);
        await UpAsync(gateway, "sshd", syslog.AuthLog);
        return (gateway, syslog, sshd);
    }

    /// <summary>holt up, then waits until the daemon says the jail follows its log (the guard starts after the VPN).</summary>
    private static async Task UpAsync(Harness.Gateway gateway, string jail = "sshd", string? path = null)
    {
        string expected = $"guard: jail {jail} reads {path}";
        int Started() => File.Exists(gateway.LogPath) ? Regex.Count(File.ReadAllText(gateway.LogPath), Regex.Escape(expected)) : 0;
        int before = Started();
        (await gateway.UpAsync()).EnsureSuccess();
        await Poll.UntilAsync(
            () => Task.FromResult(Started() > before),
            TimeSpan.FromSeconds(10),
            () => "the guard did not start: " + File.ReadAllText(gateway.LogPath));
    }

    /// <summary>One wrong password, which sshd refuses ("Permission denied"), not a connection that failed.</summary>
    private static async Task FailAsync(Host attacker, string target, string method = "password")
    {
        CommandResult attempt = await Sshd.FailPasswordAsync(attacker.Namespace, target, method: method);
        Assert.True(
            attempt.ExitCode != 0 && attempt.Error.Contains("Permission denied", StringComparison.Ordinal),
            $"expected a refused password: {attempt.Describe()}");
    }

    /// <summary>The addresses in the guard's sets, as nft lists them.</summary>
    private static async Task<string> BansAsync(Harness.Gateway gateway) =>
        (await gateway.Host.Namespace.TryExecAsync(Tools.Nft, "list", "table", "inet", "holt_guard")).Output;

    /// <summary>The banned namespace cannot even reach sshd: its connection attempt times out.</summary>
    private static async Task AssertLockedOutAsync(Sshd sshd, Host attacker, string target)
    {
        var clock = Stopwatch.StartNew();
        CommandResult attempt = await sshd.RunAsync(attacker.Namespace, target, "true", connectTimeoutSeconds: 2);
        Assert.NotEqual(0, attempt.ExitCode);
        Assert.Contains("timed out", attempt.Output + attempt.Error, StringComparison.OrdinalIgnoreCase);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5), $"the connection failed at once, not by timing out: {attempt.Describe()}");
    }
}
