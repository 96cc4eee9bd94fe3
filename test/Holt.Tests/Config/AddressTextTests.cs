using System.Net;
using Holt.Config;
using Holt.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Config;

public sealed class AddressTextTests
{
    [Theory]
    [InlineData("10.8.0.2")]
    [InlineData("255.255.255.255")]
    [InlineData("fd42::2")]
    [InlineData("::ffff:192.0.2.1")]
    public void Literal_IsRead(string text)
    {
        Assert.True(AddressText.TryParse(text, out IPAddress? address));
        Assert.Equal(IPAddress.Parse(text), address);
    }

    [Theory]
    [InlineData("10.1")]
    [InlineData("167772161")]
    [InlineData("0x0a.0.0.1")]
    [InlineData("010.8.0.2")]
    [InlineData("10.8.0.256")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[fd42::2]")]
    [InlineData("10.8.0.2/32")]
    [InlineData("")]
    public void ShorthandsZonesAndPrefixes_AreRefused(string text)
    {
        Assert.False(AddressText.TryParse(text, out _));
    }

    [Fact]
    public void ConfigAddress_InInetAtonShorthand_IsRefusedAtItsLine()
    {
        string text = string.Join('\n',
            "[gateway]",
            $"private_key = \"{Gateway.TestKeys.GatewayPrivate}\"",
            "endpoint = \"vpn.example.com\"",
            "subnet = \"10.8.0.0/24\"",
            "address = \"10.8.1\"") + "\n";

        var error = Assert.Throws<Holt.Config.ConfigException>(() => TestConfig.ReadGateway(text));

        Assert.Equal("holt.toml:5: 'address' must be an IP address, not '10.8.1'", error.Message);
    }
}
