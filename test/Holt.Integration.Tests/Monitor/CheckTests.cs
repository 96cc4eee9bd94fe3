using System.Text.Json;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Monitor;

/// <summary>
/// [[monitor.check]] through a real tunnel to a wireguard-go client: a service behind the peer that stops while the
/// handshakes go on reads as "the service is down", not "the tunnel is down"; and a lowered MTU on the underlay
/// makes the sized ping fail while a small ping still passes.
/// </summary>
public sealed class CheckTests(ITestOutputHelper output)
{
    [RootFact]
    public Task AServiceDown_BehindALivePeer_AndAnMtuBlackHole_ReadAsWhatTheyAre() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            await gateway.EditConfigAsync(text => text + """

                [monitor]
                interval = "1s"

                [monitor.alert.check_failing]
                for = "3s"

                [[monitor.check]]
                name = "web"
                type = "http"
                target = "http://10.8.0.2:8080/"
                body = "Directory listing"
                interval = "2s"
                timeout = "1s"

                [[monitor.check]]
                name = "ping"
                type = "icmp"
                target = "10.8.0.2"
                interval = "2s"
                timeout = "1s"

                [[monitor.check]]
                name = "mtu"
                type = "icmp"
                target = "10.8.0.2"
                size = 1400
                interval = "2s"
                timeout = "1s"

                """);
            (await gateway.UpAsync()).EnsureSuccess();
            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            string config = await gateway.AddPeerAsync("home", "--expected");
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, config))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway");
            string root = Path.Combine(lab.Directory, "www");
            Directory.CreateDirectory(root);
            BackgroundProcess server = lab.StartProcess(client.Namespace, Tools.Python3, "-u", "-m", "http.server", "8080", "--bind", "10.8.0.2", "--directory", root);

            // All well: the service answers, both pings pass, and home handshakes. A round that began before home was
            // on the interface, or before it handshook, may pass too (a ping answered once the handshake is done)
            // without naming the peer or with pings lost: wait for a round that began with the tunnel up.
            Dictionary<string, JsonElement> checks = await WaitForChecksAsync(
                gateway,
                c => Ok(c["web"]) == true && Ok(c["ping"]) == true && Ok(c["mtu"]) == true &&
                    c.Values.All(x => x.GetProperty("peer_handshaking").ValueKind == JsonValueKind.True) &&
                    c["mtu"].GetProperty("received").GetInt32() == 3,
                "every check passes with the tunnel up");
            Assert.All(checks.Values, c => Assert.Equal("home", c.GetProperty("peer").GetString()));
            Assert.All(checks.Values, c => Assert.True(c.GetProperty("peer_handshaking").GetBoolean()));
            Assert.Equal(200, checks["web"].GetProperty("http_status").GetInt32());
            Assert.Equal(3, checks["mtu"].GetProperty("received").GetInt32());

            // The service stops; the tunnel does not.
            Assert.True(server.Signal(15));
            Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(10)), server.Log());
            checks = await WaitForChecksAsync(gateway, c => Ok(c["web"]) == false, "the web check fails");
            lab.Log("after the service stopped: " + JsonSerializer.Serialize(checks["web"]));
            Assert.True(checks["web"].GetProperty("peer_handshaking").GetBoolean());
            Assert.EndsWith("(the tunnel to home is up: the service itself fails)", checks["web"].GetProperty("summary").GetString(), StringComparison.Ordinal);
            Assert.Equal(true, Ok(checks["ping"]));

            // Its alert fires after its `for` and says the tunnel is fine; the peer raises nothing.
            string alerts = "";
            await Poll.UntilAsync(
                async () => (alerts = await gateway.CheckAsync("monitor", "alerts", "--json")).Contains("\"phase\": \"firing\"", StringComparison.Ordinal),
                TimeSpan.FromSeconds(20),
                () => "the check's alert never fired:\n" + alerts);
            using (JsonDocument view = JsonDocument.Parse(alerts))
            {
                // Only the check's own alert concerns the service; a busy test machine may add a host_cpu one.
                JsonElement alert = Assert.Single(view.RootElement.GetProperty("active").EnumerateArray(), a => a.GetProperty("rule").GetString() != "host_cpu");
                Assert.Equal("check_failing:web", alert.GetProperty("key").GetString());
                Assert.StartsWith("the tunnel to home is up (handshaking) but the check fails: ", alert.GetProperty("description").GetString(), StringComparison.Ordinal);
            }

            // holt monitor check runs them once more, says the same, and exits 1.
            CommandResult once = await gateway.RunAsync("monitor", "check");
            lab.Log("holt monitor check:\n" + once.Output);
            Assert.Equal(1, once.ExitCode);
            Assert.Matches(@"(?m)^web\s+http\s+http://10\.8\.0\.2:8080/\s+FAIL\s+.*\shome\s+handshaking\s+.*the tunnel to home is up: the service itself fails", once.Output);
            Assert.Matches(@"(?m)^ping\s+icmp\s+10\.8\.0\.2\s+ok\s", once.Output);

            // An MTU black hole on the underlay: the client's side takes no frame above 1400 bytes, so the tunnel's
            // packets carrying 1400-byte pings vanish, while small ones still pass.
            await client.Namespace.IpAsync("link", "set", "dev", "ul", "mtu", "1400");
            checks = await WaitForChecksAsync(gateway, c => Ok(c["mtu"]) == false, "the sized ping fails");
            lab.Log("after the MTU fell: " + JsonSerializer.Serialize(checks["mtu"]));
            Assert.Equal(0, checks["mtu"].GetProperty("received").GetInt32());
            Assert.StartsWith("10.8.0.2 answered none of 3 pings of 1400 bytes with Don't Fragment", checks["mtu"].GetProperty("error").GetString(), StringComparison.Ordinal);
            checks = await WaitForChecksAsync(gateway, c => Ok(c["ping"]) == true && Ok(c["mtu"]) == false, "the small ping passes still");
            Assert.True(checks["ping"].GetProperty("peer_handshaking").GetBoolean());

            string table = await gateway.CheckAsync("monitor", "status");
            lab.Log("holt monitor status:\n" + table);
            Assert.Matches(@"(?m)^mtu\s+icmp\s+10\.8\.0\.2\s+FAIL\s", table);
        });

    private static bool? Ok(JsonElement check) => check.GetProperty("ok").ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>Polls holt monitor status until its checks satisfy <paramref name="condition"/>.</summary>
    private static async Task<Dictionary<string, JsonElement>> WaitForChecksAsync(
        Harness.Gateway gateway, Func<Dictionary<string, JsonElement>, bool> condition, string what)
    {
        Dictionary<string, JsonElement> checks = [];
        await Poll.UntilAsync(
            async () =>
            {
                CommandResult status = await gateway.RunAsync("monitor", "status", "--json");
                if (!status.Succeeded)
                {
                    return false;
                }

                using JsonDocument json = JsonDocument.Parse(status.Output);
                checks = json.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.Clone());
                return checks.Count == 3 && condition(checks);
            },
            TimeSpan.FromSeconds(30),
            () => $"the checks never showed that {what}: " + JsonSerializer.Serialize(checks));
        return checks;
    }
}
