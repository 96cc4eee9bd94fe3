using Holt.Config;
using Holt.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Gateway;

/// <summary>Every way holt.toml can be wrong is refused with the file and the line at fault.</summary>
public sealed class GatewayConfigRefusalTests
{
    // Line numbers below refer to this file: [gateway] on 1, the two peers from 6 and 12.
    private static readonly string[] s_base =
    [
        "[gateway]",                                            // 1
        "private_key = \"" + TestKeys.GatewayPrivate + "\"",   // 2
        "endpoint = \"vpn.example.com\"",                       // 3
        "subnet = \"10.8.0.0/24\"",                             // 4
        "",                                                     // 5
        "[[peer]]",                                             // 6
        "name = \"laptop\"",                                    // 7
        "public_key = \"" + TestKeys.LaptopPublic + "\"",       // 8
        "private_key = \"" + TestKeys.LaptopPrivate + "\"",     // 9
        "address = \"10.8.0.2\"",                               // 10
        "",                                                     // 11
        "[[peer]]",                                             // 12
        "name = \"phone\"",                                     // 13
        "public_key = \"" + TestKeys.PhonePublic + "\"",        // 14
        "address = \"10.8.0.3\"",                               // 15
    ];

    [Fact]
    public void Read_BaseFile_IsAccepted()
    {
        GatewayConfig config = TestConfig.ReadGateway(Text());

        Assert.Equal(2, config.Peers.Count);
    }

    [Fact]
    public void Read_NamesDifferingOnlyInCase_StillLoad()
    {
        // New names are refused when another differs only in case, but a file an earlier Holt wrote with such a pair
        // must still load: a gateway that refuses its own file after an upgrade locks its owner out.
        string[] lines = [.. s_base];
        lines[12] = "name = \"LAPTOP\"";

        GatewayConfig config = TestConfig.ReadGateway(Text(lines));

        Assert.Equal(["laptop", "LAPTOP"], config.Peers.Select(p => p.Name));
    }

