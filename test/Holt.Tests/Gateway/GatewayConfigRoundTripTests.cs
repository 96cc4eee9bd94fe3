using System.Net;
using Holt.Firewall;
using Holt.Config;
using Holt.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Gateway;

/// <summary>holt.toml written and read back: nothing is lost, and the canonical layout is a fixed point.</summary>
public sealed class GatewayConfigRoundTripTests
{
    /// <summary>Every key there is, in the writer's order; the second peer brought its own key.</summary>
    internal const string Canonical =
        "# Holt gateway configuration. Holt rewrites this file on every change (holt peer ...);\n" +
        "# edit it while no holt command runs. Hand-written comments are not kept.\n" +
        "\n" +
        "[gateway]\n" +
        "interface = \"hgw0\"\n" +
        "backend = \"kernel\"\n" +
        "private_key = \"" + TestKeys.GatewayPrivate + "\"\n" +
        "listen_port = 51821\n" +
        "endpoint = \"vpn.example.com:443\"\n" +
        "subnet = \"10.9.0.0/24\"\n" +
        "address = \"10.9.0.1\"\n" +
        "subnet6 = \"fd42:1::/64\"\n" +
        "address6 = \"fd42:1::1\"\n" +
        "dns = [\"1.1.1.1\", \"2606:4700:4700::1111\", \"home.arpa\"]\n" +
        "mtu = 1380\n" +
        "routes = [\"192.168.1.0/24\", \"fd00:beef::/48\"]\n" +
        "masquerade = false\n" +
        "\n" +
        "[[peer]]\n" +
        "name = \"laptop\"\n" +
        "public_key = \"" + TestKeys.LaptopPublic + "\"\n" +
        "private_key = \"" + TestKeys.LaptopPrivate + "\"\n" +
        "preshared_key = \"" + TestKeys.Psk1 + "\"\n" +
        "address = \"10.9.0.2\"\n" +
        "address6 = \"fd42:1::2\"\n" +
        "allowed_ips = [\"0.0.0.0/0\", \"::/0\"]\n" +
        "dns = [\"9.9.9.9\"]\n" +
        "keepalive = 0\n" +
        "enabled = false\n" +
        "client_to_client = true\n" +
        "expected = true\n" +
        "expires = 2026-12-31T18:00:00Z\n" +
        "created = 2025-01-02T03:04:05Z\n" +
        "\n" +
        "[[peer]]\n" +
        "name = \"imported\"\n" +
        "public_key = \"" + TestKeys.ImportedPublic + "\"\n" +
        "address = \"10.9.0.3\"\n" +
        "dns = []\n" +
        "keepalive = 25\n" +
        "enabled = true\n" +
        "\n" +
        "# The firewall: SSH and admin ports only from the VPN (and allow_from); public ports listed below;\n" +
        "# everything else dropped. `holt firewall apply` applies it, `holt firewall confirm` keeps it.\n" +
        "[firewall]\n" +
        "enabled = false\n" +
        "ssh_ports = [22]\n" +
        "admin_ports = []\n" +
        "echo = \"allow\"\n";

    [Fact]
    public void Write_OfReadCanonicalFile_IsTheSameText()
    {
        GatewayConfig config = TestConfig.ReadGateway(Canonical);

        Assert.Equal(Canonical, TestConfig.WriteGateway(config));
    }

