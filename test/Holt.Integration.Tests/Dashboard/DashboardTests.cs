using System.Text.Json;
using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Dashboard;

/// <summary>
/// The daemon's dashboard reached as users reach it: an admin peer through a real tunnel (wg-quick on
/// wireguard-go), a peer that is not an admin, the internet side, and a session opened on the gateway itself with
/// holt dashboard link, as over an SSH forward. curl plays the browser; the browser tests drive a real Chromium.
/// </summary>
public sealed partial class DashboardTests(ITestOutputHelper output)
{
    private const string Dashboard = "http://10.8.0.1:9587";

    [RootFact]
    public Task AnAdminPeer_GetsIn_AnotherPeerGets403_AndTheInternetFindsNoPort() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host phone = await lab.AddHostAsync(Implementation.WireGuardGo);
            string laptopConfig = await gateway.AddPeerAsync("laptop", "--admin");
            string phoneConfig = await gateway.AddPeerAsync("phone");
            (await lab.WgQuickAsync(laptop, "up", await Harness.Gateway.WriteClientConfigAsync(lab, laptop, laptopConfig))).EnsureSuccess();
            (await lab.WgQuickAsync(phone, "up", await Harness.Gateway.WriteClientConfigAsync(lab, phone, phoneConfig))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway");
            await Traffic.WaitUntilReachableAsync(phone, "10.8.0.1", "the gateway");

            // The admin peer: its WireGuard identity is its login.
            (string status, string body) session = ("", "");
            await Poll.UntilAsync(
                async () => (session = await GetAsync(laptop, Dashboard + "/api/session")).status == "200",
                TimeSpan.FromSeconds(15),
                () => $"the admin peer never got its session: {session.status} {session.body}\n{File.ReadAllText(gateway.LogPath)}");
            using (JsonDocument view = JsonDocument.Parse(session.body))
            {
                Assert.Equal("admin-peer", view.RootElement.GetProperty("kind").GetString());
                Assert.Equal("laptop", view.RootElement.GetProperty("who").GetString());
            }

            (string pageStatus, string page) = await GetAsync(laptop, Dashboard + "/");
            Assert.Equal("200", pageStatus);
            Assert.Contains("<script src=\"/assets/app.js\"", page, StringComparison.Ordinal);
            (string peersStatus, string peers) = await GetAsync(laptop, Dashboard + "/api/peers");
            Assert.Equal("200", peersStatus);
            Assert.Equal(["laptop", "phone"], JsonDocument.Parse(peers).RootElement.EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Order());

            // Another peer: a clear 403, in the page and in the API.
            (string refusedStatus, string refused) = await GetAsync(phone, Dashboard + "/");
            Assert.Equal("403", refusedStatus);
            Assert.Contains("the peer \u201cphone\u201d, which is not an admin", refused, StringComparison.Ordinal);
            Assert.Equal("403", (await GetAsync(phone, Dashboard + "/api/peers")).Status);

            // The audit the daemon ran by itself: the admin peer gets the kept report as it is; the other peer gets
            // neither it nor a run, and a run without the page's token is refused to the admin too.
            string kept = Path.Combine(gateway.StateDirectory, "audit.json");
            await Poll.UntilAsync(() => Task.FromResult(File.Exists(kept)), TimeSpan.FromSeconds(120), () => "the daemon never kept an audit:\n" + File.ReadAllText(gateway.LogPath));
            (string auditStatus, string audit) = await GetAsync(laptop, Dashboard + "/api/audit");
            Assert.Equal("200", auditStatus);
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(audit), System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(kept))), audit);
            Assert.Equal("403", (await GetAsync(phone, Dashboard + "/api/audit")).Status);
            Assert.Equal("403", (await Curl(phone.Namespace, Dashboard + "/api/audit/run", "-X", "POST", "-H", "Origin: " + Dashboard)).Status);
            string before = File.ReadAllText(kept);
            Assert.Equal("403", (await Curl(laptop.Namespace, Dashboard + "/api/audit/run", "-X", "POST", "-H", "Origin: " + Dashboard)).Status);
            Assert.Equal(before, File.ReadAllText(kept));

            // The internet side: the gateway's public address has no dashboard port at all.
            CommandResult outside = await laptop.Namespace.TryExecAsync(Tools.Curl, "-s", "-o", "/dev/null", "--max-time", "5", $"http://{gateway.Host.UnderlayV4}:9587/");
            Assert.Equal(7, outside.ExitCode);
            string listening = await gateway.Host.Namespace.ExecAsync(Tools.Ss, "-Htln", "sport = :9587");
            Assert.Equal(["10.8.0.1:9587", "127.0.0.1:9587"], ListeningAddresses().Matches(listening).Select(m => m.Groups[1].Value).Order());
        });

    [RootFact]
    public Task ALoginLink_OpensASession_OnTheGateway_AndItsChangesNeedTheToken() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            await gateway.AddPeerAsync("laptop");
            NetworkNamespace on = gateway.Host.Namespace;
            Assert.Equal("401", (await Curl(on, "http://127.0.0.1:9587/api/peers")).Status);

            string link = (await gateway.CheckAsync("dashboard", "link")).Trim();
            Assert.Matches("^http://127\\.0\\.0\\.1:9587/login\\?token=[A-Za-z0-9_-]{43}$", link);
            string jar = Path.Combine(lab.Directory, "cookies");
            Assert.Equal("303", (await Curl(on, link, "-c", jar)).Status);
            Assert.Equal("401", (await Curl(on, link)).Status);
            Assert.DoesNotContain(link.Split('=')[1], File.ReadAllText(gateway.LogPath), StringComparison.Ordinal);

            (string status, string body) session = await Curl(on, "http://127.0.0.1:9587/api/session", "-b", jar);
            Assert.Equal("200", session.status);
            string csrf = JsonDocument.Parse(session.body).RootElement.GetProperty("csrf").GetString()!;

            // Without the token, or from another origin, nothing changes; with both, the peer is added and runs.
            string[] add = ["-b", jar, "-X", "POST", "-H", "Content-Type: application/json", "--data", "{\"name\":\"tablet\"}"];
            Assert.Equal("403", (await Curl(on, "http://127.0.0.1:9587/api/peers", [.. add, "-H", "Origin: http://127.0.0.1:9587"])).Status);
            Assert.Equal("403", (await Curl(on, "http://127.0.0.1:9587/api/peers", [.. add, "-H", "X-Holt-Csrf: " + csrf, "-H", "Origin: http://evil.example"])).Status);
            Assert.DoesNotContain("tablet", await gateway.CheckAsync("peer", "list"), StringComparison.Ordinal);
            (string addedStatus, string added) = await Curl(on, "http://127.0.0.1:9587/api/peers", [.. add, "-H", "X-Holt-Csrf: " + csrf, "-H", "Origin: http://127.0.0.1:9587"]);
            Assert.True(addedStatus == "201", added);
            Assert.Contains("tablet", await gateway.CheckAsync("peer", "list"), StringComparison.Ordinal);
            string key = JsonDocument.Parse(added).RootElement.GetProperty("peer").GetProperty("public_key").GetString()!;
            await Poll.UntilAsync(
                async () => (await on.ExecAsync(Tools.Wg, "show", gateway.Interface, "peers")).Contains(key, StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                () => "the peer added in the page never reached the interface");
        });

    private static Task<(string Status, string Body)> GetAsync(Host host, string url) => Curl(host.Namespace, url);

    /// <summary>curl in <paramref name="where"/>: the HTTP status and the body (status 000 when nothing answered).</summary>
    private static async Task<(string Status, string Body)> Curl(NetworkNamespace where, string url, params string[] options)
    {
        CommandResult result = await where.TryExecAsync([Tools.Curl, "-s", "--max-time", "10", "-w", "\n%{http_code}", .. options, url]);
        string output = result.Output;
        int last = output.LastIndexOf('\n');
        return last < 0 ? ("000", output) : (output[(last + 1)..].Trim(), output[..last]);
    }

    [GeneratedRegex(@"LISTEN\s+\d+\s+\d+\s+(\S+)\s")]
    private static partial Regex ListeningAddresses();
}
