using System.Net;
using Holt.Gateway;
using Holt.Import;
using Holt.Tests.Gateway;

namespace Holt.Tests.Import;

/// <summary>wg-easy's wg0.json as wg-easy 14 writes it (JSON.stringify with two spaces, dates as ISO strings).</summary>
public sealed class WgEasyImportTests
{
    private static readonly ImportOptions s_options = new() { Endpoint = "vpn.example.com" };

    /// <summary>Three clients: one plain, one disabled, one with an expiry; as wg-easy 14.0 writes them.</summary>
    internal static readonly string Sample = $$"""
        {
          "server": {
            "privateKey": "{{TestKeys.GatewayPrivate}}",
            "publicKey": "{{TestKeys.GatewayPublic}}",
            "address": "10.8.0.1"
          },
          "clients": {
            "6a4e9a2c-3f0b-4c6e-9d1a-7b2c8e5f0a11": {
              "id": "6a4e9a2c-3f0b-4c6e-9d1a-7b2c8e5f0a11",
              "name": "laptop",
              "address": "10.8.0.2",
              "privateKey": "{{TestKeys.LaptopPrivate}}",
              "publicKey": "{{TestKeys.LaptopPublic}}",
              "preSharedKey": "{{TestKeys.Psk1}}",
              "createdAt": "2024-03-01T10:15:30.123Z",
              "updatedAt": "2024-03-02T08:00:00.000Z",
              "expiredAt": null,
              "enabled": true
            },
            "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0": {
              "id": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
              "name": "Mum's phone",
              "address": "10.8.0.3",
              "privateKey": "{{TestKeys.PhonePrivate}}",
              "publicKey": "{{TestKeys.PhonePublic}}",
              "preSharedKey": "{{TestKeys.Psk2}}",
              "createdAt": "2024-04-10T19:00:00.000Z",
              "updatedAt": "2024-05-01T12:00:00.000Z",
              "expiredAt": null,
              "enabled": false
            },
            "1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6": {
              "id": "1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6",
              "name": "guest",
              "address": "10.8.0.4",
              "privateKey": "{{WgQuickImportTests.TabletPrivate}}",
              "publicKey": "{{WgQuickImportTests.TabletPublic}}",
              "preSharedKey": "{{WgQuickImportTests.Psk3}}",
              "createdAt": "2024-06-01T09:00:00.000Z",
              "updatedAt": "2024-06-01T09:00:00.000Z",
              "expiredAt": "2024-12-31T23:59:59.000Z",
              "enabled": true,
              "oneTimeLink": null,
              "oneTimeLinkExpiresAt": null
            }
          }
        }
        """;

    [Fact]
    public void Sample_ClientsKeepKeysNamesStatesAndExpiry()
    {
        ImportPlan plan = Read(Sample);

        Assert.Empty(plan.Problems);
        GatewayConfig gateway = plan.Gateway!;
        Assert.Equal("wg0", gateway.Interface);
        Assert.Equal(TestKeys.GatewayPrivate, gateway.PrivateKey);
        Assert.Equal(IPNetwork.Parse("10.8.0.0/24"), gateway.Subnet);
        Assert.Equal(IPAddress.Parse("10.8.0.1"), gateway.Address);
        Assert.Null(gateway.Subnet6);
        Assert.Equal(51820, gateway.ListenPort);
        Assert.Collection(
            gateway.Peers,
            laptop =>
            {
                Assert.Equal("laptop", laptop.Name);
                Assert.Equal(TestKeys.LaptopPrivate, laptop.PrivateKey);
                Assert.Equal(TestKeys.LaptopPublic, laptop.PublicKey);
                Assert.Equal(TestKeys.Psk1, laptop.PresharedKey);
                Assert.Equal(IPAddress.Parse("10.8.0.2"), laptop.Address);
                Assert.True(laptop.Enabled);
                Assert.Null(laptop.Expires);
                Assert.Equal(new DateTimeOffset(2024, 3, 1, 10, 15, 30, TimeSpan.Zero), laptop.Created);
            },
            phone =>
            {
                Assert.Equal("Mum-s-phone", phone.Name);
                Assert.False(phone.Enabled);
            },
            guest =>
            {
                Assert.Equal("guest", guest.Name);
                Assert.Equal(new DateTimeOffset(2024, 12, 31, 23, 59, 59, TimeSpan.Zero), guest.Expires);
                Assert.True(guest.Enabled);
            });
        Assert.Equal(["wg0.json:8", "wg0.json:20", "wg0.json:32"], plan.Peers.Select(p => p.Place));
        Assert.Empty(plan.NotCarried);
        Assert.Equal(
            [
                "wg0.json: wg0.json does not hold the port (WG_PORT): Holt listens on 51820, wg-easy's default; give --port if yours was another",
                "wg0.json: client configs Holt prints route the VPN only; wg-easy's (WG_ALLOWED_IPS) route everything by default: give --full-tunnel to keep that",
                "wg0.json:20: peer 'Mum-s-phone' is named after 'Mum's phone' (names are ASCII letters, digits, '.', '_' and '-', at most 32)",
            ],
            plan.Notes);
    }