    [Fact]
    public void Read_CanonicalFile_HasEveryValue()
    {
        GatewayConfig config = TestConfig.ReadGateway(Canonical);

        Assert.Equal("hgw0", config.Interface);
        Assert.Equal(Backend.Kernel, config.Backend);
        Assert.Equal(TestKeys.GatewayPrivate, config.PrivateKey);
        Assert.Equal(51821, config.ListenPort);
        Assert.Equal("vpn.example.com:443", config.Endpoint);
        Assert.Equal("vpn.example.com:443", config.ClientEndpoint);
        Assert.Equal(IPNetwork.Parse("10.9.0.0/24"), config.Subnet);
        Assert.Equal(IPAddress.Parse("10.9.0.1"), config.Address);
        Assert.Equal(IPNetwork.Parse("fd42:1::/64"), config.Subnet6);
        Assert.Equal(IPAddress.Parse("fd42:1::1"), config.Address6);
        Assert.Equal(["1.1.1.1", "2606:4700:4700::1111", "home.arpa"], config.Dns);
        Assert.Equal(1380, config.Mtu);
        Assert.Equal([IPNetwork.Parse("192.168.1.0/24"), IPNetwork.Parse("fd00:beef::/48")], config.Routes);
        Assert.False(config.Masquerade);
        Assert.Equal(2, config.Peers.Count);

        PeerConfig laptop = config.Peers[0];
        Assert.Equal("laptop", laptop.Name);
        Assert.Equal(TestKeys.LaptopPublic, laptop.PublicKey);
        Assert.Equal(TestKeys.LaptopPrivate, laptop.PrivateKey);
        Assert.Equal(TestKeys.Psk1, laptop.PresharedKey);
        Assert.Equal(IPAddress.Parse("10.9.0.2"), laptop.Address);
        Assert.Equal(IPAddress.Parse("fd42:1::2"), laptop.Address6);
        Assert.Equal(ClientConfig.FullTunnel, laptop.AllowedIps);
        Assert.Equal(["9.9.9.9"], laptop.Dns!);
        Assert.Equal(0, laptop.Keepalive);
        Assert.False(laptop.Enabled);
        Assert.True(laptop.ClientToClient);
        Assert.True(laptop.Expected);
        Assert.Equal(new DateTimeOffset(2026, 12, 31, 18, 0, 0, TimeSpan.Zero), laptop.Expires);
        Assert.Equal(TimeSpan.Zero, laptop.Expires!.Value.Offset);
        Assert.Equal(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero), laptop.Created);

