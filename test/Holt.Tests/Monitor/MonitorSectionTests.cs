using Holt.Config;
using Holt.Monitor;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Monitor;

/// <summary>holt.toml's [monitor]: optional, written back as read, and refused at its line when wrong.</summary>
public sealed class MonitorSectionTests
{
    private const string Gateway =
        "[gateway]\n" +
        "private_key = \"" + TestKeys.GatewayPrivate + "\"\n" +
        "endpoint = \"vpn.example.com\"\n" +
        "subnet = \"10.8.0.0/24\"\n";

    [Fact]
    public void NoSection_RunsWithTheDefaults_AndIsNotWritten()
    {
        HoltConfig config = TestConfig.Read(Gateway);

        Assert.Equal(MonitorConfig.Default, config.Monitor);
        Assert.True(config.Monitor.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(5), config.Monitor.Interval);
        Assert.DoesNotContain("[monitor]", TestConfig.Write(config), StringComparison.Ordinal);
    }

    [Fact]
    public void Section_IsReadAndWrittenBackTheSame()
    {
        HoltConfig config = TestConfig.Read(Gateway + "\n[monitor]\nenabled = false\ninterval = \"30s\"\n");

        Assert.False(config.Monitor.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Monitor.Interval);
        string written = TestConfig.Write(config);
        Assert.Contains("[monitor]\nenabled = false\ninterval = \"30s\"\n", written, StringComparison.Ordinal);
        Assert.Equal(written, TestConfig.Write(TestConfig.Read(written)));
    }

    [Theory]
    [InlineData("interval = \"5 minutes\"", "holt.toml:7: 'interval' must be a duration such as \"90s\", \"10m\", \"1h\", \"7d\" or \"2w\", not \"5 minutes\"")]
    [InlineData("interval = \"0s\"", "holt.toml:7: 'interval' must be a duration such as \"90s\", \"10m\", \"1h\", \"7d\" or \"2w\", not \"0s\"")]
    [InlineData("interval = \"61s\"", "holt.toml:7: 'interval' must be from 1s to 1m, not \"61s\"")]
    [InlineData("interval = \"2h\"", "holt.toml:7: 'interval' must be from 1s to 1m, not \"2h\"")]
    [InlineData("interval = 5", "holt.toml:7: 'interval' must be a string in quotes")]
    [InlineData("enabled = \"yes\"", "holt.toml:7: 'enabled' must be true or false")]
    [InlineData("checks = []", "holt.toml:7: unknown key 'checks' in [monitor]")]
    public void WrongValue_IsRefusedAtItsLine(string line, string message)
    {
        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(Gateway + "\n[monitor]\n" + line + "\n"));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void AlertRules_AreTunedPerRule_AndOnlyTheChangesAreWritten()
    {
        HoltConfig config = TestConfig.Read(Gateway + "\n[monitor]\n\n[monitor.alert.peer_down]\nfor = \"10m\"\nrepeat = \"4h\"\n\n[monitor.alert.host_cpu]\nthreshold = 75\n\n[monitor.alert.peer_stale]\nenabled = true\n");

        AlertRules rules = config.Monitor.Alerts;
        Assert.Equal(new AlertRule(true, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5), TimeSpan.FromHours(4)), rules.PeerDown);
        Assert.Equal(75, rules.HostCpu.Threshold);
        Assert.True(rules.PeerStale.Enabled);
        Assert.Equal(AlertRules.Default.CheckFailing, rules.CheckFailing);
        string written = TestConfig.Write(config);
        Assert.Contains("[monitor.alert.peer_down]\nfor = \"10m\"\nrepeat = \"4h\"\n", written, StringComparison.Ordinal);
        Assert.Contains("[monitor.alert.host_cpu]\nthreshold = 75\n", written, StringComparison.Ordinal);
        Assert.DoesNotContain("check_failing", written, StringComparison.Ordinal);
        Assert.Equal(config.Monitor.Alerts, TestConfig.Read(written).Monitor.Alerts);
    }

    [Theory]
    [InlineData("[monitor.alert.peer_gone]\nfor = \"1m\"", "holt.toml:7: unknown key 'peer_gone' in [monitor.alert]")]
    [InlineData("[monitor.alert.peer_down]\nthreshold = 5", "holt.toml:8: unknown key 'threshold' in [monitor.alert.peer_down]")]
    [InlineData("[monitor.alert.host_disk]\nthreshold = 120", "holt.toml:8: 'threshold' must be between 1 and 100, not 120")]
    [InlineData("[monitor.alert.peer_down]\nfor = \"2 minutes\"", "holt.toml:8: 'for' must be a duration such as \"90s\", \"10m\", \"1h\", \"7d\" or \"2w\", not \"2 minutes\"")]
    [InlineData("[monitor.alert.peer_down]\nrepeat = \"10s\"", "holt.toml:8: 'repeat' must be from 5m to 30d, not \"10s\"")]
    [InlineData("[monitor.alert.check_failing]\nclear_for = \"3d\"", "holt.toml:8: 'clear_for' must be at most 1d, not \"3d\"")]
    [InlineData("[monitor.alert]\npeer_down = true", "holt.toml:8: 'peer_down' must be a [monitor.alert.peer_down] table")]
    public void WrongAlertRule_IsRefusedAtItsLine(string lines, string message)
    {
        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(Gateway + "\n[monitor]\n" + lines + "\n"));

        Assert.Equal(message, error.Message);
    }
}
