using System.Net;
using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Firewall;

/// <summary>[firewall], [[firewall.public]] and [[expose]] in holt.toml: written and read back whole, and every mistake refused at its line.</summary>
public sealed class FirewallConfigTests
{
    /// <summary>Every firewall key there is, in the writer's order and layout.</summary>
    private const string Canonical =
        "# Holt gateway configuration. Holt rewrites this file on every change (holt peer ...);\n" +
        "# edit it while no holt command runs. Hand-written comments are not kept.\n" +
        "\n" +
        "[gateway]\n" +
        "interface = \"hfw0\"\n" +
        "private_key = \"" + TestKeys.GatewayPrivate + "\"\n" +
        "listen_port = 51820\n" +
        "endpoint = \"vpn.example.com\"\n" +
        "subnet = \"10.8.0.0/24\"\n" +
        "address = \"10.8.0.1\"\n" +
        "subnet6 = \"fd42::/64\"\n" +
        "address6 = \"fd42::1\"\n" +
        "mtu = 1420\n" +
        "masquerade = true\n" +
        "\n" +
        "[[peer]]\n" +
        "name = \"laptop\"\n" +
        "public_key = \"" + TestKeys.LaptopPublic + "\"\n" +
        "private_key = \"" + TestKeys.LaptopPrivate + "\"\n" +
        "address = \"10.8.0.2\"\n" +
        "address6 = \"fd42::2\"\n" +
        "keepalive = 25\n" +
        "enabled = true\n" +
        "\n" +
        "# The firewall: SSH and admin ports only from the VPN (and allow_from); public ports listed below;\n" +
        "# everything else dropped. `holt firewall apply` applies it, `holt firewall confirm` keeps it.\n" +
        "[firewall]\n" +
        "enabled = true\n" +
        "ssh_ports = [22, 2222]\n" +
        "admin_ports = [8443, 9000]\n" +
        "allow_from = [\"198.51.100.0/24\", \"2001:db8:1::/48\"]\n" +
        "echo = \"vpn\"\n" +
        "cloudflare_ranges = \"/etc/holt/cloudflare.txt\"\n" +
        "\n" +
        "[[firewall.public]]\n" +
        "port = 80\n" +
        "proto = \"tcp\"\n" +
        "new_per_minute = 60\n" +
        "concurrent = 20\n" +
        "\n" +
        "[[firewall.public]]\n" +
        "port = 443\n" +
        "proto = \"tcp\"\n" +
        "cloudflare_only = true\n" +
        "\n" +
        "[[firewall.public]]\n" +
        "port = 3478\n" +
        "proto = \"udp\"\n" +
        "new_per_minute = 600\n" +
        "\n" +
        "[[expose]]\n" +
        "public_port = 8080\n" +
        "proto = \"tcp\"\n" +
        "peer = \"laptop\"\n" +
        "to_port = 80\n" +
        "sources = [\"203.0.113.0/24\", \"2001:db8:2::/48\"]\n" +
        "\n" +
        "[[expose]]\n" +
        "public_port = 27015\n" +
        "proto = \"udp\"\n" +
        "peer = \"laptop\"\n" +
        "to_port = 27015\n" +
        "snat = true\n";

    // Line numbers below refer to this file.
    private static readonly string[] s_base =
    [
        "[gateway]",                                            // 1
        "private_key = \"" + TestKeys.GatewayPrivate + "\"",   // 2
        "endpoint = \"vpn.example.com\"",                       // 3
        "subnet = \"10.8.0.0/24\"",                             // 4
        "",                                                     // 5
        "[firewall]",                                           // 6
        "ssh_ports = [22]",                                     // 7
        "admin_ports = [8443]",                                 // 8
        "",                                                     // 9
        "[[firewall.public]]",                                  // 10
        "port = 80",                                            // 11
        "",                                                     // 12
        "[[firewall.public]]",                                  // 13
        "port = 443",                                           // 14
        "",                                                     // 15
        "[[peer]]",                                             // 16
        "name = \"home\"",                                      // 17
        "public_key = \"" + TestKeys.LaptopPublic + "\"",       // 18
        "address = \"10.8.0.2\"",                               // 19
        "",                                                     // 20
        "[[expose]]",                                           // 21
        "public_port = 8080",                                   // 22
        "peer = \"home\"",                                      // 23
    ];