    [Fact]
    public void ClientProblems_AreReportedWithTheLineOfTheirEntry()
    {
        string text = Sample
            .Replace($"\"privateKey\": \"{TestKeys.PhonePrivate}\"", $"\"privateKey\": \"{TestKeys.LaptopPrivate}\"", StringComparison.Ordinal)
            .Replace("\"address\": \"10.8.0.4\"", "\"address\": \"10.9.0.4\"", StringComparison.Ordinal)
            .Replace("\"name\": \"guest\"", "\"name\": \"LAPTOP\"", StringComparison.Ordinal)
            .Replace("\"enabled\": false", "\"enabled\": \"no\"", StringComparison.Ordinal);

        ImportPlan plan = Read(text);

        Assert.Null(plan.Gateway);
        Assert.Equal(
            [
                "wg0.json:20: client 'Mum's phone': \"enabled\" must be true or false",
                "wg0.json:20: peer 'Mum-s-phone': its private key does not belong to its public key",
                "wg0.json:32: peer 'LAPTOP': its address 10.9.0.4 is outside the VPN subnet 10.8.0.0/24",
                "wg0.json:32: peer 'LAPTOP': the name is taken by the peer at line 8 (names are unique whatever their case); rename one",
            ],
            plan.Problems);
        Assert.DoesNotContain(plan.Problems, p => p.Contains(TestKeys.LaptopPrivate, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\n  \"server\": {\n    \"privateKey\": \"x\",\n  }\n}", "wg0.json:4: this is not JSON as wg-easy writes it (at character 3 of the line)")]
    [InlineData("[]", "wg0.json:1: this is not wg-easy's wg0.json: it has no \"server\" object")]
    [InlineData("{\"clients\": {}}", "wg0.json:1: this is not wg-easy's wg0.json: it has no \"server\" object")]
    [InlineData("{\"server\": {\"privateKey\": 5, \"address\": \"10.8.0.1\"}}", "wg0.json:1: the server: \"privateKey\" must be a string")]
    [InlineData("{\"server\": {\"privateKey\": \"" + TestKeys.GatewayPrivate + "\", \"address\": \"10.8.0.1/24\"}}", "wg0.json:1: the server's address '10.8.0.1/24' is not an IP address")]
    [InlineData("{\"server\": {\"privateKey\": \"" + TestKeys.GatewayPrivate + "\", \"publicKey\": \"" + TestKeys.LaptopPublic + "\", \"address\": \"10.8.0.1\"}}", "wg0.json:1: the server's publicKey does not belong to its privateKey")]
    [InlineData("{\"server\": {\"privateKey\": \"" + TestKeys.GatewayPrivate + "\", \"address\": \"10.8.0.1\"}, \"clients\": []}", "wg0.json:1: \"clients\" must be an object of wg-easy's clients by id")]
    [InlineData("{\"server\": {\"privateKey\": \"" + TestKeys.GatewayPrivate + "\", \"address\": \"10.8.0.1\"}, \"clients\": {\"a\": 1}}", "wg0.json:1: client 'a' is not an object")]
    [InlineData("{\"server\": {\"privateKey\": \"" + TestKeys.GatewayPrivate + "\", \"address\": \"10.8.0.1\"}, \"clients\": {\"a\": {\"publicKey\": \"" + TestKeys.LaptopPublic + "\", \"address\": \"10.8.0.2\", \"expiredAt\": \"soon\"}}}", "wg0.json:1: client 'a': \"expiredAt\" 'soon' is not a date")]
    public void BrokenFiles_GetOneClearLineEach(string text, string problem)
    {
        ImportPlan plan = Read(text);

        Assert.Null(plan.Gateway);
        Assert.Equal([problem], plan.Problems);
    }

    [Fact]
    public void MillisecondDates_AndForksExtras_AreReadOrListed()
    {
        string text = $$"""
            {
              "server": {
                "privateKey": "{{TestKeys.GatewayPrivate}}",
                "address": "10.13.13.1",
                "listenPort": 51999,
                "jc": 4
              },
              "clients": {
                "x": {
                  "name": "",
                  "address": "10.13.13.7",
                  "publicKey": "{{TestKeys.LaptopPublic}}",
                  "createdAt": 1709288130123,
                  "expiredAt": null,
                  "enabled": true,
                  "allowedIPs": "10.13.13.7/32"
                }
              }
            }
            """;

        ImportPlan plan = Read(text);

        Assert.Empty(plan.Problems);
        PeerConfig peer = plan.Gateway!.Peers.Single();
        Assert.Equal("peer-10-13-13-7", peer.Name);
        Assert.Null(peer.PrivateKey);
        Assert.Null(peer.PresharedKey);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1709288130), peer.Created);
        Assert.Equal(51999, plan.Gateway.ListenPort);
        Assert.Equal(
            [
                "wg0.json:2: the server's \"jc\" is not something Holt knows of wg-easy's",
                "wg0.json:9: client 'x': \"allowedIPs\" is not something Holt knows of wg-easy's",
            ],
            plan.NotCarried);
    }

    private static ImportPlan Read(string text) => WgEasyImport.Read("wg0.json", text, s_options);
}
