using System.Text.Json;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Gateway;

/// <summary>
/// Migration as an operator does it: a server run by wg-quick (with wireguard-go) and its clients; a peer added
/// live with <c>wg set</c>; <c>wg-quick down</c> saving the running state into the file (SaveConfig); then
/// <c>holt import</c> of that file and <c>holt up</c>, after which the same clients, configs untouched, reach the
/// gateway again.
/// </summary>
public sealed class ImportTests(ITestOutputHelper output)
{
    [RootFact]
    public Task AWgQuickServer_ImportedFromTheFileWgQuickSaved_TakesBackItsClientsUnchanged() =>
        Lab.RunAsync(output, async lab =>
        {
            Host server = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host phone = await lab.AddHostAsync(Implementation.WireGuardGo);
            string psk = await lab.PresharedKeyAsync();
            string serverFile = await lab.WriteFileAsync($"{server.Interface}.conf", $"""
                [Interface]
                Address = 10.77.0.1/24
                ListenPort = {server.ListenPort}
                PrivateKey = {server.Keys.PrivateKey}
                SaveConfig = true

                ### Client laptop
                [Peer]
                PublicKey = {laptop.Keys.PublicKey}
                PresharedKey = {psk}
                AllowedIPs = 10.77.0.2/32

                """);
            (await lab.WgQuickAsync(server, "up", serverFile)).EnsureSuccess();

            await ClientAsync(lab, laptop, server, "10.77.0.2", psk);
            await Traffic.WaitUntilReachableAsync(laptop, "10.77.0.1", "the wg-quick server, before the import");

            // Imported while wg-quick still runs the interface: holt up refuses it, and the old server keeps working.
            var gateway = Harness.Gateway.CreateOnHost(lab, server);
            await gateway.CheckAsync("import", serverFile, "--endpoint", $"{server.UnderlayV4}:{server.ListenPort}");
            CommandResult clash = await gateway.UpAsync();
            lab.Log("holt up beside wg-quick: " + clash.Describe());
            Assert.False(clash.Succeeded);
            Assert.Contains($"holt: interface {server.Interface} is already run by another WireGuard, not by a Holt gateway (such as wg-quick with wireguard-go): stop it first (wg-quick down {server.Interface}), or give the gateway another interface in {gateway.ConfigPath}", clash.Output, StringComparison.Ordinal);

            // Nor does an edit reach into it: the gateway is not running until holt up.
            await gateway.CheckAsync("peer", "add", "tablet");
            Assert.DoesNotContain(JsonOf(await gateway.PeersAsync(), "tablet"), await server.WgAsync("show", server.Interface, "peers"), StringComparison.Ordinal);
            await gateway.CheckAsync("peer", "remove", "tablet");
            await Traffic.AssertPingsAsync(laptop, "10.77.0.1");

            // The phone is added to the running server only, as `wg set` does; SaveConfig keeps it at wg-quick down.
            await server.WgAsync("set", server.Interface, "peer", phone.Keys.PublicKey, "allowed-ips", "10.77.0.3/32");
            await ClientAsync(lab, phone, server, "10.77.0.3", presharedKey: null);
            await Traffic.WaitUntilReachableAsync(phone, "10.77.0.1", "the wg-quick server, for the peer added by wg set");

            TunnelProcess old = server.Tunnel!;
            (await lab.WgQuickAsync(server, "down", serverFile)).EnsureSuccess();
            Assert.Empty(await old.ConfirmShutdownAsync("wg-quick down"));
            string saved = await File.ReadAllTextAsync(serverFile);
            lab.Log("the file wg-quick saved:\n" + saved.Replace(server.Keys.PrivateKey, "(server key)", StringComparison.Ordinal).Replace(psk, "(psk)", StringComparison.Ordinal));
            Assert.Contains(phone.Keys.PublicKey, saved, StringComparison.Ordinal);
            Assert.DoesNotContain("### Client laptop", saved, StringComparison.Ordinal);

            string before = await File.ReadAllTextAsync(gateway.ConfigPath);
            (await gateway.RunAsync("import", serverFile, "--endpoint", $"{server.UnderlayV4}:{server.ListenPort}", "--dry-run", "--force")).EnsureSuccess();
            Assert.Equal(before, await File.ReadAllTextAsync(gateway.ConfigPath));
            string imported = await gateway.CheckAsync("import", serverFile, "--endpoint", $"{server.UnderlayV4}:{server.ListenPort}", "--force");
            Assert.Contains("  2 peers:\n", imported, StringComparison.Ordinal);
            Assert.Contains($"{serverFile}:", imported, StringComparison.Ordinal);
            Assert.Contains("SaveConfig: Holt keeps its configuration in holt.toml", imported, StringComparison.Ordinal);
            Assert.DoesNotContain(server.Keys.PrivateKey, imported, StringComparison.Ordinal);
            Assert.DoesNotContain(psk, imported, StringComparison.Ordinal);

            (await gateway.UpAsync()).EnsureSuccess();

            // The clients still hold sessions with the old server; their next handshake (at most REKEY_TIMEOUT after
            // a packet goes unanswered for KEEPALIVE_TIMEOUT, about 15 s) is with Holt, which has the same key.
            foreach (Host client in new[] { laptop, phone })
            {
                await Poll.UntilAsync(
                    async () => (await Traffic.PingAsync(client, "10.77.0.1", count: 1, wait: 1)).Received == 1,
                    TimeSpan.FromSeconds(45),
                    () => $"{client} never reached the imported gateway:\n{File.ReadAllText(gateway.LogPath)}");
            }

            Dictionary<string, JsonElement> peers = await gateway.PeersAsync();
            Assert.Equal(["peer-10-77-0-2", "peer-10-77-0-3"], peers.Keys.Order(StringComparer.Ordinal));
            Assert.All(peers.Values, p => Assert.NotEqual(JsonValueKind.Null, p.GetProperty("latest_handshake").ValueKind));
            Assert.Equal(laptop.Keys.PublicKey, peers["peer-10-77-0-2"].GetProperty("public_key").GetString());

            // The laptop's PSK came along: its session is keyed with it (a wrong one would never complete a handshake).
            Assert.Contains("preshared_key = ", await File.ReadAllTextAsync(gateway.ConfigPath), StringComparison.Ordinal);
        });

    private static string JsonOf(Dictionary<string, JsonElement> peers, string name) => peers[name].GetProperty("public_key").GetString()!;

    /// <summary>A wg-quick client of <paramref name="server"/> at <paramref name="address"/>, brought up.</summary>
    private static async Task ClientAsync(Lab lab, Host client, Host server, string address, string? presharedKey)
    {
        string file = await Harness.Gateway.WriteClientConfigAsync(lab, client, $"""
            [Interface]
            PrivateKey = {client.Keys.PrivateKey}
            Address = {address}/32

            [Peer]
            PublicKey = {server.Keys.PublicKey}
            {(presharedKey is null ? "" : $"PresharedKey = {presharedKey}")}
            Endpoint = {server.UnderlayV4}:{server.ListenPort}
            AllowedIPs = 10.77.0.0/24
            PersistentKeepalive = 25

            """);
        CommandResult up = await lab.WgQuickAsync(client, "up", file);
        if (!up.Succeeded)
        {
            throw new XunitException($"wg-quick up for {client} failed: {up.Describe()}");
        }
    }
}