    [Fact]
    public void Write_OfReadCanonicalFile_IsTheSameText()
    {
        HoltConfig config = TestConfig.Read(Canonical);

        Assert.Equal(Canonical, TestConfig.Write(config));
        GatewayConfigRoundTripTests.AssertSame(config.Gateway, TestConfig.ReadGateway(TestConfig.Write(config)));
    }

    [Fact]
    public void Read_CanonicalFile_HasEveryFirewallValue()
    {
        HoltConfig config = TestConfig.Read(Canonical);
        FirewallConfig firewall = config.Firewall;

        Assert.True(firewall.Enabled);
        Assert.Equal([22, 2222], firewall.SshPorts);
        Assert.Equal([8443, 9000], firewall.AdminPorts);
        Assert.Equal([IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("2001:db8:1::/48")], firewall.AllowFrom);
        Assert.Equal(EchoPolicy.Vpn, firewall.Echo);
        Assert.Equal("/etc/holt/cloudflare.txt", firewall.CloudflareRangesFile);
        Assert.Equal(
            [
                new PublicPort { Port = 80, Protocol = Protocol.Tcp, NewPerMinute = 60, Concurrent = 20 },
                new PublicPort { Port = 443, Protocol = Protocol.Tcp, CloudflareOnly = true },
                new PublicPort { Port = 3478, Protocol = Protocol.Udp, NewPerMinute = 600 },
            ],
            firewall.Public);
        Assert.Equal(2, config.Exposures.Count);
        Exposure web = config.Exposures[0];
        Assert.Equal((8080, Protocol.Tcp, "laptop", 80, false), (web.PublicPort, web.Protocol, web.Peer, web.ToPort, web.Snat));
        Assert.Equal([IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("2001:db8:2::/48")], web.Sources);
        Exposure game = config.Exposures[1];
        Assert.Equal((27015, Protocol.Udp, "laptop", 27015, true), (game.PublicPort, game.Protocol, game.Peer, game.ToPort, game.Snat));
        Assert.Empty(game.Sources);
    }

    [Fact]
    public void Read_WithoutFirewallSection_HasTheDefaults()
    {
        HoltConfig config = TestConfig.Read(Text(s_base[..5]));

        Assert.False(config.Firewall.Enabled);
        Assert.Equal([22], config.Firewall.SshPorts);
        Assert.Empty(config.Firewall.AdminPorts);
        Assert.Empty(config.Firewall.AllowFrom);
        Assert.Equal(EchoPolicy.Allow, config.Firewall.Echo);
        Assert.Empty(config.Firewall.Public);
        Assert.Null(config.Firewall.CloudflareRangesFile);
        Assert.Empty(config.Exposures);
    }

    [Fact]
    public void Read_ExposeWithoutToPort_ForwardsToTheSamePort()
    {
        Exposure exposure = TestConfig.Read(Text(s_base)).Exposures.Single();

        Assert.Equal(8080, exposure.ToPort);
        Assert.Equal(Protocol.Tcp, exposure.Protocol);
        Assert.False(exposure.Snat);
        Assert.Empty(exposure.Sources);
    }

    [Fact]
    public void Read_PublicPortsAsWrittenByHand_ReadBackAfterARewrite()
    {
        HoltConfig config = TestConfig.Read(Text(s_base));

        HoltConfig again = TestConfig.Read(TestConfig.Write(config));

        GatewayConfigRoundTripTests.AssertSame(config.Gateway, again.Gateway);
        Assert.Equal([80, 443], again.Firewall.Public.Select(p => p.Port));
    }

