using System.Net;
using Holt.Firewall;

namespace Holt.Tests.Firewall;

/// <summary>
/// Cloudflare's ranges files, one CIDR a line. (The SSH session from SSH_CONNECTION is tested through the holt
/// process, in <see cref="FirewallCommandTests"/>, so no test changes this process's environment.)
/// </summary>
public sealed class FirewallRuntimeTests
{
    [Fact]
    public void ParseRanges_CommentsAndBlankLines_AreSkipped()
    {
        const string Text = "# Cloudflare IPv4\n\n173.245.48.0/20\r\n  103.21.244.0/22  \n# and IPv6\n2400:cb00::/32\n\n";

        List<IPNetwork> ranges = FirewallRuntime.ParseRanges(Text, "ips.txt");

        Assert.Equal([IPNetwork.Parse("173.245.48.0/20"), IPNetwork.Parse("103.21.244.0/22"), IPNetwork.Parse("2400:cb00::/32")], ranges);
    }

    [Fact]
    public void ParseRanges_WithoutFinalNewline_ReadsTheLastLine()
    {
        Assert.Equal([IPNetwork.Parse("198.51.100.0/24")], FirewallRuntime.ParseRanges("198.51.100.0/24", "ips.txt"));
    }

    [Theory]
    [InlineData("173.245.48.0/20\nnot a range\n", "ips.txt:2: 'not a range' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData("# header\n\n173.245.48.1/20\n", "ips.txt:3: '173.245.48.1/20' has host bits set; the network is 173.245.48.0/20")]
    [InlineData("173.245.48.0/20 # inline comment\n", "ips.txt:1: '173.245.48.0/20 # inline comment' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData("<html>Rate limited</html>\n", "ips.txt:1: '<html>Rate limited</html>' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    public void ParseRanges_BadLine_IsRefusedWithSourceAndLine(string text, string expected)
    {
        var error = Assert.Throws<CommandException>(() => FirewallRuntime.ParseRanges(text, "ips.txt"));

        Assert.Equal(expected, error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("# nothing yet\n")]
    public void ParseRanges_NoRanges_IsRefused(string text)
    {
        var error = Assert.Throws<CommandException>(() => FirewallRuntime.ParseRanges(text, "https://www.cloudflare.com/ips-v4"));

        Assert.Equal("https://www.cloudflare.com/ips-v4 has no address ranges", error.Message);
    }
}
