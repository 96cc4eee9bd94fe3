using System.Text.Json;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Firewall;

/// <summary>
/// Issue 5's acceptance: the gateway locked down with real nft, reached with a real OpenSSH client and server and
/// a real HTTP server.
/// <code>
///   internet (10.0.0.2) ─┐                         ┌─ laptop (10.0.0.3): VPN peer
///                        ├─ hub ─ gateway 10.0.0.1 ┤
///                        │   (holt up, sshd :22)   └─ router (NAT) ─ home: VPN peer, HTTP :8080
/// </code>
/// </summary>
public sealed class FirewallTests(ITestOutputHelper output)
{
    internal const string Page = "served-from-home-7f3a";

    [RootFact]
    public Task Lockdown_SshOnlyThroughTheVpn_HomeServicePublished_EverythingElseClosed() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            Host internet = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host home = await lab.AddHostBehindNatAsync(Implementation.WireGuardGo, udpTimeoutSeconds: 60);
            Sshd sshd = await Sshd.StartAsync(lab, gateway.Host.Namespace);
            (await gateway.UpAsync()).EnsureSuccess();

            (await lab.WgQuickAsync(laptop, "up", await Harness.Gateway.WriteClientConfigAsync(lab, laptop, await gateway.AddPeerAsync("laptop")))).EnsureSuccess();
            await gateway.AddPeerAsync("home");
            await gateway.CheckAsync("expose", "add", "8080", "--peer", "home");
            string homeConfig = await gateway.CheckAsync("peer", "config", "home");
            Assert.Contains("Table = off\n", homeConfig, StringComparison.Ordinal);
            (await lab.WgQuickAsync(home, "up", await Harness.Gateway.WriteClientConfigAsync(lab, home, homeConfig))).EnsureSuccess();
            BackgroundProcess web = await StartWebServerAsync(lab, home.Namespace, 8080);
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway from the laptop");
            await Traffic.WaitUntilReachableAsync(home, "10.8.0.1", "the gateway from home");

            // Before the lockdown SSH is open to the world, over IPv4 and IPv6: the later refusal is the firewall's doing.
            (await sshd.RunAsync(internet.Namespace, gateway.Host.UnderlayV4, "echo open")).EnsureSuccess();
            (await sshd.RunAsync(internet.Namespace, gateway.Host.UnderlayV6!, "echo open")).EnsureSuccess();

            await gateway.CheckAsync("lockdown", "ssh", "--confirm-timeout", "60");

            // The confirmation comes through the tunnel: it proves the way in still works.
            (await sshd.RunAsync(laptop.Namespace, "10.8.0.1", $"{gateway.RemoteHolt} firewall confirm")).EnsureSuccess();

            CommandResult refused = await sshd.RunAsync(internet.Namespace, gateway.Host.UnderlayV4, "echo open");
            Assert.NotEqual(0, refused.ExitCode);
            lab.Log($"ssh from the internet after the lockdown: exit {refused.ExitCode}, {refused.Error.Trim()}");
            Assert.NotEqual(0, (await sshd.RunAsync(internet.Namespace, gateway.Host.UnderlayV6!, "echo open")).ExitCode);

            // echo = "allow" (the default): ping still answers, over both families.
            await Traffic.AssertPingsAsync(internet, gateway.Host.UnderlayV4);
            await Traffic.AssertPingsAsync(internet, gateway.Host.UnderlayV6!);

