using System.Net;
using Holt.Config;
using Holt.Monitor;
using Holt.Monitor.Checks;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Monitor.Checks;

/// <summary>A <c>type = "probe"</c> [[monitor.check]]: read with its keys, written back as read, and every mistake refused at its line.</summary>
public sealed class ProbeCheckSectionTests
{
    // The first [[monitor.check]] is on line 7, so its name is on line 8 and the lines given start at 9.
    private const string Head =
        "[gateway]\n" +                                                  // 1
        "private_key = \"" + TestKeys.GatewayPrivate + "\"\n" +          // 2
        "endpoint = \"vpn.example.com\"\n" +                             // 3
        "subnet = \"10.8.0.0/24\"\n" +                                   // 4
        "\n" +                                                           // 5
        "[monitor]\n" +                                                  // 6
        "[[monitor.check]]\n" +                                          // 7
        "name = \"x\"\n";                                                // 8

    private const string Probe = "type = \"probe\"\ntarget = \"office.example.com:51820\"\nserver_key = \"" + TestKeys.PhonePublic + "\"\nkey_file = \"/etc/holt/office-probe.key\"\n";

    [Fact]
    public void AProbe_IsRead_WithItsKeys()
    {
        CheckConfig check = TestConfig.Read(Head + Probe + "psk_file = \"/etc/holt/office-probe.psk\"\nping = \"10.9.0.1\"\naddress = \"10.9.0.5\"\n").Monitor.Checks[0];

        Assert.Equal(CheckType.Probe, check.Type);
        Assert.True(check.IsProbe);
        Assert.Equal("office.example.com:51820", check.Target);
        Assert.Equal(TestKeys.PhonePublic, check.ServerKey);
        Assert.Equal(("/etc/holt/office-probe.key", "/etc/holt/office-probe.psk"), (check.KeyFile, check.PskFile));
        Assert.Equal((IPAddress.Parse("10.9.0.1"), IPAddress.Parse("10.9.0.5")), (check.Ping, check.Address));
        Assert.Null(check.TargetAddress);
        Assert.Null(check.Peer);
    }

    [Fact]
    public void AProbe_IsWrittenBack_AndReadTheSame()
    {
        HoltConfig config = TestConfig.Read(Head + Probe + "ping = \"fd00::1\"\naddress = \"fd00::5\"\n");

        string written = TestConfig.Write(config);

        Assert.Contains(
            "[[monitor.check]]\nname = \"x\"\ntype = \"probe\"\ntarget = \"office.example.com:51820\"\ninterval = \"30s\"\ntimeout = \"5s\"\n" +
            $"server_key = \"{TestKeys.PhonePublic}\"\nkey_file = \"/etc/holt/office-probe.key\"\nping = \"fd00::1\"\naddress = \"fd00::5\"\n",
            written,
            StringComparison.Ordinal);
        Assert.Equal(config.Monitor.Checks, TestConfig.Read(written).Monitor.Checks);
        Assert.Equal(written, TestConfig.Write(TestConfig.Read(written)));
    }

    [Theory]
    [InlineData("[2001:db8::1]:51820")]
    [InlineData("192.0.2.1:443")]
    public void AddressTargets_AreTaken(string target)
    {
        CheckConfig check = TestConfig.Read(Head + Probe.Replace("office.example.com:51820", target, StringComparison.Ordinal)).Monitor.Checks[0];

        Assert.Equal(target, check.Target);
    }

    [Theory]
    [InlineData("type = \"probe\"\ntarget = \"office.example.com\"", "holt.toml:10: check 'x': target 'office.example.com': a probe check's target must be the WireGuard endpoint's HOST:PORT ('office.example.com' has no port: give HOST:PORT)")]
    [InlineData("type = \"probe\"\ntarget = \"a:b:c\"", "holt.toml:10: check 'x': target 'a:b:c': a probe check's target must be the WireGuard endpoint's HOST:PORT ('a:b:c' is not a valid endpoint (write IPv6 with a port as [address]:port))")]
    [InlineData("type = \"probe\"\ntarget = \"h:51820\"\nkey_file = \"/k\"", "holt.toml:8: [[monitor.check]] is missing 'server_key'")]
    [InlineData("type = \"probe\"\ntarget = \"h:51820\"\nserver_key = \"abc\"\nkey_file = \"/k\"", "holt.toml:11: check 'x': server_key is not a valid key (44 characters of base64, as wg genkey prints)")]
    [InlineData("type = \"probe\"\ntarget = \"h:51820\"\nserver_key = \"" + TestKeys.PhonePublic + "\"", "holt.toml:8: [[monitor.check]] is missing 'key_file'")]
    [InlineData("type = \"probe\"\ntarget = \"h:51820\"\nserver_key = \"" + TestKeys.PhonePublic + "\"\nkey_file = \"probe.key\"", "holt.toml:12: check 'x': 'key_file' must be an absolute path, not 'probe.key'")]
    [InlineData("type = \"probe\"\ntarget = \"h:51820\"\nserver_key = \"" + TestKeys.PhonePublic + "\"\nkey_file = \"/k\"\npsk_file = \"../p\"", "holt.toml:13: check 'x': 'psk_file' must be an absolute path, not '../p'")]
    [InlineData("type = \"probe\"\ntarget = \"h:51820\"\nserver_key = \"" + TestKeys.PhonePublic + "\"\nkey_file = \"/k\"\nping = \"10.9.0.1\"", "holt.toml:13: check 'x': 'ping' needs 'address', the monitoring peer's own tunnel address, as the ping's source")]
    [InlineData("type = \"probe\"\ntarget = \"h:51820\"\nserver_key = \"" + TestKeys.PhonePublic + "\"\nkey_file = \"/k\"\naddress = \"10.9.0.5\"", "holt.toml:13: check 'x': 'address' is the ping's source: give 'ping' too")]
    [InlineData("type = \"probe\"\ntarget = \"h:51820\"\nserver_key = \"" + TestKeys.PhonePublic + "\"\nkey_file = \"/k\"\nping = \"10.9.0.1\"\naddress = \"fd00::5\"", "holt.toml:14: check 'x': 'ping' and 'address' must both be IPv4 or both IPv6")]
    [InlineData("type = \"probe\"\ntarget = \"h:51820\"\nserver_key = \"" + TestKeys.PhonePublic + "\"\nkey_file = \"/k\"\nping = \"office\"\naddress = \"10.9.0.5\"", "holt.toml:13: 'ping' must be an IP address, not 'office'")]
    [InlineData("type = \"probe\"\ntarget = \"h:51820\"\nserver_key = \"" + TestKeys.PhonePublic + "\"\nkey_file = \"/k\"\npeer = \"home\"", "holt.toml:13: check 'x': 'peer' does not apply to a probe check (it probes an endpoint from outside the tunnel)")]
    [InlineData("type = \"probe\"\ntarget = \"h:51820\"\nserver_key = \"" + TestKeys.PhonePublic + "\"\nkey_file = \"/k\"\ncount = 3", "holt.toml:13: check 'x': 'count' does not apply to a probe check")]
    [InlineData("type = \"tcp\"\ntarget = \"10.8.0.2:22\"\nkey_file = \"/k\"", "holt.toml:11: check 'x': 'key_file' does not apply to a tcp check")]
    [InlineData("type = \"snmp\"\ntarget = \"h:51820\"", "holt.toml:9: check 'x': unknown type 'snmp' (icmp, tcp, http, https, dns or probe)")]
    public void AWrongProbe_IsRefusedAtItsLine(string lines, string message)
    {
        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(Head + lines + "\n"));

        Assert.Equal(message, error.Message);
    }
}
