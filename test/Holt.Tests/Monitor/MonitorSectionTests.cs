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
}