            // The home service answers the internet through the gateway and sees the client's own address.
            string body = await Command.CheckAsync(internet.Namespace.Wrap(Tools.Curl, "-sS", "--max-time", "10", $"http://{gateway.Host.UnderlayV4}:8080/"));
            Assert.Contains(Page, body, StringComparison.Ordinal);
            await Poll.UntilAsync(
                () => Task.FromResult(web.Log().Contains($"{internet.UnderlayV4} - - ", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(5),
                () => $"the home server did not log the internet client's address {internet.UnderlayV4}:\n{web.Log()}");

            // A port nobody listed is closed (dropped), and the WireGuard port says nothing to strangers.
            CommandResult closed = await Command.RunAsync(internet.Namespace.Wrap(Tools.Curl, "-sS", "--connect-timeout", "2", $"http://{gateway.Host.UnderlayV4}:9090/"));
            Assert.NotEqual(0, closed.ExitCode);
            Assert.Equal("silent\n", await ProbeUdpAsync(internet.Namespace, gateway.Host.UnderlayV4, gateway.Host.ListenPort));

            // /metrics, through the tunnel, counts the forwarded connection and what the policy dropped.
            string metrics = "";
            await Poll.UntilAsync(
                async () =>
                {
                    metrics = (await laptop.Namespace.TryExecAsync(Tools.Curl, "-sf", "--max-time", "5", "http://10.8.0.1:9586/metrics")).Output;
                    return Counted(metrics, $"holt_exposure_connections_total{{interface=\"{gateway.Interface}\",port=\"tcp/8080\",peer=\"home\"}} ")
                        && Counted(metrics, $"holt_firewall_dropped_packets_total{{interface=\"{gateway.Interface}\",reason=\"policy\"}} ");
                },
                TimeSpan.FromSeconds(30),
                () => "/metrics never counted the exposure's connection and the policy's drops:\n" + string.Join("\n", metrics.Split('\n').Where(l => l.StartsWith("holt_firewall", StringComparison.Ordinal) || l.StartsWith("holt_exposure", StringComparison.Ordinal))));

            // --snat is for a peer that cannot route replies back: the laptop's plain config has no return path,
            // and its server sees the gateway's VPN address instead of the client's.
            BackgroundProcess laptopWeb = await StartWebServerAsync(lab, laptop.Namespace, 8082);
            await gateway.CheckAsync("expose", "add", "8082", "--peer", "laptop", "--snat");
            string snatBody = await Command.CheckAsync(internet.Namespace.Wrap(Tools.Curl, "-sS", "--max-time", "10", $"http://{gateway.Host.UnderlayV4}:8082/"));
            Assert.Contains(Page, snatBody, StringComparison.Ordinal);
            await Poll.UntilAsync(
                () => Task.FromResult(laptopWeb.Log().Contains("10.8.0.1 - - ", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(5),
                () => $"the laptop's server did not see the gateway's VPN address:\n{laptopWeb.Log()}");
            await gateway.CheckAsync("expose", "remove", "8082");
            Assert.NotEqual(0, (await Command.RunAsync(internet.Namespace.Wrap(Tools.Curl, "-sS", "--connect-timeout", "2", $"http://{gateway.Host.UnderlayV4}:8082/"))).ExitCode);

            // Through the tunnel SSH works.
            Assert.Equal("vpn\n", (await sshd.RunAsync(laptop.Namespace, "10.8.0.1", "echo vpn")).EnsureSuccess().Output);
        });

    /// <summary>Whether the exposition has the sample that starts with <paramref name="series"/>, above zero.</summary>
    private static bool Counted(string exposition, string series) =>
        exposition.Split('\n').Any(line => line.StartsWith(series, StringComparison.Ordinal)
            && double.TryParse(line.AsSpan(series.Length), System.Globalization.CultureInfo.InvariantCulture, out double value) && value > 0);

    [RootFact]
    public Task PublicPortLimits_DropTheSixthNewConnectionInAMinute_AndTheThirdOpenAtOnce_PerSource() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            Host first = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host second = await lab.AddHostAsync(Implementation.WireGuardGo);
            await StartWebServerAsync(lab, gateway.Host.Namespace, 8081);
            BackgroundProcess holder = lab.StartProcess(gateway.Host.Namespace, Tools.Python3, "-c", """
                import socket
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("0.0.0.0", 8083))
                s.listen(64)
                held = []
                while True:
                    held.append(s.accept()[0])
                """);
            await gateway.EditConfigAsync(text => text.Replace(
                "echo = \"allow\"\n",
                "echo = \"drop\"\n\n[[firewall.public]]\nport = 8081\nnew_per_minute = 5\n\n[[firewall.public]]\nport = 8083\nconcurrent = 2\n",
                StringComparison.Ordinal));
            (await gateway.UpAsync()).EnsureSuccess();
            await Traffic.AssertPingsAsync(first, gateway.Host.UnderlayV6!);
            await gateway.CheckAsync("firewall", "apply");
            await gateway.CheckAsync("firewall", "confirm", "--force");

            await Traffic.AssertNoReplyAsync(first, gateway.Host.UnderlayV4, "echo = \"drop\"");
            await Traffic.AssertNoReplyAsync(first, gateway.Host.UnderlayV6!, "echo = \"drop\"");

            string url = $"http://{gateway.Host.UnderlayV4}:8081/";
            for (int i = 1; i <= 5; i++)
            {
                CommandResult ok = await Command.RunAsync(first.Namespace.Wrap(Tools.Curl, "-sS", "--connect-timeout", "3", url));
                Assert.True(ok.Succeeded, $"connection {i} of 5 was refused: {ok.Describe()}");
            }

            CommandResult sixth = await Command.RunAsync(first.Namespace.Wrap(Tools.Curl, "-sS", "--connect-timeout", "3", url));
            Assert.False(sixth.Succeeded, "the sixth new connection within a minute got through");

            // The limit is per source: another address still gets in.
            (await Command.RunAsync(second.Namespace.Wrap(Tools.Curl, "-sS", "--connect-timeout", "3", url))).EnsureSuccess();

            // At most 2 connections open at once per source on 8083: the third waits in vain while two are held.
            string opened = await Command.CheckAsync(first.Namespace.Wrap(Tools.Python3, "-c", $$"""
                import socket
                held = []
                for i in range(3):
                    c = socket.socket()
                    c.settimeout(3)
                    try:
                        c.connect(("{{gateway.Host.UnderlayV4}}", 8083))
                        held.append(c)
                        print("open")
                    except OSError:
                        print("refused")
                """));
            Assert.Equal("open\nopen\nrefused\n", opened);
            Assert.False(holder.HasExited, holder.Log());

            // /metrics (read on the gateway itself) counts each limit's drops under its port.
            string metrics = "";
            await Poll.UntilAsync(
                async () =>
                {
                    metrics = (await gateway.Host.Namespace.TryExecAsync(Tools.Curl, "-sf", "--max-time", "5", "http://10.8.0.1:9586/metrics")).Output;
                    return Counted(metrics, $"holt_firewall_dropped_packets_total{{interface=\"{gateway.Interface}\",reason=\"rate_limit\",port=\"tcp/8081\"}} ")
                        && Counted(metrics, $"holt_firewall_dropped_packets_total{{interface=\"{gateway.Interface}\",reason=\"concurrency_limit\",port=\"tcp/8083\"}} ");
                },
                TimeSpan.FromSeconds(30),
                () => "/metrics never counted the limits' drops:\n" + string.Join("\n", metrics.Split('\n').Where(l => l.StartsWith("holt_firewall", StringComparison.Ordinal))));
        });

