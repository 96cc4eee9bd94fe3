using System.Net;
using Holt.Config;
using Holt.Metrics;
using Holt.Monitor;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Metrics;

/// <summary>[monitor.metrics]: its defaults, written back as read, refused at its line, and never showing the token.</summary>
public sealed class MetricsConfigTests
{
    private const string Token = "k9Vq2mZx7Lr4Tn8Wc1Yb5Hd3";

    private const string Gateway =
        "[gateway]\n" +
        "private_key = \"" + TestKeys.GatewayPrivate + "\"\n" +
        "endpoint = \"vpn.example.com\"\n" +
        "subnet = \"10.8.0.0/24\"\n" +
        "subnet6 = \"fd00:8::/64\"\n";

    [Fact]
    public void WithoutTheTable_ItListensOnTheGatewaysVpnAddress_OnMindFlavorsPort()
    {
        HoltConfig config = TestConfig.Read(Gateway + "\n[monitor]\ninterval = \"10s\"\n");

        MetricsSettings settings = MetricsSettings.Of(config);

        Assert.True(settings.Metrics.Enabled);
        Assert.Null(settings.Metrics.Token);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("10.8.0.1"), 9586)], settings.Listen);
        Assert.DoesNotContain("[monitor.metrics]", TestConfig.Write(config), StringComparison.Ordinal);
    }

    [Fact]
    public void Table_IsReadAndWrittenBackTheSame()
    {
        HoltConfig config = TestConfig.Read(Gateway + "\n[monitor]\ninterval = \"10s\"\n\n[monitor.metrics]\nlisten = [\"10.8.0.1:9100\", \"127.0.0.1\", \"[::1]:9586\", \"fd00:8::1\"]\ntoken = \"" + Token + "\"\n");

        MetricsConfig metrics = config.Monitor.Metrics;
        Assert.Equal(TimeSpan.FromSeconds(10), config.Monitor.Interval);
        Assert.Equal(["10.8.0.1:9100", "127.0.0.1:9586", "[::1]:9586", "[fd00:8::1]:9586"], metrics.Listen!.Select(e => e.ToString()));
        Assert.Equal(Token, metrics.Token!.Value);
        string written = TestConfig.Write(config);
        Assert.Contains("[monitor]\nenabled = true\ninterval = \"10s\"\n", written, StringComparison.Ordinal);
        Assert.Contains("[monitor.metrics]\nenabled = true\nlisten = [\"10.8.0.1:9100\", \"127.0.0.1:9586\", \"[::1]:9586\", \"[fd00:8::1]:9586\"]\ntoken = \"" + Token + "\"\n", written, StringComparison.Ordinal);
        Assert.Equal(written, TestConfig.Write(TestConfig.Read(written)));
    }

    [Fact]
    public void APublicAddress_IsRefusedAtItsLine_UnlessPublicIsTrue()
    {
        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(Gateway + "\n[monitor]\n\n[monitor.metrics]\nlisten = \"0.0.0.0\"\n"));

        Assert.Equal("holt.toml:10: [monitor.metrics] listen 0.0.0.0:9586 is not the gateway's VPN address (10.8.0.1 or fd00:8::1) nor loopback: the internet must never see the metrics; set public = true to mean it", error.Message);
        HoltConfig meant = TestConfig.Read(Gateway + "\n[monitor]\n\n[monitor.metrics]\nlisten = \"0.0.0.0\"\npublic = true\n");
        Assert.True(meant.Monitor.Metrics.Public);
    }

    [Theory]
    [InlineData("listen = \"10.8.0.1:70000\"", "holt.toml:10: 'listen' must be an address with an optional port, such as \"10.8.0.1:9586\" or \"127.0.0.1\", not \"10.8.0.1:70000\"")]
    [InlineData("listen = \"fd00:8::1:9586\"", "holt.toml:10: [monitor.metrics] listen [fd00:8::1:9586]:9586 is not the gateway's VPN address (10.8.0.1 or fd00:8::1) nor loopback: the internet must never see the metrics; set public = true to mean it")]
    [InlineData("listen = \"10.1:9586\"", "holt.toml:10: 'listen' must be an address with an optional port, such as \"10.8.0.1:9586\" or \"127.0.0.1\", not \"10.1:9586\"")]
    [InlineData("listen = \"localhost\"", "holt.toml:10: 'listen' must be an address with an optional port, such as \"10.8.0.1:9586\" or \"127.0.0.1\", not \"localhost\"")]
    [InlineData("listen = []", "holt.toml:10: 'listen' must name 1 to 8 addresses")]
    [InlineData("listen = [\"127.0.0.1\", \"127.0.0.1:9586\"]", "holt.toml:10: 'listen' names 127.0.0.1:9586 twice")]
    [InlineData("token_file = \"token\"", "holt.toml:10: 'token_file' must be an absolute path, not \"token\"")]
    [InlineData("port = 9586", "holt.toml:10: unknown key 'port' in [monitor.metrics]")]
    [InlineData("enabled = \"yes\"", "holt.toml:10: 'enabled' must be true or false")]
    public void WrongValue_IsRefusedAtItsLine(string line, string message)
    {
        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(Gateway + "\n[monitor]\n\n[monitor.metrics]\n" + line + "\n"));

        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has a space in the middle of it")]
    [InlineData("ünicode-ünicode-ünicode")]
    public void ABadToken_IsRefused_WithoutRepeatingIt(string token)
    {
        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(Gateway + "\n[monitor]\n\n[monitor.metrics]\ntoken = \"" + token + "\"\n"));

        Assert.StartsWith("holt.toml:10: 'token' must be 16 to 512 characters", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TokenAndTokenFile_ExcludeEachOther() =>
        Assert.Equal(
            "holt.toml:11: 'token' and 'token_file' exclude each other; keep one",
            Assert.Throws<ConfigException>(() => TestConfig.Read(Gateway + "\n[monitor]\n\n[monitor.metrics]\ntoken = \"" + Token + "\"\ntoken_file = \"/etc/holt/token\"\n")).Message);

    [Fact]
    public void TheToken_NeverShowsInTheConfigurationsText()
    {
        HoltConfig config = TestConfig.Read(Gateway + "\n[monitor]\n\n[monitor.metrics]\ntoken = \"" + Token + "\"\n");

        Assert.DoesNotContain(Token, config.Monitor.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Token, MetricsSettings.Of(config).ToString(), StringComparison.Ordinal);
        Assert.Contains("(hidden)", config.Monitor.Metrics.ToString(), StringComparison.Ordinal);
    }
}
