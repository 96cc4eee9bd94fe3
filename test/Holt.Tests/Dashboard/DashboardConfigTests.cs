using System.Net;
using Holt.Config;
using Holt.Dashboard;
using Holt.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Dashboard;

/// <summary>[dashboard]: its defaults, where it listens, what it refuses, and its text.</summary>
public sealed class DashboardConfigTests
{
    private const string Gateway = """
        [gateway]
        interface = "hdbcfg0"
        private_key = "eFm5E0A3k1aJxO1s3Qm1p3YUq6BqzA3OZtqT9pZpO2E="
        endpoint = "vpn.example.com"
        subnet = "10.8.0.0/24"
        address = "10.8.0.1"
        subnet6 = "fd08::/64"
        address6 = "fd08::1"

        """;

    [Fact]
    public void WithoutASection_ItListensOnTheVpnAddressesAndLoopback()
    {
        HoltConfig config = TestConfig.Read(Gateway);

        Assert.Null(config.Find<DashboardConfig>());
        Assert.True(config.Dashboard.Enabled);
        Assert.Equal(
            [new IPEndPoint(IPAddress.Parse("10.8.0.1"), 9587), new IPEndPoint(IPAddress.Parse("fd08::1"), 9587), new IPEndPoint(IPAddress.Loopback, 9587)],
            config.Dashboard.ListenFor(config.Gateway));
        Assert.DoesNotContain("[dashboard]", TestConfig.Write(config), StringComparison.Ordinal);
    }

    [Fact]
    public void ASection_RoundTrips()
    {
        HoltConfig config = TestConfig.Read(Gateway + "[dashboard]\nenabled = false\nport = 8088\n");

        Assert.False(config.Dashboard.Enabled);
        Assert.Equal(8088, config.Dashboard.Port);
        string text = TestConfig.Write(config);
        Assert.Contains("[dashboard]\nenabled = false\nport = 8088\n", text, StringComparison.Ordinal);
        Assert.Equal(config.Dashboard, TestConfig.Read(text).Dashboard);
    }

    [Theory]
    [InlineData("port = 0\n", "'port'")]
    [InlineData("port = 70000\n", "'port'")]
    [InlineData("port = \"80\"\n", "'port'")]
    [InlineData("listen = \"0.0.0.0\"\n", "listen")]
    [InlineData("port = 9586\n", "the port the metrics listen on")]
    public void ABadSection_IsRefusedWithItsLine(string body, string expected)
    {
        ConfigException refused = Assert.ThrowsAny<ConfigException>(() => TestConfig.Read(Gateway + "[dashboard]\n" + body, thorough: true));

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
        Assert.StartsWith("holt.toml:10: ", refused.Message, StringComparison.Ordinal);
    }
}