    [RootFact]
    public Task UnconfirmedApply_RollsBack_AndAnOpenSshSessionSurvivesIt() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            Host internet = await lab.AddHostAsync(Implementation.WireGuardGo);
            Sshd sshd = await Sshd.StartAsync(lab, gateway.Host.Namespace);
            (await gateway.UpAsync()).EnsureSuccess();
            await gateway.Host.Namespace.NftAsync("""
                table inet other {
                    chain keep {
                        type filter hook input priority 10; policy accept;
                        tcp dport 22 counter comment "someone else's rule"
                    }
                }
                """);
            string foreign = await ForeignTableAsync(gateway);

            BackgroundProcess session = lab.StartProcess(internet.Namespace, sshd.Command(gateway.Host.UnderlayV4, "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo tick $i; sleep 1; done"));
            await Poll.UntilAsync(() => Task.FromResult(session.Log().Contains("tick 2", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), () => $"the SSH session did not start: {session.Log()}");

            await gateway.CheckAsync("firewall", "apply", "--confirm-timeout", "6");
            Assert.NotEqual(0, (await sshd.RunAsync(internet.Namespace, gateway.Host.UnderlayV4, "true", connectTimeoutSeconds: 2)).ExitCode);
            Assert.Equal(foreign, await ForeignTableAsync(gateway));

            // The session that was open goes on to its end through the apply.
            Assert.True(await session.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the SSH session hung");
            Assert.True(session.ExitCode == 0 && session.Log().Contains("tick 12", StringComparison.Ordinal), $"the SSH session was cut: exit {session.ExitCode}\n{session.Log()}");

            // Nobody confirmed: the previous (open) ruleset is back, and there is nothing left to confirm.
            await Poll.UntilAsync(
                async () => (await sshd.RunAsync(internet.Namespace, gateway.Host.UnderlayV4, "true", connectTimeoutSeconds: 2)).Succeeded,
                TimeSpan.FromSeconds(20),
                () => "SSH from the internet did not come back after the confirmation timeout");
            CommandResult confirm = await gateway.RunAsync("firewall", "confirm");
            Assert.Equal(1, confirm.ExitCode);
            Assert.Contains("enabled = false", await File.ReadAllTextAsync(gateway.ConfigPath), StringComparison.Ordinal);

            // Off, like apply, leaves the other table exactly as it was.
            await gateway.CheckAsync("firewall", "apply");
            await gateway.CheckAsync("firewall", "confirm", "--force");
            Assert.Equal(foreign, await ForeignTableAsync(gateway));
            await gateway.CheckAsync("firewall", "off");
            Assert.Equal(foreign, await ForeignTableAsync(gateway));
            (await sshd.RunAsync(internet.Namespace, gateway.Host.UnderlayV4, "true")).EnsureSuccess();
        });