    [Theory]
    // Unknown keys and sections: the line of the key itself.
    [InlineData(4, "foo = 1", "holt.toml:4: unknown key 'foo' in [gateway]")]
    [InlineData(15, "colour = \"red\"", "holt.toml:15: unknown key 'colour' in [[peer]]")]
    [InlineData(15, "Name = \"x\"", "holt.toml:15: unknown key 'Name' in [[peer]]")]
    [InlineData(16, "[server]\nport = 1", "holt.toml:16: unknown section or key 'server' (expected [gateway], [[peer]], [firewall], [[expose]], [guard], [monitor] and [dashboard])")]
    [InlineData(1, "debug = true", "holt.toml:1: unknown section or key 'debug' (expected [gateway], [[peer]], [firewall], [[expose]], [guard], [monitor] and [dashboard])")]
    [InlineData(5, "[gateway.extra]\nx = 1", "holt.toml:5: unknown key 'extra' in [gateway]")]
    // Wrong types.
    [InlineData(4, "listen_port = \"51820\"", "holt.toml:4: 'listen_port' must be a whole number")]
    [InlineData(4, "masquerade = \"yes\"", "holt.toml:4: 'masquerade' must be true or false")]
    [InlineData(4, "masquerade = 1", "holt.toml:4: 'masquerade' must be true or false")]
    [InlineData(4, "dns = \"1.1.1.1\"", "holt.toml:4: 'dns' must be a list of strings, such as [\"a\", \"b\"]")]
    [InlineData(4, "dns = [1]", "holt.toml:4: 'dns' must be a list of strings, such as [\"a\", \"b\"]")]
    [InlineData(4, "routes = [\"10.0.0.0/8\", true]", "holt.toml:4: 'routes' must be a list of strings, such as [\"a\", \"b\"]")]
    [InlineData(4, "interface = [\"wg0\"]", "holt.toml:4: 'interface' must be a string in quotes")]
    [InlineData(15, "keepalive = true", "holt.toml:15: 'keepalive' must be a whole number")]
    [InlineData(15, "enabled = \"false\"", "holt.toml:15: 'enabled' must be true or false")]
    [InlineData(15, "client_to_client = 0", "holt.toml:15: 'client_to_client' must be true or false")]
    [InlineData(15, "expected = \"yes\"", "holt.toml:15: 'expected' must be true or false")]
    [InlineData(15, "expires = \"2026-12-31T00:00:00Z\"", "holt.toml:15: 'expires' must be a date and time such as 2026-12-31T00:00:00Z")]
    [InlineData(15, "expires = 2026-12-31", "holt.toml:15: 'expires' must be a date and time such as 2026-12-31T00:00:00Z")]
    [InlineData(15, "created = 18:00:00", "holt.toml:15: 'created' must be a date and time such as 2026-12-31T00:00:00Z")]
    [InlineData(15, "allowed_ips = \"0.0.0.0/0\"", "holt.toml:15: 'allowed_ips' must be a list of strings, such as [\"a\", \"b\"]")]
    // Floats are never whole numbers, even 1420.0.
    [InlineData(4, "mtu = 1420.0", "holt.toml:4: a number here must be a whole number")]
    [InlineData(15, "keepalive = 2.5", "holt.toml:15: a number here must be a whole number")]
    // Ranges.
    [InlineData(4, "listen_port = 0", "holt.toml:4: 'listen_port' must be between 1 and 65535, not 0")]
    [InlineData(4, "listen_port = 65536", "holt.toml:4: 'listen_port' must be between 1 and 65535, not 65536")]
    [InlineData(4, "mtu = 1279", "holt.toml:4: 'mtu' must be between 1280 and 65535, not 1279")]
    [InlineData(4, "mtu = 65536", "holt.toml:4: 'mtu' must be between 1280 and 65535, not 65536")]
    [InlineData(15, "keepalive = -1", "holt.toml:15: 'keepalive' must be between 0 and 65535, not -1")]
    [InlineData(15, "keepalive = 65536", "holt.toml:15: 'keepalive' must be between 0 and 65535, not 65536")]
    // Values.
    [InlineData(4, "backend = \"userspace\"", "holt.toml:4: backend must be \"engine\" or \"kernel\", not \"userspace\"")]
    [InlineData(4, "interface = \"a-name-that-is-too-long\"", "holt.toml:4: invalid interface name 'a-name-that-is-too-long': use 1 to 15 letters, digits or _=+.-")]
    [InlineData(4, "dns = [\"1.1.1.1\", \"not a server\"]", "holt.toml:4: 'not a server' is not a name server address or search domain")]
    [InlineData(4, "dns = [\"10.0.0.0/8\"]", "holt.toml:4: '10.0.0.0/8' is not a name server address or search domain")]
    [InlineData(15, "dns = [\"-bad\"]", "holt.toml:15: peer 'phone': '-bad' is not a name server address or search domain")]
    [InlineData(4, "routes = [\"10.0.0.1/8\"]", "holt.toml:4: 'routes': '10.0.0.1/8' has host bits set; the network is 10.0.0.0/8")]
    [InlineData(15, "allowed_ips = [\"everything\"]", "holt.toml:15: 'allowed_ips': 'everything' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData(4, "address = \"10.8.0.1/24\"", "holt.toml:4: 'address' must be an IP address, not '10.8.0.1/24'")]
    // The gateway's own addresses.
    [InlineData(4, "address = \"10.8.1.1\"", "holt.toml:4: 10.8.1.1 is outside the subnet 10.8.0.0/24")]
    [InlineData(4, "address = \"10.8.0.0\"", "holt.toml:4: 10.8.0.0 is the network address of 10.8.0.0/24")]
    [InlineData(4, "address = \"10.8.0.255\"", "holt.toml:4: 10.8.0.255 is the broadcast address of 10.8.0.0/24")]
    [InlineData(4, "address6 = \"fd00::1\"", "holt.toml:4: address6 needs subnet6")]
    [InlineData(4, "subnet6 = \"fd00::/64\"\naddress6 = \"fd01::1\"", "holt.toml:5: fd01::1 is outside the subnet fd00::/64")]
    [InlineData(4, "subnet6 = \"fd00::/64\"\naddress6 = \"fd00::\"", "holt.toml:5: fd00:: is the network address of fd00::/64")]
    [InlineData(4, "subnet6 = \"10.9.0.0/24\"", "holt.toml:4: subnet6 must be an IPv6 network")]
    [InlineData(4, "subnet6 = \"fd00::/127\"", "holt.toml:4: subnet6 fd00::/127 is too small (at most /126)")]
    // Peers' addresses.
    [InlineData(15, "address6 = \"fd00::2\"", "holt.toml:15: peer 'phone': address6 needs subnet6 in [gateway]")]
    public void Read_OneLineAdded_IsRefusedAtItsLine(int at, string added, string expected)
    {
        string[] lines = [.. s_base[..(at - 1)], added, .. s_base[(at - 1)..]];

        Assert.Equal(expected, Refused(Text(lines)));
    }

