using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Guard;

/// <summary><c>holt guard run</c>: the guard on its own, without the gateway daemon.</summary>
public sealed class GuardRunTests(ITestOutputHelper output)
{
    [RootFact]
    public Task GuardRun_BansFromItsJail_RefusesASecondGuard_AndStopsCleanly() =>
        Lab.RunAsync(output, async lab =>
        {
            // A gateway's files, never brought up: the guard reads [guard] and the VPN subnet from its holt.toml.
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            Host attacker = await lab.AddHostAsync(Implementation.WireGuardGo);
            string log = Path.Combine(lab.Directory, "myapp.log");
            await File.WriteAllTextAsync(log, "service started\n");
            await gateway.EditConfigAsync(text => text + $$"""

                [guard]
                maxretry = 3

                [[guard.filter]]
                name = "myapp"
                regex = '^login failed for \S+ from (?<host>[0-9a-f:.]+)$'

                [[guard.jail]]
                name = "myapp"
                filter = "myapp"
                logpath = "{{log}}"

                """);
            string[] run = [Requirements.Find("env"), $"HOLT_CONFIG={gateway.ConfigPath}", $"HOLT_STATE_DIR={gateway.StateDirectory}", Tools.Holt, "guard", "run"];
            BackgroundProcess guard = lab.StartProcess(gateway.Host.Namespace, run);
            await Poll.UntilAsync(
                () => Task.FromResult(guard.Log().Contains($"guard: jail myapp reads {log}", StringComparison.Ordinal) || guard.HasExited),
                TimeSpan.FromSeconds(10),
                () => guard.Log());
            Assert.False(guard.HasExited, guard.Log());

            // A second guard on the same state would read the same logs twice: refused in one line.
            CommandResult second = await gateway.RunAsync("guard", "run");
            Assert.Equal(1, second.ExitCode);
            Assert.StartsWith("holt: the guard already runs", second.Error, StringComparison.Ordinal);

            // The VPN subnet is never banned, however often it fails; the attacker is, at its third failure.
            await Traffic.AssertPingsAsync(attacker, gateway.Host.UnderlayV4);
            await File.AppendAllTextAsync(log, string.Concat(Enumerable.Repeat("login failed for admin from 10.8.0.7\n", 5)));
            await File.AppendAllTextAsync(log, string.Concat(Enumerable.Repeat($"login failed for root from {attacker.UnderlayV4}\n", 3)));
            await Poll.UntilAsync(
                async () => (await gateway.Host.Namespace.TryExecAsync(Tools.Nft, "list", "table", "inet", "holt_guard")).Output.Contains(attacker.UnderlayV4, StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                () => "holt guard run did not ban: " + guard.Log());
            await Traffic.AssertNoReplyAsync(attacker, gateway.Host.UnderlayV4, "the attacker is banned");
            string status = await gateway.CheckAsync("guard", "status");
            Assert.DoesNotContain("10.8.0.7", status, StringComparison.Ordinal);
            await Poll.UntilAsync(
                async () => Regex.IsMatch(await gateway.CheckAsync("guard", "status"), $@"myapp +myapp +{Regex.Escape(log)} +3 +1\n"),
                TimeSpan.FromSeconds(10),
                () => "the jail's counts did not show");

            // SIGTERM stops it: exit code 0, its status file gone, the ban left to the kernel's timeout.
            Assert.True(guard.Signal(15));
            Assert.True(await guard.WaitForExitAsync(TimeSpan.FromSeconds(10)), guard.Log());
            Assert.Equal(0, guard.ExitCode);
            Assert.False(File.Exists(Path.Combine(gateway.StateDirectory, "guard.status")));
            Assert.Contains(attacker.UnderlayV4, (await gateway.Host.Namespace.ExecAsync(Tools.Nft, "list", "table", "inet", "holt_guard")), StringComparison.Ordinal);
            await gateway.Host.Namespace.ExecAsync(Tools.Nft, "delete", "table", "inet", "holt_guard");
        });

    [RootFact]
    public Task GuardRun_OnAServerWithoutTheGateway_NeedsNoGatewaySection() =>
        Lab.RunAsync(output, async lab =>
        {
            Host server = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host attacker = await lab.AddHostAsync(Implementation.WireGuardGo);
            string log = Path.Combine(lab.Directory, "auth.log");
            await File.WriteAllTextAsync(log, "");
            string config = await lab.WriteFileAsync("guard-only/holt.toml", $$"""
                [guard]
                maxretry = 2

                [[guard.jail]]
                name = "sshd"
                filter = "sshd"
                logpath = "{{log}}"

                """);
            string state = Path.Combine(lab.Directory, "guard-only", "state");
            string[] run = [Requirements.Find("env"), $"HOLT_CONFIG={config}", $"HOLT_STATE_DIR={state}", Tools.Holt, "guard", "run"];
            BackgroundProcess guard = lab.StartProcess(server.Namespace, run);
            await Poll.UntilAsync(
                () => Task.FromResult(guard.Log().Contains($"guard: jail sshd reads {log}", StringComparison.Ordinal) || guard.HasExited),
                TimeSpan.FromSeconds(10),
                () => guard.Log());
            Assert.False(guard.HasExited, guard.Log());
            Assert.DoesNotContain("[gateway]", guard.Log(), StringComparison.Ordinal);

            DateTimeOffset now = DateTimeOffset.UtcNow;
            await File.AppendAllTextAsync(log, Harness.Gateway.FailedPassword(now, attacker.UnderlayV4, 1) + "\n" + Harness.Gateway.FailedPassword(now, attacker.UnderlayV4, 2) + "\n");
            await Poll.UntilAsync(
                async () => (await server.Namespace.TryExecAsync(Tools.Nft, "list", "table", "inet", "holt_guard")).Output.Contains(attacker.UnderlayV4, StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                () => "holt guard run without [gateway] did not ban: " + guard.Log());
            await Traffic.AssertNoReplyAsync(attacker, server.UnderlayV4, "the attacker is banned");

            Assert.True(guard.Signal(15));
            Assert.True(await guard.WaitForExitAsync(TimeSpan.FromSeconds(10)), guard.Log());
            Assert.Equal(0, guard.ExitCode);
            await server.Namespace.ExecAsync(Tools.Nft, "delete", "table", "inet", "holt_guard");
        });
}
