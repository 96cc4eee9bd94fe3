using System.Text.Json;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Monitor;

/// <summary>The daemon's monitor, read through <c>holt monitor status</c>, against a real wireguard-go client.</summary>
public sealed class MonitorTests(ITestOutputHelper output)
{
    [RootFact]
    public Task MonitorStatus_SaysWhichPeersAreUp_NeverSeen_OrDisabled_AndCountsTheExpectedOnes() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            CommandResult before = await gateway.RunAsync("monitor", "status");
            Assert.False(before.Succeeded);
            Assert.Equal($"holt: the monitor of {gateway.Interface} is not running (holt up runs it, unless [monitor] has enabled = false)", before.Error.Trim());

            await gateway.EditConfigAsync(text => text + "\n[monitor]\ninterval = \"1s\"\n");
            (await gateway.UpAsync()).EnsureSuccess();
            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            string config = await gateway.AddPeerAsync("home", "--expected");
            await gateway.AddPeerAsync("phone");
            await gateway.AddPeerAsync("old", "--expected");
            await gateway.CheckAsync("peer", "disable", "old");
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, config))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway");

            Dictionary<string, JsonElement> peers = [];
            await Poll.UntilAsync(
                async () =>
                {
                    using JsonDocument status = JsonDocument.Parse(await gateway.CheckAsync("monitor", "status", "--json"));
                    peers = status.RootElement.GetProperty("peers").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.Clone());
                    return peers["home"].GetProperty("state").GetString() == "up";
                },
                TimeSpan.FromSeconds(10),
                () => "the monitor never saw home up: " + JsonSerializer.Serialize(peers));

            Assert.Equal("never", peers["phone"].GetProperty("state").GetString());
            Assert.Equal("never handshaked", peers["phone"].GetProperty("why").GetString());
            Assert.Equal("disabled", peers["old"].GetProperty("state").GetString());
            Assert.StartsWith("handshake ", peers["home"].GetProperty("why").GetString(), StringComparison.Ordinal);
            Assert.True(peers["home"].GetProperty("expected").GetBoolean());
            Assert.False(peers["phone"].GetProperty("expected").GetBoolean());

            string table = await gateway.CheckAsync("monitor", "status");
            lab.Log("holt monitor status:\n" + table);
            Assert.Contains("expected peers up: 1 of 1; sampled ", table, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^home \(expected\)\s+up\s", table);
            Assert.Matches(@"(?m)^phone\s+never\s", table);

            // The daemon logged the change the monitor saw, with its reason.
            Assert.Contains("monitor: peer home went from never to up: handshake ", await File.ReadAllTextAsync(gateway.LogPath), StringComparison.Ordinal);

            // holt down takes the monitor's status with it.
            await gateway.DownAsync();
            Assert.False((await gateway.RunAsync("monitor", "status")).Succeeded);
        });
}