    [Theory]
    // Missing keys: reported at the table's first key.
    [InlineData(2, null, "holt.toml:3: [gateway] is missing 'private_key'")]
    [InlineData(3, null, "holt.toml:2: [gateway] is missing 'endpoint'")]
    [InlineData(4, null, "holt.toml:2: [gateway] is missing 'subnet'")]
    [InlineData(13, null, "holt.toml:14: [[peer]] is missing 'name'")]
    [InlineData(14, null, "holt.toml:13: [[peer]] is missing 'public_key'")]
    [InlineData(15, null, "holt.toml:13: a peer needs an address")]
    // Keys.
    [InlineData(2, "private_key = \"abc\"", "holt.toml:2: private_key is not a valid key (44 characters of base64, as wg genkey prints)")]
    [InlineData(8, "public_key = \"mG9/3OVch7eKMZPjFBE10gLNhLk0XkkgysQBw8wqXG1=\"", "holt.toml:8: peer 'laptop': public_key is not a valid key (44 characters of base64, as wg genkey prints)")]
    [InlineData(8, "public_key = \" mG9/3OVch7eKMZPjFBE10gLNhLk0XkkgysQBw8wqXG0=\"", "holt.toml:8: peer 'laptop': public_key is not a valid key (44 characters of base64, as wg genkey prints)")]
    [InlineData(8, "public_key = \"mG9/3OVch7eKMZPjFBE10gLNhLk0XkkgysQBw8wqXG0\"", "holt.toml:8: peer 'laptop': public_key is not a valid key (44 characters of base64, as wg genkey prints)")]
    [InlineData(9, "private_key = \"mG9_3OVch7eKMZPjFBE10gLNhLk0XkkgysQBw8wqXG0=\"", "holt.toml:9: peer 'laptop': private_key is not a valid key (44 characters of base64, as wg genkey prints)")]
    [InlineData(15, "address = \"10.8.0.3\"\npreshared_key = \"short\"", "holt.toml:16: peer 'phone': preshared_key is not a valid key (44 characters of base64, as wg genkey prints)")]
    // Uniqueness: names, keys, addresses (the gateway's own too).
    [InlineData(13, "name = \"laptop\"", "holt.toml:13: duplicate peer name 'laptop'")]
    [InlineData(13, "name = \"my laptop\"", "holt.toml:13: invalid peer name 'my laptop': use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit")]
    [InlineData(13, "name = \"\"", "holt.toml:13: a peer name cannot be empty")]
    [InlineData(14, "public_key = \"" + TestKeys.LaptopPublic + "\"", "holt.toml:14: peer 'phone': public_key is used by another peer")]
    [InlineData(14, "public_key = \"" + TestKeys.GatewayPublic + "\"", "holt.toml:14: peer 'phone': public_key is the gateway's own key")]
    [InlineData(15, "address = \"10.8.0.2\"", "holt.toml:15: peer 'phone': address 10.8.0.2 is already taken")]
    [InlineData(15, "address = \"10.8.0.1\"", "holt.toml:15: peer 'phone': address 10.8.0.1 is already taken")]
    [InlineData(15, "address = \"10.9.0.3\"", "holt.toml:15: peer 'phone': 10.9.0.3 is outside the subnet 10.8.0.0/24")]
    [InlineData(15, "address = \"fd00::3\"", "holt.toml:15: peer 'phone': fd00::3 is outside the subnet 10.8.0.0/24")]
    [InlineData(15, "address = \"10.8.0.0\"", "holt.toml:15: peer 'phone': 10.8.0.0 is the network address of 10.8.0.0/24")]
    [InlineData(15, "address = \"10.8.0.255\"", "holt.toml:15: peer 'phone': 10.8.0.255 is the broadcast address of 10.8.0.0/24")]
    [InlineData(15, "address = \"ten\"", "holt.toml:15: 'address' must be an IP address, not 'ten'")]
    // Subnets.
    [InlineData(4, "subnet = \"10.8.0.0/31\"", "holt.toml:4: subnet 10.8.0.0/31 is too small (at most /30)")]
    [InlineData(4, "subnet = \"10.8.0.0/32\"", "holt.toml:4: subnet 10.8.0.0/32 is too small (at most /30)")]
    [InlineData(4, "subnet = \"10.8.0.1/24\"", "holt.toml:4: 'subnet': '10.8.0.1/24' has host bits set; the network is 10.8.0.0/24")]
    [InlineData(4, "subnet = \"10.8.0.0/33\"", "holt.toml:4: 'subnet': '10.8.0.0/33' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData(4, "subnet = \"10.8.0.0\"", "holt.toml:4: 'subnet': '10.8.0.0' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData(4, "subnet = \"fd00::/64\"", "holt.toml:4: subnet must be an IPv4 network")]
    // Endpoints.
    [InlineData(3, "endpoint = 443", "holt.toml:3: 'endpoint' must be a string in quotes")]
    [InlineData(3, "endpoint = \"vpn example.com\"", "holt.toml:3: 'vpn example.com' is not a valid host name or IPv4 address")]
    [InlineData(3, "endpoint = \"vpn.example.com:0\"", "holt.toml:3: 'vpn.example.com:0' has an invalid port (1-65535)")]
    [InlineData(3, "endpoint = \"vpn.example.com:65536\"", "holt.toml:3: 'vpn.example.com:65536' has an invalid port (1-65535)")]
    [InlineData(3, "endpoint = \"vpn.example.com:\"", "holt.toml:3: 'vpn.example.com:' has an invalid port (1-65535)")]
    [InlineData(3, "endpoint = \"[fd00::1\"", "holt.toml:3: '[fd00::1' is not a valid [IPv6]:port endpoint")]
    [InlineData(3, "endpoint = \"\"", "holt.toml:3: an endpoint must be a host name or address, optionally with :PORT")]
    // A peer written as a single table.
    [InlineData(12, "[peer]", "holt.toml:12: 'peer' is written both as [peer] and [[peer]] (the other on line 6); write every one as [[peer]]")]
    [InlineData(6, "[peer]", "holt.toml:12: 'peer' is written both as [peer] and [[peer]] (the other on line 6); write every one as [[peer]]")]
    public void Read_OneLineReplaced_IsRefusedAtItsLine(int line, string? replacement, string expected)
    {
        string[] lines = [.. s_base];
        lines[line - 1] = replacement ?? "";

        Assert.Equal(expected, Refused(Text(lines)));
    }

