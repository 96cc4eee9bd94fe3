using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Monitor;

/// <summary>
/// The daemon's /metrics, scraped through the tunnel from a client: with and without its token, linted by
/// promtool, and scraped by a real Prometheus whose query of the handshake's age gives the age Holt reported.
/// </summary>
public sealed class MetricsTests(ITestOutputHelper output)
{
    private const string Token = "Lq7nR2vX9kT4wZ1mC8pB5yH3";

    [RootFact]
    public Task Metrics_AreServedOnTheVpnAddress_WithTheToken_AndARealPrometheusScrapesThem() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            await gateway.EditConfigAsync(text => text + "\n[monitor]\ninterval = \"1s\"\n");
            (await gateway.UpAsync()).EnsureSuccess();
            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            string config = await gateway.AddPeerAsync("home", "--expected");
            await gateway.AddPeerAsync("phone");
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, config))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway");

            // Through the tunnel, on the gateway's VPN address and MindFlavor's port, no token configured yet.
            string scrape = "";
            await Poll.UntilAsync(
                async () => (scrape = await CurlAsync(client, null)).Contains("holt_peer_state{interface=\"" + gateway.Interface + "\",peer=\"home\"", StringComparison.Ordinal) &&
                    scrape.Contains("state=\"up\"} 1", StringComparison.Ordinal),
                TimeSpan.FromSeconds(15),
                () => "no scrape showed home up:\n" + scrape);
            lab.Log("a scrape through the tunnel:\n" + scrape);
            string homeKey = Regex.Match(scrape, "wireguard_sent_bytes_total\\{interface=\"[^\"]+\",public_key=\"([^\"]+)\",allowed_ips=\"10.8.0.2/32\",friendly_name=\"home\"\\} \\d+").Groups[1].Value;
            Assert.NotEmpty(homeKey);
            Assert.Matches($"wireguard_latest_handshake_seconds\\{{interface=\"{gateway.Interface}\",public_key=\"[^\"]+\",allowed_ips=\"10.8.0.2/32\",friendly_name=\"home\"\\}} \\d+\n", scrape);
            Assert.DoesNotMatch("wireguard_latest_handshake_seconds\\{[^}]*friendly_name=\"phone\"", scrape);
            Assert.Contains("holt_expected_peers_up{interface=\"" + gateway.Interface + "\"} 1\n", scrape, StringComparison.Ordinal);

            // promtool finds nothing wrong with a real scrape.
            CommandResult lint = await Command.RunAsync([Tools.Promtool, "check", "metrics"], input: scrape);
            Assert.True(lint.Succeeded && lint.Output.Length == 0 && lint.Error.Length == 0, $"promtool check metrics:\n{lint.Output}{lint.Error}");

            // The audit the daemon runs soon after its start shows as the kept report's score and counts, and
            // promtool finds nothing wrong with those families either.
            string kept = Path.Combine(gateway.StateDirectory, "audit.json");
            await Poll.UntilAsync(
                async () => (scrape = await CurlAsync(client, null)).Contains("holt_audit_score ", StringComparison.Ordinal),
                TimeSpan.FromSeconds(120),
                () => "no scrape showed the audit:\n" + scrape + "\n" + File.ReadAllText(gateway.LogPath));
            using (JsonDocument report = JsonDocument.Parse(File.ReadAllText(kept)))
            {
                JsonElement root = report.RootElement;
                Assert.Contains($"holt_audit_score {root.GetProperty("score").GetInt32()}\n", scrape, StringComparison.Ordinal);
                Assert.Contains($"holt_audit_findings{{severity=\"critical\"}} {root.GetProperty("critical").GetInt32()}\n", scrape, StringComparison.Ordinal);
                Assert.Contains($"holt_audit_findings{{severity=\"warning\"}} {root.GetProperty("warnings").GetInt32()}\n", scrape, StringComparison.Ordinal);
                Assert.Contains($"holt_audit_findings{{severity=\"info\"}} {root.GetProperty("info").GetInt32()}\n", scrape, StringComparison.Ordinal);
                int notChecked = root.GetProperty("areas").EnumerateArray().Count(a => !a.GetProperty("checked").GetBoolean());
                Assert.Contains($"holt_audit_areas_unchecked {notChecked}\n", scrape, StringComparison.Ordinal);
                long ran = root.GetProperty("time").GetDateTimeOffset().ToUnixTimeSeconds();
                Assert.Matches($"holt_audit_last_run_timestamp_seconds {ran}(\\.\\d+)?\n", scrape);
            }

            lint = await Command.RunAsync([Tools.Promtool, "check", "metrics"], input: scrape);
            Assert.True(lint.Succeeded && lint.Output.Length == 0 && lint.Error.Length == 0, $"promtool check metrics, with the audit:\n{lint.Output}{lint.Error}");

            // A token set by a reload: without it (or with another) 401, with it 200; the daemon never restarts.
            int pid = int.Parse(File.ReadAllText(Path.Combine("/run/holt", gateway.Interface + ".pid")).Trim(), CultureInfo.InvariantCulture);
            await gateway.EditConfigAsync(text => text + $"\n[monitor.metrics]\ntoken = \"{Token}\"\n");
            await Poll.UntilAsync(
                async () => await StatusAsync(client, null) == "401",
                TimeSpan.FromSeconds(10),
                () => "the reload never asked for the token:\n" + File.ReadAllText(gateway.LogPath));
            Assert.Equal("401", await StatusAsync(client, "Wrong" + Token));
            Assert.Equal("200", await StatusAsync(client, Token));
            Assert.Equal("404", await StatusAsync(client, Token, "/"));
            Assert.Equal(pid, int.Parse(File.ReadAllText(Path.Combine("/run/holt", gateway.Interface + ".pid")).Trim(), CultureInfo.InvariantCulture));
            Assert.DoesNotContain(Token, File.ReadAllText(gateway.LogPath), StringComparison.Ordinal);

            // A real Prometheus in the client's namespace scrapes through the tunnel with the token.
            string directory = Path.Combine(lab.Directory, "prometheus");
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "token"), Token);
            File.WriteAllText(Path.Combine(directory, "prometheus.yml"), $"""
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: holt
                    authorization:
                      credentials_file: {Path.Combine(directory, "token")}
                    static_configs:
                      - targets: ['10.8.0.1:9586']
                """);
            const string Web = "127.0.0.1:19090";
            BackgroundProcess prometheus = lab.StartProcess(
                client.Namespace,
                Tools.Prometheus,
                "--config.file=" + Path.Combine(directory, "prometheus.yml"),
                "--storage.tsdb.path=" + Path.Combine(directory, "data"),
                "--web.listen-address=" + Web,
                "--log.level=warn");
            JsonElement result = default;
            await Poll.UntilAsync(
                async () =>
                {
                    result = await QueryAsync(client, Web, $"time() - wireguard_latest_handshake_seconds{{friendly_name=\"home\"}}");
                    return result.ValueKind == JsonValueKind.Array && result.GetArrayLength() == 1;
                },
                TimeSpan.FromSeconds(30),
                () => $"Prometheus never had home's handshake: {result}\n{prometheus.Log()}");

            // The age Prometheus computes is the age of the handshake Holt reports (allowing for the scrape's delay).
            JsonElement sample = result[0].GetProperty("value");
            double at = sample[0].GetDouble();
            double age = double.Parse(sample[1].GetString()!, CultureInfo.InvariantCulture);
            string now = await CurlAsync(client, Token);
            long handshake = long.Parse(Regex.Match(now, "wireguard_latest_handshake_seconds\\{[^}]*friendly_name=\"home\"\\} (\\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
            lab.Log($"Prometheus: time() - wireguard_latest_handshake_seconds = {age} at {at}; Holt's handshake {handshake}");
            Assert.InRange(age, at - handshake - 5, at - handshake + 5);
            Assert.InRange(age, 0, 180);

            // A peer that never handshaked has no timestamp for Prometheus either, and the target is healthy.
            Assert.Equal(0, (await QueryAsync(client, Web, "wireguard_latest_handshake_seconds{friendly_name=\"phone\"}")).GetArrayLength());
            Assert.Equal(1, (await QueryAsync(client, Web, "up{job=\"holt\"} == 1")).GetArrayLength());
            Assert.Equal(1, (await QueryAsync(client, Web, "holt_peer_state{peer=\"home\",state=\"up\"} == 1")).GetArrayLength());
            Assert.False(prometheus.HasExited, prometheus.Log());
        });

    /// <summary>GET /metrics through the tunnel; the body, or "" when it is not a 200.</summary>
    private static async Task<string> CurlAsync(Host client, string? token)
    {
        CommandResult result = await client.Namespace.TryExecAsync([Tools.Curl, "-sf", "--max-time", "10", .. Bearer(token), "http://10.8.0.1:9586/metrics"]);
        return result.Succeeded ? result.Output : "";
    }

    /// <summary>The HTTP status of a GET through the tunnel.</summary>
    private static async Task<string> StatusAsync(Host client, string? token, string path = "/metrics") =>
        (await client.Namespace.ExecAsync([Tools.Curl, "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", .. Bearer(token), "http://10.8.0.1:9586" + path])).Trim();

    private static string[] Bearer(string? token) => token is null ? [] : ["-H", "Authorization: Bearer " + token];

    /// <summary>An instant query through Prometheus' HTTP API: its result array, or an undefined element while it has none.</summary>
    private static async Task<JsonElement> QueryAsync(Host client, string web, string query)
    {
        CommandResult result = await client.Namespace.TryExecAsync(Tools.Curl, "-sf", "--max-time", "10", "--data-urlencode", "query=" + query, $"http://{web}/api/v1/query");
        if (!result.Succeeded)
        {
            return default;
        }

        using JsonDocument document = JsonDocument.Parse(result.Output);
        return document.RootElement.GetProperty("data").GetProperty("result").Clone();
    }
}
