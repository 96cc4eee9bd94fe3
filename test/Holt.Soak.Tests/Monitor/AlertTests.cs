using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Holt.Integration.Tests.Harness;
using Harness = Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Soak.Tests.Monitor;

/// <summary>
/// The monitor's alerts end to end, with real wireguard-go clients, a real webhook receiver and a real Prometheus,
/// in one gateway's life: an expected peer with keepalive that dies raises exactly one "peer down" notice after its
/// <c>for</c>, a kill -9 and restart of the daemon while it fires sends nothing again, and its return sends exactly
/// one resolved notice; all the while an expected peer without keepalive that is merely idle (for ten minutes, past
/// the end of its keys) and a peer whose path flaps every two seconds for two minutes raise nothing. Prometheus,
/// scraping the same daemon, evaluates the classic rule on <c>time() - wireguard_latest_handshake_seconds</c>, which
/// fires for the dead peer as it should, and for the idle one too, which is the noise Holt's own rule leaves out.
/// </summary>
public sealed class AlertTests(ITestOutputHelper output)
{
    private const int HookPort = 18080;
    private const string PrometheusWeb = "127.0.0.1:19091";

    /// <summary>A webhook receiver: every POST body appended to a file as one line, answered 200.</summary>
    private const string Receiver = """
        import http.server, sys
        out = sys.argv[2]
        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
                with open(out, 'ab') as f:
                    f.write(body.replace(b'\n', b' ') + b'\n')
                self.send_response(200)
                self.end_headers()
            def log_message(self, *args):
                pass
        http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Hook).serve_forever()
        """;

    [RootFact]
    public Task PeerDown_FiresOnce_SurvivesARestart_AndResolvesOnce_WhileIdleAndFlappingPeersStayQuiet() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            string hooks = Path.Combine(lab.Directory, "hooks.jsonl");
            File.WriteAllText(hooks, "");
            string receiver = await lab.WriteFileAsync("receiver.py", Receiver);
            BackgroundProcess hook = lab.StartProcess(gateway.Host.Namespace, Tools.Python3, receiver, HookPort.ToString(CultureInfo.InvariantCulture), hooks);
            await gateway.EditConfigAsync(text => text + $"""

                [monitor]
                interval = "1s"

                [monitor.alert.peer_down]
                for = "20s"
                clear_for = "20s"

                # The kill -9 below is announced once, and resolved a minute later.
                [monitor.alert.daemon_restarted]
                clear_for = "1m"

                # The test machine's own load is not what this test is about.
                [monitor.alert.host_cpu]
                enabled = false

                [[monitor.notify]]
                name = "hook"
                type = "webhook"
                url = "http://127.0.0.1:{HookPort}/alerts"

                """);
            (await gateway.UpAsync()).EnsureSuccess();

            Host site = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host flappy = await lab.AddHostAsync(Implementation.WireGuardGo);
            string siteConfig = await Harness.Gateway.WriteClientConfigAsync(lab, site, await gateway.AddPeerAsync("site", "--expected"));
            string laptopConfig = await Harness.Gateway.WriteClientConfigAsync(lab, laptop, await gateway.AddPeerAsync("laptop", "--expected", "--keepalive", "0"));
            string flappyConfig = await Harness.Gateway.WriteClientConfigAsync(lab, flappy, await gateway.AddPeerAsync("flappy", "--expected"));
            foreach ((Host client, string config) in new[] { (site, siteConfig), (laptop, laptopConfig), (flappy, flappyConfig) })
            {
                (await lab.WgQuickAsync(client, "up", config)).EnsureSuccess();
                await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway from " + client.Interface);
            }

            var laptopQuiet = Stopwatch.StartNew();

            await WaitForStatesAsync(gateway, new() { ["site"] = "up", ["laptop"] = "up", ["flappy"] = "up" }, TimeSpan.FromSeconds(15));