        PeerConfig imported = config.Peers[1];
        Assert.Null(imported.PrivateKey);
        Assert.Null(imported.PresharedKey);
        Assert.Null(imported.Address6);
        Assert.Empty(imported.AllowedIps);
        Assert.NotNull(imported.Dns);
        Assert.Empty(imported.Dns);
        Assert.Equal(PeerConfig.DefaultKeepalive, imported.Keepalive);
        Assert.True(imported.Enabled);
        Assert.False(imported.ClientToClient);
        Assert.False(imported.Expected);
        Assert.Null(imported.Expires);
        Assert.Null(imported.Created);
    }

    [Fact]
    public void Read_OfWrittenConfig_EqualsItFieldByField()
    {
        var config = new GatewayConfig
        {
            Interface = "wg7",
            PrivateKey = TestKeys.GatewayPrivate,
            ListenPort = 4500,
            Endpoint = "[2001:db8::1]:4500",
            Subnet = IPNetwork.Parse("172.16.0.0/20"),
            Address = IPAddress.Parse("172.16.15.254"),
            Subnet6 = IPNetwork.Parse("fd00:1:2:3::/64"),
            Address6 = IPAddress.Parse("fd00:1:2:3::abcd"),
            Dns = ["10.0.0.53"],
            Mtu = 1280,
            Routes = [IPNetwork.Parse("10.0.0.0/8")],
            Masquerade = true,
            Peers =
            [
                new PeerConfig
                {
                    Name = "a.b_c-9",
                    PublicKey = TestKeys.PhonePublic,
                    PrivateKey = TestKeys.PhonePrivate,
                    PresharedKey = TestKeys.Psk2,
                    Address = IPAddress.Parse("172.16.0.1"),
                    Address6 = IPAddress.Parse("fd00:1:2:3::1"),
                    AllowedIps = [IPNetwork.Parse("172.16.0.0/20"), IPNetwork.Parse("192.168.0.0/16")],
                    Dns = null,
                    Keepalive = 65535,
                    Enabled = true,
                    ClientToClient = false,
                    Expires = new DateTimeOffset(2030, 6, 1, 12, 30, 59, TimeSpan.Zero),
                    Created = new DateTimeOffset(2024, 2, 29, 23, 59, 59, TimeSpan.Zero),
                },
                new PeerConfig
                {
                    Name = "Z",
                    PublicKey = TestKeys.ImportedPublic,
                    Address = IPAddress.Parse("172.16.15.253"),
                    Dns = ["search.example", "8.8.8.8"],
                    Keepalive = 1,
                    Enabled = false,
                    ClientToClient = true,
                    Expected = true,
                    Admin = true,
                },
            ],
        };

        GatewayConfig read = TestConfig.ReadGateway(TestConfig.WriteGateway(config));

        AssertSame(config, read);
    }

    [Fact]
    public void Write_OfConfigWithoutOptionalKeys_ReadsBackWithDefaults()
    {
        const string Minimal =
            "[gateway]\n" +
            "private_key = \"" + TestKeys.GatewayPrivate + "\"\n" +
            "endpoint = \"203.0.113.7\"\n" +
            "subnet = \"10.8.0.0/24\"\n";

        GatewayConfig config = TestConfig.ReadGateway(Minimal);
        string written = TestConfig.WriteGateway(config);
        GatewayConfig again = TestConfig.ReadGateway(written);

        Assert.Equal(GatewayConfig.DefaultInterface, config.Interface);
        Assert.Equal(Backend.Engine, config.Backend);
        Assert.Equal(GatewayConfig.DefaultPort, config.ListenPort);
        Assert.Equal(IPAddress.Parse("10.8.0.1"), config.Address);
        Assert.Null(config.Subnet6);
        Assert.Null(config.Address6);
        Assert.Empty(config.Dns);
        Assert.Equal(GatewayConfig.DefaultMtu, config.Mtu);
        Assert.True(config.Masquerade);
        Assert.Equal("203.0.113.7:51820", config.ClientEndpoint);
        Assert.DoesNotContain("backend", written, StringComparison.Ordinal);
        AssertSame(config, again);
        Assert.Equal(written, TestConfig.WriteGateway(again));
    }

    [Fact]
    public void Write_NameAndEndpointWithQuotesAndControls_AreEscaped()
    {
        Assert.Equal("\"a\\\"b\\\\c\\nd\\te\\u0001\"", TomlWriter.Quote("a\"b\\c\nd\te\u0001"));
    }

    [Fact]
    public void Read_Subnet6WithoutAddress6_DefaultsToTheFirstHost()
    {
        string text = Canonical.Replace("address6 = \"fd42:1::1\"\n", "", StringComparison.Ordinal);

        GatewayConfig config = TestConfig.ReadGateway(text);

        Assert.Equal(IPAddress.Parse("fd42:1::1"), config.Address6);
    }

    [Fact]
    public void Read_DateWithOffset_IsHeldInUtc()
    {
        string text = Canonical.Replace("expires = 2026-12-31T18:00:00Z", "expires = 2026-12-31T20:00:00+02:00", StringComparison.Ordinal);

        PeerConfig laptop = TestConfig.ReadGateway(text).Peers[0];

        Assert.Equal(new DateTimeOffset(2026, 12, 31, 18, 0, 0, TimeSpan.Zero), laptop.Expires);
        Assert.Contains("expires = 2026-12-31T18:00:00Z\n", TestConfig.WriteGateway(TestConfig.ReadGateway(text)), StringComparison.Ordinal);
    }

    internal static void AssertSame(GatewayConfig expected, GatewayConfig actual)
    {
        Assert.Equal(expected.Interface, actual.Interface);
        Assert.Equal(expected.Backend, actual.Backend);
        Assert.Equal(expected.PrivateKey, actual.PrivateKey);
        Assert.Equal(expected.ListenPort, actual.ListenPort);
        Assert.Equal(expected.Endpoint, actual.Endpoint);
        Assert.Equal(expected.Subnet, actual.Subnet);
        Assert.Equal(expected.Address, actual.Address);
        Assert.Equal(expected.Subnet6, actual.Subnet6);
        Assert.Equal(expected.Address6, actual.Address6);
        Assert.Equal(expected.Dns, actual.Dns);
        Assert.Equal(expected.Mtu, actual.Mtu);
        Assert.Equal(expected.Routes, actual.Routes);
        Assert.Equal(expected.Masquerade, actual.Masquerade);
        Assert.Equal(expected.Peers.Count, actual.Peers.Count);
        for (int i = 0; i < expected.Peers.Count; i++)
        {
            PeerConfig e = expected.Peers[i];
            PeerConfig a = actual.Peers[i];
            Assert.Equal(e.Name, a.Name);
            Assert.Equal(e.PublicKey, a.PublicKey);
            Assert.Equal(e.PrivateKey, a.PrivateKey);
            Assert.Equal(e.PresharedKey, a.PresharedKey);
            Assert.Equal(e.Address, a.Address);
            Assert.Equal(e.Address6, a.Address6);
            Assert.Equal(e.AllowedIps, a.AllowedIps);
            Assert.Equal(e.Dns is null, a.Dns is null);
            Assert.Equal(e.Dns ?? [], a.Dns ?? []);
            Assert.Equal(e.Keepalive, a.Keepalive);
            Assert.Equal(e.Enabled, a.Enabled);
            Assert.Equal(e.ClientToClient, a.ClientToClient);
            Assert.Equal(e.Expected, a.Expected);
            Assert.Equal(e.Monitor, a.Monitor);
            Assert.Equal(e.Admin, a.Admin);
            Assert.Equal(e.Expires, a.Expires);
            Assert.Equal(e.Created, a.Created);
        }
    }
}
