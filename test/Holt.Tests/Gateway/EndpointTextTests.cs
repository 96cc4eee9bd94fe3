using Holt.Gateway;

namespace Holt.Tests.Gateway;

public sealed class EndpointTextTests
{
    [Theory]
    [InlineData("vpn.example.com", "vpn.example.com", null)]
    [InlineData("vpn.example.com:443", "vpn.example.com", 443)]
    [InlineData("vpn.example.com.", "vpn.example.com.", null)]
    [InlineData("203.0.113.7", "203.0.113.7", null)]
    [InlineData("203.0.113.7:1", "203.0.113.7", 1)]
    [InlineData("localhost:65535", "localhost", 65535)]
    [InlineData("[2001:db8::1]:51820", "[2001:db8::1]", 51820)]
    [InlineData("[2001:db8::1]", "[2001:db8::1]", null)]
    [InlineData("2001:db8::1", "[2001:db8::1]", null)]
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example", null)]
    public void TryParse_ValidEndpoint_SplitsHostAndPort(string text, string host, int? port)
    {
        Assert.Null(EndpointText.TryParse(text, out string parsedHost, out int? parsedPort));
        Assert.Equal(host, parsedHost);
        Assert.Equal(port, parsedPort);
    }

    [Theory]
    [InlineData("", "an endpoint must be a host name or address, optionally with :PORT")]
    [InlineData(" vpn.example.com", "an endpoint must be a host name or address, optionally with :PORT")]
    [InlineData("vpn.example.com\n", "an endpoint must be a host name or address, optionally with :PORT")]
    [InlineData("vpn example.com", "'vpn example.com' is not a valid host name or IPv4 address")]
    [InlineData("-vpn.example.com", "'-vpn.example.com' is not a valid host name or IPv4 address")]
    [InlineData("vpn..example.com", "'vpn..example.com' is not a valid host name or IPv4 address")]
    [InlineData("vpn_1.example.com", "'vpn_1.example.com' is not a valid host name or IPv4 address")]
    [InlineData(":51820", "'' is not a valid host name or IPv4 address")]
    [InlineData("vpn.example.com:0", "'vpn.example.com:0' has an invalid port (1-65535)")]
    [InlineData("vpn.example.com:65536", "'vpn.example.com:65536' has an invalid port (1-65535)")]
    [InlineData("vpn.example.com:+443", "'vpn.example.com:+443' has an invalid port (1-65535)")]
    [InlineData("vpn.example.com:44 3", "'vpn.example.com:44 3' has an invalid port (1-65535)")]
    [InlineData("vpn.example.com:000443", "'vpn.example.com:000443' has an invalid port (1-65535)")]
    [InlineData("vpn.example.com:https", "'vpn.example.com:https' has an invalid port (1-65535)")]
    [InlineData("[2001:db8::1]51820", "'[2001:db8::1]51820' is not a valid [IPv6]:port endpoint")]
    [InlineData("[203.0.113.7]:51820", "'[203.0.113.7]:51820' is not a valid [IPv6]:port endpoint")]
    [InlineData("[2001:db8::1]:0", "'[2001:db8::1]:0' has an invalid port (1-65535)")]
    [InlineData("2001:db8::1:51820:x", "'2001:db8::1:51820:x' is not a valid endpoint (write IPv6 with a port as [address]:port)")]
    public void TryParse_InvalidEndpoint_IsExplained(string text, string problem)
    {
        Assert.Equal(problem, EndpointText.TryParse(text, out _, out _));
    }

    [Theory]
    [InlineData("vpn.example.com", 51820, "vpn.example.com:51820")]
    [InlineData("vpn.example.com:443", 51820, "vpn.example.com:443")]
    [InlineData("2001:db8::1", 4500, "[2001:db8::1]:4500")]
    [InlineData("[2001:db8::1]", 4500, "[2001:db8::1]:4500")]
    [InlineData("[2001:db8::1]:1", 4500, "[2001:db8::1]:1")]
    public void WithDefaultPort_AddsThePortOnlyWhenMissing(string endpoint, int port, string expected)
    {
        Assert.Equal(expected, EndpointText.WithDefaultPort(endpoint, port));
    }
}