    [Fact]
    public void Read_OnlyPeerWrittenAsATable_SaysToWriteItAsAList()
    {
        Assert.Equal("holt.toml:6: 'peer' must be a list of [[peer]] tables", Refused(Text([.. s_base[..5], "[peer]", .. s_base[6..11]])));
    }

    [Fact]
    public void Read_EveryPeerWrittenAsATable_IsRefusedInTheSecond()
    {
        string[] lines = [.. s_base];
        lines[5] = "[peer]";
        lines[11] = "[peer]";

        // Tomlyn's event parser reopens the first [peer] table for the second header, so the second peer's keys
        // are the duplicates.
        Assert.Equal("holt.toml:13: 'name' is set twice in the same table (first on line 7)", Refused(Text(lines)));
    }

    [Fact]
    public void Read_NoGatewaySection_IsRefusedAtLine1()
    {
        Assert.Equal("holt.toml:1: missing the [gateway] section", Refused(Text(s_base[5..])));
    }

    [Fact]
    public void Read_EmptyFile_IsRefused()
    {
        Assert.Equal("holt.toml:1: missing the [gateway] section", Refused(""));
    }

    [Theory]
    [InlineData(4, "subnet = \"10.8.0.0/24", 4)]
    [InlineData(7, "name = laptop", 7)]
    [InlineData(10, "address = \"10.8.0.2\" extra", 10)]
    [InlineData(6, "[[peer]", 6)]
    public void Read_TomlSyntaxError_NamesTheLine(int line, string replacement, int expectedLine)
    {
        string[] lines = [.. s_base];
        lines[line - 1] = replacement;

        string message = Refused(Text(lines));

        Assert.StartsWith($"holt.toml:{expectedLine}: TOML syntax: ", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    [Theory]
    [InlineData(13, "name = \"laptop\"\nname = \"phone\"", "holt.toml:14: 'name' is set twice in the same table (first on line 13)")]
    [InlineData(4, "subnet = \"10.8.0.0/24\"\nsubnet = \"10.9.0.0/24\"", "holt.toml:5: 'subnet' is set twice in the same table (first on line 4)")]
    [InlineData(11, "[gateway]\nmtu = 1400", "holt.toml:11: [gateway] appears twice (first on line 1)")]
    public void Read_KeyDefinedTwice_IsRefusedAtTheSecond(int line, string replacement, string expected)
    {
        string[] lines = [.. s_base];
        lines[line - 1] = replacement;

        Assert.Equal(expected, Refused(Text(lines)));
    }

    [Fact]
    public void Read_ControlCharacterInUnknownKey_StaysOneLine()
    {
        string[] lines = [.. s_base[..4], "\"a\\nb\" = 1", .. s_base[4..]];

        Assert.Equal("holt.toml:5: unknown key 'a?b' in [gateway]", Refused(Text(lines)));
    }

    [Fact]
    public void Read_Error_CarriesSourceLineAndProblem()
    {
        string[] lines = [.. s_base[..4], "foo = 1", .. s_base[4..]];

        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(Text(lines), "/etc/holt/holt.toml"));

        Assert.Equal("/etc/holt/holt.toml", error.Source);
        Assert.Equal(5, error.Line);
        Assert.Equal("unknown key 'foo' in [gateway]", error.Problem);
    }

    [Fact]
    public void Read_PrivateKeyOfAnotherPeer_IsRefusedWhenKeyPairsAreVerified()
    {
        string[] lines = [.. s_base];
        lines[8] = "private_key = \"" + TestKeys.PhonePrivate + "\"";

        // The everyday read skips the X25519 check (one per peer); the daemon's start and client configs do it.
        _ = TestConfig.ReadGateway(Text(lines));
        Assert.Equal(
            "holt.toml:9: peer 'laptop': private_key does not belong to public_key",
            Assert.Throws<ConfigException>(() => TestConfig.ReadGateway(Text(lines), thorough: true)).Message);
    }

    private static string Refused(string text) =>
        Assert.Throws<ConfigException>(() => TestConfig.ReadGateway(text)).Message;

    private static string Text(string[]? lines = null) => string.Join('\n', lines ?? s_base) + "\n";
}