    [Theory]
    // Unknown keys, at their own line.
    [InlineData(8, "log = true", "holt.toml:8: unknown key 'log' in [firewall]")]
    [InlineData(12, "limit = 5", "holt.toml:12: unknown key 'limit' in [[firewall.public]]")]
    [InlineData(24, "to = 80", "holt.toml:24: unknown key 'to' in [[expose]]")]
    // Values.
    [InlineData(8, "echo = \"sometimes\"", "holt.toml:8: echo must be \"allow\", \"vpn\" or \"drop\", not \"sometimes\"")]
    [InlineData(8, "echo = true", "holt.toml:8: 'echo' must be a string in quotes")]
    [InlineData(12, "proto = \"sctp\"", "holt.toml:12: proto must be \"tcp\" or \"udp\", not \"sctp\"")]
    [InlineData(24, "proto = \"TCP\"", "holt.toml:24: proto must be \"tcp\" or \"udp\", not \"TCP\"")]
    [InlineData(24, "to_port = 70000", "holt.toml:24: 'to_port' must be between 1 and 65535, not 70000")]
    [InlineData(12, "new_per_minute = 0", "holt.toml:12: 'new_per_minute' must be between 1 and 100000, not 0")]
    [InlineData(12, "cloudflare_only = \"yes\"", "holt.toml:12: 'cloudflare_only' must be true or false")]
    [InlineData(24, "snat = 1", "holt.toml:24: 'snat' must be true or false")]
    // Networks.
    [InlineData(8, "allow_from = [\"10.0.0.1/8\"]", "holt.toml:8: 'allow_from': '10.0.0.1/8' has host bits set; the network is 10.0.0.0/8")]
    [InlineData(8, "allow_from = [\"198.51.100.0/24\", \"office\"]", "holt.toml:8: 'allow_from': 'office' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData(8, "allow_from = [\"2001:db8::1/32\"]", "holt.toml:8: 'allow_from': '2001:db8::1/32' has host bits set; the network is 2001:db8::/32")]
    [InlineData(24, "sources = [\"203.0.113.0/33\"]", "holt.toml:24: 'sources': '203.0.113.0/33' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData(24, "sources = \"203.0.113.0/24\"", "holt.toml:24: 'sources' must be a list of strings, such as [\"a\", \"b\"]")]
    public void Read_OneLineAdded_IsRefusedAtItsLine(int at, string added, string expected)
    {
        Assert.Equal(expected, Refused(Insert(at, added)));
    }

    [Theory]
    // Ports out of range.
    [InlineData(11, "port = 0", "holt.toml:11: 'port' must be between 1 and 65535, not 0")]
    [InlineData(11, "port = 70000", "holt.toml:11: 'port' must be between 1 and 65535, not 70000")]
    [InlineData(22, "public_port = 0", "holt.toml:22: 'public_port' must be between 1 and 65535, not 0")]
    [InlineData(7, "ssh_ports = [22, 70000]", "holt.toml:7: 'ssh_ports': 70000 is not a port (1-65535)")]
    [InlineData(8, "admin_ports = [0]", "holt.toml:8: 'admin_ports': 0 is not a port (1-65535)")]
    [InlineData(8, "admin_ports = 8443", "holt.toml:8: 'admin_ports' must be a list of port numbers, such as [22]")]
    // 'concurrent' counts TCP connections only.
    [InlineData(14, "port = 443\nproto = \"udp\"\nconcurrent = 10", "holt.toml:16: 'concurrent' limits TCP connections; remove it from a UDP port")]
    // One owner per port: the duplicate is reported where it is written.
    [InlineData(8, "admin_ports = [8443, 22]", "holt.toml:8: TCP port 22 is already an SSH port")]
    [InlineData(8, "admin_ports = [8443, 8443]", "holt.toml:8: TCP port 8443 is already an admin port")]
    [InlineData(14, "port = 22", "holt.toml:14: TCP port 22 is already an SSH port")]
    [InlineData(14, "port = 8443", "holt.toml:14: TCP port 8443 is already an admin port")]
    [InlineData(14, "port = 80", "holt.toml:14: TCP port 80 is already a public port")]
    [InlineData(14, "port = 51820\nproto = \"udp\"", "holt.toml:14: UDP port 51820 is already the WireGuard port")]
    [InlineData(22, "public_port = 80", "holt.toml:22: TCP port 80 is already a public port")]
    [InlineData(22, "public_port = 22", "holt.toml:22: TCP port 22 is already an SSH port")]
    [InlineData(22, "public_port = 8443", "holt.toml:22: TCP port 8443 is already an admin port")]
    [InlineData(22, "public_port = 51820\nproto = \"udp\"", "holt.toml:22: UDP port 51820 is already the WireGuard port")]
    [InlineData(23, "peer = \"nobody\"", "holt.toml:23: [[expose]] of port 8080: no peer named 'nobody'")]
    public void Read_OneLineReplaced_IsRefusedAtItsLine(int at, string replacement, string expected)
    {
        string[] lines = [.. s_base[..(at - 1)], replacement, .. s_base[at..]];

        Assert.Equal(expected, Refused(Text(lines)));
    }

    [Fact]
    public void Read_SamePortOnTcpAndUdp_IsAccepted()
    {
        string[] lines = [.. s_base[..14], "proto = \"udp\"", .. s_base[14..]];
        lines[13] = "port = 80";

        HoltConfig config = TestConfig.Read(Text(lines));

        Assert.Equal([(80, Protocol.Tcp), (80, Protocol.Udp)], config.Firewall.Public.Select(p => (p.Port, p.Protocol)));
    }

    [Fact]
    public void Read_SecondExposureOfAPort_IsRefusedAtTheSecond()
    {
        string text = Text(s_base) + "\n[[expose]]\npublic_port = 8080\npeer = \"home\"\n";

        Assert.Equal("holt.toml:26: TCP port 8080 is already exposed to peer 'home'", Refused(text));
    }

    [Fact]
    public void Read_ExposeWrittenAsATable_IsRefused()
    {
        string text = Text(s_base[..20]) + "[expose]\npublic_port = 8080\npeer = \"home\"\n";

        Assert.Equal("holt.toml:21: 'expose' must be a list of [[expose]] tables", Refused(text));
    }

    [Fact]
    public void Read_FirewallWrittenAsAnArray_IsRefused()
    {
        string text = Text(s_base[..5]) + "[[firewall]]\nenabled = true\n";

        Assert.Equal("holt.toml:6: 'firewall' must be a [firewall] table", Refused(text));
    }

    [Fact]
    public void Read_PublicWrittenAsAKey_IsRefused()
    {
        Assert.Equal("holt.toml:8: 'public' must be written as [[firewall.public]] tables", Refused(Text([.. s_base[..7], "public = [80]"])));
    }

    [Fact]
    public void Read_PublicPortWithoutPort_IsRefusedAtItsTable()
    {
        string[] lines = [.. s_base[..13], "proto = \"tcp\"", .. s_base[14..]];

        Assert.Equal("holt.toml:14: [[firewall.public]] is missing 'port'", Refused(Text(lines)));
    }

    [Fact]
    public void Read_ExposeWithoutPeer_IsRefused()
    {
        Assert.Equal("holt.toml:22: [[expose]] is missing 'peer'", Refused(Text(s_base[..22])));
    }

    [Fact]
    public void Validate_ExposureOfARemovedPeer_IsRefused()
    {
        HoltConfig config = TestConfig.Read(Text(s_base));

        var error = Assert.Throws<CommandException>(() => TestConfig.Validate(config.WithGateway(config.Gateway with { Peers = [] })));

        Assert.Equal("[[expose]] of port 8080: no peer named 'home'", error.Message);
    }

    private static string Insert(int at, string added) => Text([.. s_base[..(at - 1)], added, .. s_base[(at - 1)..]]);

    private static string Text(string[]? lines = null) => string.Join('\n', lines ?? s_base) + "\n";

    private static string Refused(string text) =>
        Assert.Throws<ConfigException>(() => TestConfig.ReadGateway(text)).Message;
}