            // A real Prometheus in the gateway's namespace scrapes the daemon on its VPN address, with the classic rule.
            string directory = Path.Combine(lab.Directory, "prometheus");
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "rules.yml"), """
                groups:
                  - name: wireguard
                    rules:
                      - alert: WireGuardHandshakeOld
                        expr: time() - wireguard_latest_handshake_seconds > 200
                """);
            File.WriteAllText(Path.Combine(directory, "prometheus.yml"), $"""
                global:
                  scrape_interval: 2s
                  evaluation_interval: 2s
                rule_files: ['{Path.Combine(directory, "rules.yml")}']
                scrape_configs:
                  - job_name: holt
                    static_configs:
                      - targets: ['10.8.0.1:9586']
                """);
            BackgroundProcess prometheus = lab.StartProcess(gateway.Host.Namespace, Tools.Prometheus,
                "--config.file=" + Path.Combine(directory, "prometheus.yml"), "--storage.tsdb.path=" + Path.Combine(directory, "data"),
                "--web.listen-address=" + PrometheusWeb, "--log.level=warn");

            // The site's path dies; the flappy peer's path breaks every two seconds for two minutes; the laptop says nothing more.
            var clock = Stopwatch.StartNew();
            await site.Namespace.ExecAsync(Tools.Nft, "add table inet dead; add chain inet dead out { type filter hook output priority 0; }; add rule inet dead out meta l4proto udp drop");
            BackgroundProcess flapping = lab.StartProcess(flappy.Namespace, Tools.Sh, "-c",
                $"for i in $(seq 30); do {Tools.Nft} 'add table inet flap; add chain inet flap out {{ type filter hook output priority 0; }}; add rule inet flap out meta l4proto udp drop'; " +
                $"sleep 2; {Tools.Nft} delete table inet flap; sleep 2; done");

            // Down 250 s after its last handshake (Rekey-After-Time, keepalive, margin, Rekey-Attempt-Time), firing 20 s later.
            List<Notice> notices = [];
            await Poll.UntilAsync(
                () => Task.FromResult((notices = Read(hooks)).Any(n => n.Peer == "site" && n.Status == "firing")),
                TimeSpan.FromMinutes(6),
                () => $"no firing notice for site after {clock.Elapsed}:\n{File.ReadAllText(hooks)}\n{Tail(gateway.LogPath)}");
            lab.Log($"site's down alert fired {clock.Elapsed.TotalSeconds:0} s after it died");
            Notice firing = Assert.Single(notices);
            Assert.Equal("HoltPeerDown", firing.AlertName);
            Assert.Equal("critical", firing.Severity);
            Assert.True(await flapping.WaitForExitAsync(TimeSpan.FromMinutes(2)), "the flapping never ended");

            // Prometheus' classic rule sees the dead site as well.
            await Poll.UntilAsync(
                async () => (await PrometheusAlertsAsync(gateway)).Contains("site"),
                TimeSpan.FromSeconds(30),
                () => $"Prometheus' rule never fired for site:\n{prometheus.Log()}");

            // kill -9 during the firing alert, and holt up: nothing is sent again.
            int pid = int.Parse(File.ReadAllText(Path.Combine("/run/holt", gateway.Interface + ".pid")).Trim(), CultureInfo.InvariantCulture);
            using (var daemon = Process.GetProcessById(pid))
            {
                daemon.Kill();
                await daemon.WaitForExitAsync();
            }

            (await gateway.UpAsync()).EnsureSuccess();
            await WaitForStatesAsync(gateway, new() { ["flappy"] = "up" }, TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(30));
            Assert.Single(Read(hooks), n => n.Peer == "site");
            string alerts = await gateway.CheckAsync("monitor", "alerts");
            lab.Log("holt monitor alerts after the restart:\n" + alerts);
            Assert.Contains("expected peer site is down", alerts, StringComparison.Ordinal);

            // The restart itself is known for what it was: the run before never stopped. One notice says so.
            Assert.Single(Read(hooks), n => n.AlertName == "HoltDaemonRestarted" && n.Status == "firing");
            Assert.DoesNotContain(Read(hooks), n => n.Peer is null && n.AlertName != "HoltDaemonRestarted");
            using (JsonDocument restarted = JsonDocument.Parse(await gateway.CheckAsync("monitor", "status", "--json")))
            {
                JsonElement runs = restarted.RootElement.GetProperty("daemon").GetProperty("runs");
                Assert.True(runs.GetProperty("after_unclean_stop").GetBoolean(), runs.ToString());
                Assert.Equal(1, runs.GetProperty("unclean_starts").GetInt64());
                Assert.True(restarted.RootElement.GetProperty("link").GetProperty("up").GetBoolean());
            }

            // The site comes back: one resolved notice, paired with the firing one, after clear_for.
            await site.Namespace.ExecAsync(Tools.Nft, "delete", "table", "inet", "dead");
            await Traffic.WaitUntilReachableAsync(site, "10.8.0.1", "the gateway from the site, back");
            await Poll.UntilAsync(
                () => Task.FromResult((notices = Read(hooks)).Any(n => n.Status == "resolved")),
                TimeSpan.FromSeconds(90),
                () => $"no resolved notice:\n{File.ReadAllText(hooks)}\n{Tail(gateway.LogPath)}");
            await Poll.UntilAsync(
                () => Task.FromResult(Read(hooks).Any(n => n.AlertName == "HoltDaemonRestarted" && n.Status == "resolved")),
                TimeSpan.FromSeconds(90),
                () => $"the restart's notice never resolved:\n{File.ReadAllText(hooks)}");
            await Task.Delay(TimeSpan.FromSeconds(5));
            notices = [.. Read(hooks).Where(n => n.Peer is not null)];
            Assert.Equal(["site firing", "site resolved"], notices.Select(n => $"{n.Peer} {n.Status}"));
            Assert.Equal(firing.StartsAt, notices[1].StartsAt);

            // The laptop, idle since the start (longer than Prometheus' rule allows), and the flapping peer raised nothing.
            string naive = await PrometheusAlertsAsync(gateway);
            lab.Log($"after {clock.Elapsed.TotalSeconds:0} s, Prometheus' classic rule fires for: {naive}");
            using JsonDocument status = JsonDocument.Parse(await gateway.CheckAsync("monitor", "status", "--json"));
            Dictionary<string, string> states = await StatesAsync(gateway);
            Assert.Equal("idle", states["laptop"]);
            Assert.Equal("up", states["flappy"]);
            Assert.Empty(status.RootElement.GetProperty("alerts").EnumerateArray());

            // The laptop stays silent for ten minutes, past the protocol's end of its keys (Reject-After-Time × 3,
            // 540 s), and is idle all the while; when it speaks again it is up, and nothing was ever sent for it.
            while (laptopQuiet.Elapsed < TimeSpan.FromMinutes(10))
            {
                await Task.Delay(TimeSpan.FromSeconds(15));
                Assert.Equal("idle", (await StatesAsync(gateway))["laptop"]);
                Assert.Equal(2, Read(hooks).Count(n => n.Peer is not null));
            }

            lab.Log($"the laptop was silent for {laptopQuiet.Elapsed.TotalSeconds:0} s; Prometheus' classic rule fires for: {await PrometheusAlertsAsync(gateway)}");
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway from the laptop, after ten minutes");
            await WaitForStatesAsync(gateway, new() { ["laptop"] = "up" }, TimeSpan.FromSeconds(15));
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.Equal(["site firing", "site resolved"], Read(hooks).Where(n => n.Peer is not null).Select(n => $"{n.Peer} {n.Status}"));
            Assert.Equal(["HoltDaemonRestarted firing", "HoltDaemonRestarted resolved"], Read(hooks).Where(n => n.Peer is null).Select(n => $"{n.AlertName} {n.Status}"));
            using (JsonDocument after = JsonDocument.Parse(await gateway.CheckAsync("monitor", "status", "--json")))
            {
                Assert.Empty(after.RootElement.GetProperty("alerts").EnumerateArray());
            }

            Assert.False(hook.HasExited, hook.Log());
            Assert.False(prometheus.HasExited, prometheus.Log());
        });

    /// <summary>One alert of a webhook message, as Alertmanager's version 4 body carries it.</summary>
    private sealed record Notice(string Status, string AlertName, string Severity, string? Peer, string StartsAt);

    private static List<Notice> Read(string hooks) =>
        [.. File.ReadAllLines(hooks).Where(l => l.Length > 0).SelectMany(line =>
        {
            using JsonDocument body = JsonDocument.Parse(line);
            Assert.Equal("4", body.RootElement.GetProperty("version").GetString());
            return body.RootElement.GetProperty("alerts").EnumerateArray().Select(a => new Notice(
                a.GetProperty("status").GetString()!,
                a.GetProperty("labels").GetProperty("alertname").GetString()!,
                a.GetProperty("labels").GetProperty("severity").GetString()!,
                a.GetProperty("labels").TryGetProperty("peer", out JsonElement peer) ? peer.GetString() : null,
                a.GetProperty("startsAt").GetString()!)).ToList();
        })];

    private static async Task WaitForStatesAsync(Harness.Gateway gateway, Dictionary<string, string> wanted, TimeSpan timeout)
    {
        string seen = "";
        await Poll.UntilAsync(
            async () =>
            {
                CommandResult result = await gateway.RunAsync("monitor", "status", "--json");
                if (!result.Succeeded)
                {
                    return false;
                }

                seen = result.Output;
                using JsonDocument status = JsonDocument.Parse(seen);
                var states = status.RootElement.GetProperty("peers").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("state").GetString());
                return wanted.All(w => states.TryGetValue(w.Key, out string? state) && state == w.Value);
            },
            timeout,
            () => "the peers never reached " + string.Join(", ", wanted) + ":\n" + seen);
    }

    private static async Task<Dictionary<string, string>> StatesAsync(Harness.Gateway gateway)
    {
        using JsonDocument status = JsonDocument.Parse(await gateway.CheckAsync("monitor", "status", "--json"));
        return status.RootElement.GetProperty("peers").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("state").GetString()!);
    }

    /// <summary>The friendly names Prometheus' rule fires for now.</summary>
    private static async Task<string> PrometheusAlertsAsync(Harness.Gateway gateway)
    {
        CommandResult result = await gateway.Host.Namespace.TryExecAsync(Tools.Curl, "-sf", "--max-time", "10", $"http://{PrometheusWeb}/api/v1/alerts");
        if (!result.Succeeded)
        {
            return "";
        }

        using JsonDocument document = JsonDocument.Parse(result.Output);
        return string.Join(",", document.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
            .Where(a => a.GetProperty("state").GetString() == "firing")
            .Select(a => a.GetProperty("labels").TryGetProperty("friendly_name", out JsonElement name) ? name.GetString() : "?")
            .Order(StringComparer.Ordinal));
    }

    private static string Tail(string path) => string.Join("\n", File.ReadAllLines(path).TakeLast(40));
}
