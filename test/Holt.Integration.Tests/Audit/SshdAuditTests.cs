using System.Text.Json;
using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Audit;

/// <summary>
/// Issue 16's acceptance for sshd: a real sshd with a weak configuration in the gateway's namespace, reached with
/// the real ssh client (keys) and sshpass (passwords) from another namespace, judged by Debian's ssh-audit before
/// and after <c>holt audit fix</c>. The password account is a second uid-0 account of the test's own (removed at
/// teardown), so a password session may run holt, and the password guard has something to refuse.
/// </summary>
public sealed partial class SshdAuditTests(ITestOutputHelper output)
{
    private const string Password = "holt-audit-Pa55word";

    [RootFact]
    public Task WeakSshd_ReportedFixedAndConfirmed_AndRolledBackWithoutConfirmation() =>
        Lab.RunAsync(output, async lab =>
        {
            (Harness.Gateway gateway, Host internet, Sshd sshd, string user, string address, string fix) = await StartWeakAsync(lab);

            // Every weakness of the configuration is reported, at its severity, from sshd -T.
            JsonElement report = await AuditAsync(gateway, sshd);
            Dictionary<string, JsonElement> findings = report.GetProperty("findings").EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!);
            foreach (string id in new[] { "sshd.password-authentication", "sshd.permit-root-login" })
            {
                Assert.Equal("critical", findings[id].GetProperty("severity").GetString());
            }

            Assert.Contains("diffie-hellman-group1-sha1", findings["sshd.weak-kex"].GetProperty("evidence").GetString(), StringComparison.Ordinal);
            Assert.Contains("3des-cbc", findings["sshd.weak-ciphers"].GetProperty("evidence").GetString(), StringComparison.Ordinal);
            Assert.Contains("hmac-md5", findings["sshd.weak-macs"].GetProperty("evidence").GetString(), StringComparison.Ordinal);
            Assert.Contains("ecdsa-sha2-nistp256", findings["sshd.weak-host-keys"].GetProperty("evidence").GetString(), StringComparison.Ordinal);
            Assert.Contains("sshd.x11-forwarding", findings.Keys);
            Assert.Contains("sshd.max-auth-tries", findings.Keys);
            Assert.Equal("warning", findings["sshd.max-auth-tries"].GetProperty("severity").GetString());
            List<string> failsBefore = await SshAuditFailuresAsync(internet, address);
            lab.Log($"ssh-audit before: {failsBefore.Count} failing algorithms: {string.Join(", ", failsBefore)}");
            Assert.Contains("diffie-hellman-group1-sha1", failsBefore);
            (await PasswordLoginAsync(internet, address, user)).EnsureSuccess();

            // A session opened before everything stays through the fix, the rollback, the second fix and the confirmation.
            BackgroundProcess longSession = lab.StartProcess(internet.Namespace, [.. sshd.Command(address, "echo opened; sleep 40; echo still-there", connectTimeoutSeconds: 10)]);
            await Poll.UntilAsync(() => Task.FromResult(longSession.Log().Contains("opened", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), () => $"the long session did not open: {longSession.Log()}");

            // 1. Fixed without confirmation: the new values hold until the deadline, then the old ones are back.
            CommandResult unconfirmed = await sshd.RunAsync(internet.Namespace, address, $"{fix} --safe --confirm-timeout 8", connectTimeoutSeconds: 10);
            unconfirmed.EnsureSuccess();
            lab.Log($"holt audit fix --safe:\n{unconfirmed.Output}{unconfirmed.Error}");
            Assert.Equal("no", await EffectiveAsync(gateway, sshd, "passwordauthentication"));
            Assert.Contains("Permission denied", (await PasswordLoginAsync(internet, address, user)).Error, StringComparison.Ordinal);
            await Poll.UntilAsync(
                () => Task.FromResult(!File.Exists(Path.Combine(gateway.StateDirectory, "audit.pending"))),
                TimeSpan.FromSeconds(30),
                () => "the unconfirmed fix was not rolled back");
            Assert.Equal("yes", await EffectiveAsync(gateway, sshd, "passwordauthentication"));
            Assert.False(File.Exists(DropIn(sshd)), "the rollback leaves no drop-in where there was none");
            (await PasswordLoginAsync(internet, address, user)).EnsureSuccess();

            // 2. Fixed and confirmed from a new login: the confirmation from the fixing session itself proves nothing.
            CommandResult sameSession = await sshd.RunAsync(internet.Namespace, address, $"{fix} --safe --confirm-timeout 60 && {gateway.RemoteHolt} audit confirm", connectTimeoutSeconds: 10);
            Assert.NotEqual(0, sameSession.ExitCode);
            Assert.Contains("before the fix", sameSession.Error, StringComparison.Ordinal);
            (await sshd.RunAsync(internet.Namespace, address, $"{gateway.RemoteHolt} audit confirm", connectTimeoutSeconds: 10)).EnsureSuccess();
            foreach ((string keyword, string value) in new[] { ("passwordauthentication", "no"), ("permitrootlogin", "without-password"), ("x11forwarding", "no"), ("maxauthtries", "4") })
            {
                Assert.Equal(value, await EffectiveAsync(gateway, sshd, keyword));
            }

            Assert.DoesNotContain("diffie-hellman-group1-sha1", await EffectiveAsync(gateway, sshd, "kexalgorithms"), StringComparison.Ordinal);
            CommandResult refused = await PasswordLoginAsync(internet, address, user);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("Permission denied", refused.Error, StringComparison.Ordinal);
            lab.Log($"password login after the fix: exit {refused.ExitCode}, {refused.Error.Trim()}");
            Assert.Equal("key-works\n", (await sshd.RunAsync(internet.Namespace, address, "echo key-works", connectTimeoutSeconds: 10)).EnsureSuccess().Output);
            List<string> failsAfter = await SshAuditFailuresAsync(internet, address);
            lab.Log($"ssh-audit after: {failsAfter.Count} failing algorithms: {string.Join(", ", failsAfter)}");
            Assert.True(failsAfter.Count < failsBefore.Count, $"ssh-audit failed {failsBefore.Count} algorithms before and {failsAfter.Count} after");

            // Past the first deadline the confirmed fix stays.
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal("no", await EffectiveAsync(gateway, sshd, "passwordauthentication"));
            Assert.True(File.Exists(DropIn(sshd)));
            Assert.DoesNotContain("sshd.password-authentication", (await AuditAsync(gateway, sshd)).GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("id").GetString()));

            await Poll.UntilAsync(() => Task.FromResult(longSession.HasExited), TimeSpan.FromSeconds(60), () => "the long session did not end");
            Assert.Contains("still-there", longSession.Log(), StringComparison.Ordinal);
        });

    [RootFact]
    public Task LockoutGuards_RefuseAndChangeNothing_ListenOnTheVpnOnlyThroughIt() =>
        Lab.RunAsync(output, async lab =>
        {
            (Harness.Gateway gateway, Host internet, Sshd sshd, string user, string address, string fix) = await StartWeakAsync(lab);

            // sshd only on the VPN while the VPN is down: refused.
            CommandResult vpnDown = await sshd.RunAsync(internet.Namespace, address, $"{fix} sshd.listen-public", connectTimeoutSeconds: 10);
            Assert.Equal(1, vpnDown.ExitCode);
            Assert.Matches(@"^holt: the VPN \(\S+\) is not running; .*\n$", vpnDown.Error);
            Assert.False(File.Exists(DropIn(sshd)));
            (await gateway.UpAsync()).EnsureSuccess();

            // A session that logged in with a password may not turn passwords off (it reads its own login in auth.log).
            CommandResult withPassword = await Command.RunAsync(internet.Namespace.Wrap(
            [
                Tools.Sshpass, "-p", Password, Tools.Ssh, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
                $"{user}@{address}", $"{fix} sshd.password-authentication",
            ]));
            Assert.Equal(1, withPassword.ExitCode);
            Assert.Matches(@"^holt: this SSH session logged in with a password \(.*Accepted password for " + user + @" from .*\); .*\n$", withPassword.Error);
            Assert.False(File.Exists(DropIn(sshd)));
            Assert.Equal("yes", await EffectiveAsync(gateway, sshd, "passwordauthentication"));

            // Outside SSH, for a user with no authorized key: refused too.
            CommandResult noKey = await Command.RunAsync(gateway.Host.Namespace.Wrap(["env", $"SUDO_USER={user}", .. HoltCommand(gateway, "audit", "fix", "sshd.password-authentication", "--sshd-config", sshd.ConfigPath)]));
            Assert.Equal(1, noKey.ExitCode);
            Assert.Matches($@"^holt: {user} has no authorized key \(.*\); with passwords off {user} could not log in\. .*\n$", noKey.Error);
            Assert.False(File.Exists(DropIn(sshd)));

            // A key session from outside the VPN may not restrict sshd to the VPN.
            CommandResult outside = await sshd.RunAsync(internet.Namespace, address, $"{fix} sshd.listen-public", connectTimeoutSeconds: 10);
            Assert.Equal(1, outside.ExitCode);
            Assert.Contains("does not come through the VPN", outside.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(DropIn(sshd)));
            Assert.Equal(1, outside.Error.Count(c => c == '\n'));

            // Through the VPN it is made: sshd then answers the VPN address alone, and a new login through the VPN confirms it.
            bool sysctlBefore = File.Exists("/etc/sysctl.d/90-holt-sshd.conf");
            lab.OnTeardown(() =>
            {
                if (!sysctlBefore)
                {
                    File.Delete("/etc/sysctl.d/90-holt-sshd.conf");
                }

                return Task.FromResult<IReadOnlyList<string>>([]);
            });
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            (await lab.WgQuickAsync(laptop, "up", await Harness.Gateway.WriteClientConfigAsync(lab, laptop, await gateway.AddPeerAsync("laptop")))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway from the laptop");
            (await sshd.RunAsync(laptop.Namespace, "10.8.0.1", $"{fix} sshd.listen-public --confirm-timeout 60", connectTimeoutSeconds: 10)).EnsureSuccess();
            (await sshd.RunAsync(laptop.Namespace, "10.8.0.1", $"{gateway.RemoteHolt} audit confirm", connectTimeoutSeconds: 10)).EnsureSuccess();
            Assert.Equal("10.8.0.1:22", await EffectiveAsync(gateway, sshd, "listenaddress"));
            await Poll.UntilAsync(
                async () => (await sshd.RunAsync(internet.Namespace, address, "true", connectTimeoutSeconds: 3)).ExitCode != 0,
                TimeSpan.FromSeconds(10),
                () => "sshd still answers the public address");
            (await sshd.RunAsync(laptop.Namespace, "10.8.0.1", "true", connectTimeoutSeconds: 10)).EnsureSuccess();
        });

    [RootFact]
    public Task BadInput_OneLineErrors_NothingChanged() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            Sshd sshd = await Sshd.StartAsync(lab, gateway.Host.Namespace, passwords: true, editConfig: Weaken);
            string config = await File.ReadAllTextAsync(sshd.ConfigPath);

            // No sshd at all.
            gateway.ExtraEnvironment["HOLT_SSHD"] = "/nonexistent/sbin/sshd";
            await AssertOneLineAsync(gateway, "holt: sshd: sshd is not installed (/nonexistent/sbin/sshd not found)", "audit", "--only", "sshd");
            await AssertOneLineAsync(gateway, "holt: sshd: sshd is not installed (/nonexistent/sbin/sshd not found)", "audit", "fix", "--safe");
            gateway.ExtraEnvironment.Remove("HOLT_SSHD");

            // A configuration sshd refuses: its own first error line.
            string broken = await lab.WriteFileAsync("sshd_config.broken", config.Replace("X11Forwarding yes", "X11Forwardin yes", StringComparison.Ordinal));
            await AssertOneLineAsync(gateway, "Bad configuration option: X11Forwardin", "audit", "--only", "sshd", "--sshd-config", broken);
            await AssertOneLineAsync(gateway, "Bad configuration option: X11Forwardin", "audit", "fix", "sshd.x11-forwarding", "--sshd-config", broken);

            // A drop-in "directory" that is a file.
            string other = Path.Combine(lab.Directory, "other-ssh");
            Directory.CreateDirectory(other);
            await File.WriteAllTextAsync(Path.Combine(other, "sshd_config.d"), "not a directory\n");
            string misplaced = Path.Combine(other, "sshd_config");
            await File.WriteAllTextAsync(misplaced, config);
            await AssertOneLineAsync(gateway, "is not a directory; nothing was changed", "audit", "fix", "sshd.x11-forwarding", "--sshd-config", misplaced);
            Assert.Equal("not a directory\n", await File.ReadAllTextAsync(Path.Combine(other, "sshd_config.d")));

            // Findings that are not there, or not IDs at all.
            await AssertOneLineAsync(gateway, "holt: no finding sshd.no-such-check on this machine now", "audit", "fix", "sshd.no-such-check", "sshd.x11-forwarding", "--sshd-config", sshd.ConfigPath);
            await AssertOneLineAsync(gateway, "holt: 'x11;rm' is not a finding ID", "audit", "fix", "x11;rm", "--sshd-config", sshd.ConfigPath);
            await AssertOneLineAsync(gateway, "holt: name the findings to fix", "audit", "fix", "--sshd-config", sshd.ConfigPath);
            await AssertOneLineAsync(gateway, "holt: unknown area 'sshdd'", "audit", "--only", "sshdd");
            await AssertOneLineAsync(gateway, "holt: no audit fix is waiting for confirmation", "audit", "confirm");

            Assert.False(File.Exists(DropIn(sshd)), "nothing may be written");
            Assert.False(File.Exists(Path.Combine(gateway.StateDirectory, "audit.pending")));
            Assert.Equal("yes", await EffectiveAsync(gateway, sshd, "x11forwarding"));
        });

    [RootFact]
    public Task UnconfirmedFix_WatcherKilled_DaemonRollsItBackAtStart() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            Sshd sshd = await Sshd.StartAsync(lab, gateway.Host.Namespace, passwords: true, editConfig: Weaken);

            // Outside SSH, as root (who has a key): the fix goes ahead.
            await gateway.CheckAsync("audit", "fix", "sshd.x11-forwarding", "--sshd-config", sshd.ConfigPath, "--confirm-timeout", "5");
            Assert.Equal("no", await EffectiveAsync(gateway, sshd, "x11forwarding"));

            // The machine "reboots": the watcher dies with it, and the deadline passes with nobody to roll back.
            foreach (string pid in (await Command.RunAsync(["pgrep", "-f", "audit rollback-watch"])).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string environ = File.Exists($"/proc/{pid}/environ") ? await File.ReadAllTextAsync($"/proc/{pid}/environ") : "";
                if (environ.Contains($"HOLT_STATE_DIR={gateway.StateDirectory}\0", StringComparison.Ordinal))
                {
                    await Command.RunAsync(["kill", "-9", pid]);
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(7));
            Assert.Equal("no", await EffectiveAsync(gateway, sshd, "x11forwarding"));

            // The daemon's start finds the fix still unconfirmed and past its deadline: it goes.
            (await gateway.UpAsync()).EnsureSuccess();
            await Poll.UntilAsync(
                () => Task.FromResult(!File.Exists(Path.Combine(gateway.StateDirectory, "audit.pending"))),
                TimeSpan.FromSeconds(20),
                () => "the daemon did not roll back the unconfirmed fix");
            Assert.Equal("yes", await EffectiveAsync(gateway, sshd, "x11forwarding"));
            Assert.False(File.Exists(DropIn(sshd)));
        });

    private static async Task AssertOneLineAsync(Harness.Gateway gateway, string expected, params string[] arguments)
    {
        CommandResult result = await gateway.RunAsync(arguments);
        Assert.True(result.ExitCode == 1, $"expected exit code 1: {result.Describe()}");
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Equal(1, result.Error.Count(c => c == '\n'));
        Assert.StartsWith("holt: ", result.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// A gateway namespace with the weak sshd (logging through rsyslog to an auth.log), a host on the internet, the
    /// password account, the gateway's public address and the fix command line (through ssh) with its options.
    /// </summary>
    private static async Task<(Harness.Gateway Gateway, Host Internet, Sshd Sshd, string User, string Address, string Fix)> StartWeakAsync(Lab lab)
    {
        Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
        Host internet = await lab.AddHostAsync(Implementation.WireGuardGo);
        Rsyslog syslog = await Rsyslog.StartAsync(lab, gateway.Host.Namespace);
        Sshd sshd = await Sshd.StartAsync(lab, gateway.Host.Namespace, syslog, passwords: true, editConfig: Weaken);
        string user = await AddPasswordRootAsync(lab);
        return (gateway, internet, sshd, user, gateway.Host.UnderlayV4, $"{gateway.RemoteHolt} audit fix --sshd-config {sshd.ConfigPath} --auth-log {syslog.AuthLog}");
    }

    /// <summary>
    /// Makes the test's sshd weak: passwords and root, old algorithms, an ECDSA host key, X11, 10 tries; and lets it
    /// listen where sshd does by default (every address), as Debian's sshd_config does, so a drop-in can decide.
    /// </summary>
    private static string Weaken(string directory, string config)
    {
        string ecdsa = Path.Combine(directory, "host_key_ecdsa");
        Command.CheckAsync([Tools.SshKeygen, "-q", "-t", "ecdsa", "-N", "", "-f", ecdsa]).GetAwaiter().GetResult();
        Directory.CreateDirectory(Path.Combine(directory, "sshd_config.d"));

        // Keys a user of its own: root's is the client key; the password account has none.
        Directory.CreateDirectory(Path.Combine(directory, "keys"));
        File.Copy(Path.Combine(directory, "client_key.pub"), Path.Combine(directory, "keys", "root"), overwrite: true);
        return $"Include {Path.Combine(directory, "sshd_config.d")}/*.conf\n" + config
            .Replace("PermitRootLogin prohibit-password", "PermitRootLogin yes", StringComparison.Ordinal)
            .Replace("ListenAddress 0.0.0.0\nListenAddress ::\n", "", StringComparison.Ordinal)
            .Replace($"AuthorizedKeysFile {Path.Combine(directory, "authorized_keys")}", $"AuthorizedKeysFile {Path.Combine(directory, "keys")}/%u", StringComparison.Ordinal)
            + $"""
            HostKey {ecdsa}
            X11Forwarding yes
            MaxAuthTries 10
            KexAlgorithms +diffie-hellman-group1-sha1
            Ciphers +aes128-cbc,3des-cbc
            MACs +hmac-md5

            """;
    }

    private static string DropIn(Sshd sshd) => Path.Combine(sshd.Directory, "sshd_config.d", "00-holt.conf");

    private static string[] HoltCommand(Harness.Gateway gateway, params string[] arguments) =>
        ["env", $"HOLT_CONFIG={gateway.ConfigPath}", $"HOLT_STATE_DIR={gateway.StateDirectory}", Tools.Holt, .. arguments];

    private static async Task<JsonElement> AuditAsync(Harness.Gateway gateway, Sshd sshd)
    {
        CommandResult result = await gateway.RunAsync("audit", "--only", "sshd", "--json", "--sshd-config", sshd.ConfigPath);
        Assert.True(result.ExitCode is 0 or 3, $"holt audit failed: {result.Describe()}");
        return JsonDocument.Parse(result.Output).RootElement.Clone();
    }

    private static async Task<string> EffectiveAsync(Harness.Gateway gateway, Sshd sshd, string keyword)
    {
        string effective = await Command.CheckAsync(gateway.Host.Namespace.Wrap([Tools.Sshd, "-T", "-f", sshd.ConfigPath]));
        return effective.Split('\n').Select(l => l.Split(' ', 2)).First(p => p[0] == keyword)[1].Trim();
    }

    private static Task<CommandResult> PasswordLoginAsync(Host from, string address, string user) =>
        Command.RunAsync(from.Namespace.Wrap(
        [
            Tools.Sshpass, "-p", Password, Tools.Ssh, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1",
            "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", $"{user}@{address}", "true",
        ]));

    /// <summary>The algorithms Debian's ssh-audit fails on the server (its "-- [fail]" lines).</summary>
    private static async Task<List<string>> SshAuditFailuresAsync(Host from, string address)
    {
        CommandResult result = await Command.RunAsync(from.Namespace.Wrap([Tools.SshAudit, "-n", "-t", "10", address]));
        Assert.True(result.Output.Contains("(kex)", StringComparison.Ordinal), $"ssh-audit did not reach sshd: {result.Describe()}");
        return FailLine().Matches(result.Output).Select(m => m.Groups[1].Value).ToList();
    }

    /// <summary>
    /// A second uid-0 account with a password, of this test's own (sshd with UsePAM no checks it in /etc/shadow);
    /// removed at teardown.
    /// </summary>
    private static async Task<string> AddPasswordRootAsync(Lab lab)
    {
        string user = "hta" + lab.Id.Replace("hti-", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        await Command.CheckAsync(["useradd", "-o", "-u", "0", "-g", "0", "-M", "-d", "/root", "-s", "/bin/sh", user]);
        lab.OnTeardown(async () =>
        {
            CommandResult removed = await Command.RunAsync(["userdel", "-f", user]);
            return removed.ExitCode == 0 ? [] : [$"userdel {user}: {removed.Error.Trim()}"];
        });
        await Command.CheckAsync(["chpasswd"], input: $"{user}:{Password}\n");
        return user;
    }

    [GeneratedRegex(@"^\((?:kex|key|enc|mac)\) (\S+)\s+-- \[fail\]", RegexOptions.Multiline)]
    private static partial Regex FailLine();
}
