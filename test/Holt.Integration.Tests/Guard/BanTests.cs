using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Guard;

/// <summary>Bans as kernel set elements: they stop one source at once, the kernel lifts them at their time, unban lifts them early.</summary>
public sealed class BanTests(ITestOutputHelper output)
{
    [RootFact]
    public Task Ban_StopsThatSourceOnly_ExpiresInTheKernel_AndUnbanRestores() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            Host attacker = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host other = await lab.AddHostAsync(Implementation.WireGuardGo);
            Sshd sshd = await Sshd.StartAsync(lab, gateway.Host.Namespace);
            (await sshd.RunAsync(attacker.Namespace, gateway.Host.UnderlayV4, "true")).EnsureSuccess();
            string foreign = await gateway.Host.Namespace.ExecAsync(Tools.Nft, "-s", "list", "ruleset");

            // An open connection is cut too: the ban's chain runs before the firewall's established rule.
            BackgroundProcess session = lab.StartProcess(attacker.Namespace, sshd.Command(gateway.Host.UnderlayV4, "for i in $(seq 1 30); do echo tick $i; sleep 1; done"));
            await Poll.UntilAsync(() => Task.FromResult(session.Log().Contains("tick 1", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), () => session.Log());

            await gateway.CheckAsync("guard", "ban", attacker.UnderlayV4, "--jail", "sshd", "--time", "1h");
            Assert.NotEqual(0, (await sshd.RunAsync(attacker.Namespace, gateway.Host.UnderlayV4, "true", connectTimeoutSeconds: 2)).ExitCode);
            await Traffic.AssertNoReplyAsync(attacker, gateway.Host.UnderlayV4, "the attacker is banned");
            (await sshd.RunAsync(other.Namespace, gateway.Host.UnderlayV4, "true")).EnsureSuccess();
            string status = await gateway.CheckAsync("guard", "status");
            Assert.InRange(Harness.Gateway.BanRemaining(status, attacker.UnderlayV4, "sshd") ?? 0, 3000, 3600);
            int ticks = session.Log().Split('\n').Count(l => l.StartsWith("tick", StringComparison.Ordinal));
            await Task.Delay(2000);
            Assert.Equal(ticks, session.Log().Split('\n').Count(l => l.StartsWith("tick", StringComparison.Ordinal)));

            await gateway.CheckAsync("guard", "unban", attacker.UnderlayV4);
            (await sshd.RunAsync(attacker.Namespace, gateway.Host.UnderlayV4, "true")).EnsureSuccess();

            // A short ban ends in the kernel, with no Holt process involved.
            await gateway.CheckAsync("guard", "ban", attacker.UnderlayV4, "--time", "3s");
            Assert.NotEqual(0, (await sshd.RunAsync(attacker.Namespace, gateway.Host.UnderlayV4, "true", connectTimeoutSeconds: 1)).ExitCode);
            await Poll.UntilAsync(
                async () => (await sshd.RunAsync(attacker.Namespace, gateway.Host.UnderlayV4, "true", connectTimeoutSeconds: 2)).Succeeded,
                TimeSpan.FromSeconds(15),
                () => "the 3-second ban did not expire");

            // Nothing else in nftables changed beyond Holt's own guard table.
            string after = await gateway.Host.Namespace.ExecAsync(Tools.Nft, "-s", "list", "ruleset");
            Assert.Equal(foreign, RemoveTable(after, "table inet holt_guard"));
            await gateway.Host.Namespace.ExecAsync(Tools.Nft, "delete", "table", "inet", "holt_guard");
        });

    private static string RemoveTable(string ruleset, string header)
    {
        int start = ruleset.IndexOf(header + " {", StringComparison.Ordinal);
        if (start < 0)
        {
            return ruleset;
        }

        int end = ruleset.IndexOf("\n}\n", start, StringComparison.Ordinal);
        return ruleset.Remove(start, end + 3 - start);
    }
}