    [RootFact]
    public Task ApplyOverSsh_NeverCutsTheSessionThatRanIt_AndIsConfirmedOnlyThroughTheTunnel() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            Host internet = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            Sshd sshd = await Sshd.StartAsync(lab, gateway.Host.Namespace);
            (await gateway.UpAsync()).EnsureSuccess();
            (await lab.WgQuickAsync(laptop, "up", await Harness.Gateway.WriteClientConfigAsync(lab, laptop, await gateway.AddPeerAsync("laptop")))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway from the laptop");

            // The operator works over public SSH: lockdown runs in that session, which carries on, and can
            // reconnect while the apply waits.
            CommandResult run = await sshd.RunAsync(internet.Namespace, gateway.Host.UnderlayV4,
                $"{gateway.RemoteHolt} lockdown ssh --confirm-timeout 60 && sleep 2 && echo still-here");
            Assert.True(run.Succeeded, run.Describe());
            Assert.Contains("still-here", run.Output, StringComparison.Ordinal);

            // The pending apply shows, with the time left and the session let in meanwhile.
            using (JsonDocument status = JsonDocument.Parse(await gateway.CheckAsync("firewall", "status", "--json")))
            {
                JsonElement pending = status.RootElement.GetProperty("pending");
                Assert.InRange(pending.GetProperty("seconds_left").GetInt32(), 1, 60);
                Assert.StartsWith(internet.UnderlayV4 + " ", pending.GetProperty("ssh_session_let_in").GetString(), StringComparison.Ordinal);
            }

            // Confirming from the public session proves nothing about the way in: refused, and still pending.
            CommandResult fromOutside = await sshd.RunAsync(internet.Namespace, gateway.Host.UnderlayV4, $"{gateway.RemoteHolt} firewall confirm");
            Assert.Equal(1, fromOutside.ExitCode);
            Assert.Contains($"this SSH session comes from {internet.UnderlayV4}, outside the VPN", fromOutside.Error, StringComparison.Ordinal);
            Assert.Contains("awaits holt firewall confirm", await gateway.CheckAsync("firewall", "status"), StringComparison.Ordinal);

            // Through the tunnel it is accepted.
            (await sshd.RunAsync(laptop.Namespace, "10.8.0.1", $"{gateway.RemoteHolt} firewall confirm")).EnsureSuccess();
            Assert.DoesNotContain("awaits", await gateway.CheckAsync("firewall", "status"), StringComparison.Ordinal);

            // Confirmed: the policy is exactly holt.toml's, so a new public SSH connection is refused now.
            Assert.NotEqual(0, (await sshd.RunAsync(internet.Namespace, gateway.Host.UnderlayV4, "true", connectTimeoutSeconds: 2)).ExitCode);
        });

    /// <summary>
    /// A web server serving <see cref="Page"/> on <paramref name="port"/>: IPv4 only, or both families with
    /// <paramref name="bind"/> "::" (it then logs IPv4 clients as ::ffff:ADDRESS).
    /// </summary>
    internal static async Task<BackgroundProcess> StartWebServerAsync(Lab lab, NetworkNamespace ns, int port, string bind = "0.0.0.0")
    {
        string root = Path.Combine(lab.Directory, "www-" + ns.Name);
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, "index.html"), Page + "\n");
        BackgroundProcess server = lab.StartProcess(ns, Tools.Python3, "-u", "-m", "http.server", port.ToString(), "--bind", bind, "--directory", root);
        await Poll.UntilAsync(
            async () => server.HasExited || (await ns.ExecAsync(Tools.Ss, "-Htln", $"sport = :{port}")).Length > 0,
            TimeSpan.FromSeconds(10),
            () => $"the web server in {ns} did not start: {server.Log()}");
        if (server.HasExited)
        {
            throw new XunitException($"the web server in {ns} exited: {server.Log()}");
        }

        return server;
    }

    /// <summary>Sends unauthenticated datagrams of typical WireGuard sizes; prints the size of any reply, or "silent".</summary>
    private static Task<string> ProbeUdpAsync(NetworkNamespace from, string address, int port) =>
        Command.CheckAsync(from.Wrap(Tools.Python3, "-c", $$"""
            import os, socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(2)
            for size in (1, 32, 92, 148, 1200):
                s.sendto(bytes([1, 0, 0, 0]) + os.urandom(size), ("{{address}}", {{port}}))
            try:
                print(len(s.recv(4096)))
            except socket.timeout:
                print("silent")
            """));

    private static Task<string> ForeignTableAsync(Harness.Gateway gateway) =>
        gateway.Host.Namespace.ExecAsync(Tools.Nft, "-s", "list", "table", "inet", "other");
}
