using System.Net;
using Holt.Config;
using Holt.Monitor;
using Holt.Monitor.Checks;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Monitor.Checks;

/// <summary>[[monitor.check]] in holt.toml: every type read with its defaults, written back as read, and every mistake refused at its line.</summary>
public sealed class CheckSectionTests
{
    // [monitor] is on line 11, so the first [[monitor.check]] starts on line 13.
    private const string Head =
        "[gateway]\n" +                                                  // 1
        "private_key = \"" + TestKeys.GatewayPrivate + "\"\n" +          // 2
        "endpoint = \"vpn.example.com\"\n" +                             // 3
        "subnet = \"10.8.0.0/24\"\n" +                                   // 4
        "\n" +                                                           // 5
        "[[peer]]\n" +                                                   // 6
        "name = \"home\"\n" +                                            // 7
        "public_key = \"" + TestKeys.LaptopPublic + "\"\n" +             // 8
        "address = \"10.8.0.2\"\n" +                                     // 9
        "\n" +                                                           // 10
        "[monitor]\n" +                                                  // 11
        "\n" +                                                           // 12
        "[[monitor.check]]\n";                                           // 13

    private const string All =
        Head +
        "name = \"nas ping\"\ntype = \"icmp\"\ntarget = \"10.8.0.2\"\n" +
        "\n[[monitor.check]]\nname = \"mtu\"\ntype = \"icmp\"\ntarget = \"10.8.0.2\"\nsize = 1400\ncount = 5\ninterval = \"1m\"\ntimeout = \"10s\"\n" +
        "\n[[monitor.check]]\nname = \"ssh\"\ntype = \"tcp\"\ntarget = \"[fd00::2]:22\"\npeer = \"home\"\n" +
        "\n[[monitor.check]]\nname = \"web\"\ntype = \"https\"\ntarget = \"https://10.8.0.2:8443/health\"\nstatus = 204\nbody = \"ok \\\"fine\\\"\"\ninsecure = true\n" +
        "\n[[monitor.check]]\nname = \"dns\"\ntype = \"dns\"\ntarget = \"10.8.0.1\"\nquery = \"nas.home.arpa.\"\nrecord = \"AAAA\"\nexpect = \"fd00::2\"\n";

    [Fact]
    public void EveryType_IsRead_WithItsDefaults()
    {
        IReadOnlyList<CheckConfig> checks = TestConfig.Read(All).Monitor.Checks;

        Assert.Equal(["nas ping", "mtu", "ssh", "web", "dns"], checks.Select(c => c.Name));
        CheckConfig ping = checks[0];
        Assert.Equal((CheckType.Icmp, "10.8.0.2", 3, (int?)null), (ping.Type, ping.Target, ping.Count, ping.Size));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)), (ping.Interval, ping.Timeout));
        Assert.Equal((1400, 5, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10)), (checks[1].Size, checks[1].Count, checks[1].Interval, checks[1].Timeout));
        Assert.Equal((CheckType.Tcp, "home"), (checks[2].Type, checks[2].Peer));
        Assert.Equal(IPAddress.Parse("fd00::2"), checks[2].TargetAddress);
        Assert.Equal((CheckType.Https, 204, "ok \"fine\"", true), (checks[3].Type, checks[3].Status, checks[3].Body, checks[3].Insecure));
        Assert.Equal(IPAddress.Parse("10.8.0.2"), checks[3].TargetAddress);
        Assert.Equal(("nas.home.arpa", DnsRecordType.Aaaa, IPAddress.Parse("fd00::2")), (checks[4].Query, checks[4].Record, checks[4].Expect));
    }

    [Fact]
    public void Checks_AreWrittenBack_AndReadTheSame()
    {
        HoltConfig config = TestConfig.Read(All);

        string written = TestConfig.Write(config);

        Assert.Contains("[[monitor.check]]\nname = \"mtu\"\ntype = \"icmp\"\ntarget = \"10.8.0.2\"\ninterval = \"1m\"\ntimeout = \"10s\"\ncount = 5\nsize = 1400\n", written, StringComparison.Ordinal);
        Assert.Contains("[[monitor.check]]\nname = \"nas ping\"\ntype = \"icmp\"\ntarget = \"10.8.0.2\"\ninterval = \"30s\"\ntimeout = \"5s\"\n\n", written, StringComparison.Ordinal);
        Assert.Equal(config.Monitor.Checks, TestConfig.Read(written).Monitor.Checks);
        Assert.Equal(written, TestConfig.Write(TestConfig.Read(written)));
    }

    [Fact]
    public void AShortInterval_WithoutATimeout_GivesUpHalfway()
    {
        CheckConfig check = TestConfig.Read(Head + "name = \"a\"\ntype = \"tcp\"\ntarget = \"10.8.0.2:22\"\ninterval = \"4s\"\n").Monitor.Checks[0];

        Assert.Equal(TimeSpan.FromSeconds(2), check.Timeout);
    }

    [Theory]
    [InlineData("type = \"smtp\"\ntarget = \"10.8.0.2\"", "holt.toml:15: check 'x': unknown type 'smtp' (icmp, tcp, http, https, dns or probe)")]
    [InlineData("type = \"icmp\"", "holt.toml:14: [[monitor.check]] is missing 'target'")]
    [InlineData("type = \"icmp\"\ntarget = \"10.8.0.2\"\ninterval = \"5 minutes\"", "holt.toml:17: 'interval' must be a duration such as \"90s\", \"10m\", \"1h\", \"7d\" or \"2w\", not \"5 minutes\"")]
    [InlineData("type = \"icmp\"\ntarget = \"10.8.0.2\"\ninterval = \"1s\"", "holt.toml:17: check 'x': 'interval' must be from 2s to 1h, not \"1s\"")]
    [InlineData("type = \"icmp\"\ntarget = \"10.8.0.2\"\ntimeout = \"2m\"", "holt.toml:17: check 'x': 'timeout' must be from 1s to 1m, not \"2m\"")]
    [InlineData("type = \"icmp\"\ntarget = \"10.8.0.2\"\ninterval = \"10s\"\ntimeout = \"10s\"", "holt.toml:18: check 'x': the timeout (10s) must be shorter than the interval (10s)")]
    [InlineData("type = \"icmp\"\ntarget = \"nas.home\"", "holt.toml:16: check 'x': target 'nas.home': an icmp check's target must be an IP address")]
    [InlineData("type = \"tcp\"\ntarget = \"10.8.0.2\"", "holt.toml:16: check 'x': target '10.8.0.2': a tcp check's target must be ADDRESS:PORT, such as 10.8.0.2:22 or [fd00::2]:22")]
    [InlineData("type = \"tcp\"\ntarget = \"10.8.0.2:70000\"", "holt.toml:16: check 'x': target '10.8.0.2:70000': a tcp check's target must be ADDRESS:PORT, such as 10.8.0.2:22 or [fd00::2]:22")]
    [InlineData("type = \"http\"\ntarget = \"ftp://10.8.0.2/\"", "holt.toml:16: check 'x': target 'ftp://10.8.0.2/': a http check's target must be an http:// URL")]
    [InlineData("type = \"http\"\ntarget = \"10.8.0.2\"", "holt.toml:16: check 'x': target '10.8.0.2': a http check's target must be an http:// URL")]
    [InlineData("type = \"http\"\ntarget = \"https://10.8.0.2/\"", "holt.toml:16: check 'x': target 'https://10.8.0.2/': a http check's target must be an http:// URL (for https:// use type = \"https\")")]
    [InlineData("type = \"https\"\ntarget = \"https://admin:secret@10.8.0.2/\"", "holt.toml:16: check 'x': target 'https://admin:secret@10.8.0.2/': the URL must not carry a user name or password")]
    [InlineData("type = \"http\"\ntarget = \"http://10.8.0.2/\"\ninsecure = true", "holt.toml:17: check 'x': 'insecure' does not apply to a http check")]
    [InlineData("type = \"tcp\"\ntarget = \"10.8.0.2:22\"\ncount = 3", "holt.toml:17: check 'x': 'count' does not apply to a tcp check")]
    [InlineData("type = \"http\"\ntarget = \"http://10.8.0.2/\"\nstatus = 99", "holt.toml:17: 'status' must be between 100 and 599, not 99")]
    [InlineData("type = \"http\"\ntarget = \"http://10.8.0.2/\"\nbody = \"\"", "holt.toml:17: check 'x': 'body' must be 1 to 1024 characters")]
    [InlineData("type = \"icmp\"\ntarget = \"10.8.0.2\"\nsize = 20", "holt.toml:17: 'size' must be between 64 and 9216, not 20")]
    [InlineData("type = \"icmp\"\ntarget = \"10.8.0.2\"\ncount = 0", "holt.toml:17: 'count' must be between 1 and 20, not 0")]
    [InlineData("type = \"dns\"\ntarget = \"10.8.0.1\"", "holt.toml:14: [[monitor.check]] is missing 'query'")]
    [InlineData("type = \"dns\"\ntarget = \"10.8.0.1:99999\"\nquery = \"a.b\"", "holt.toml:16: check 'x': target '10.8.0.1:99999': a dns check's target must be the resolver's ADDRESS or ADDRESS:PORT, such as 10.8.0.1 or 10.8.0.1:53")]
    [InlineData("type = \"dns\"\ntarget = \"10.8.0.1\"\nquery = \"a..b\"", "holt.toml:17: check 'x': query 'a..b': each label (between dots) must be 1 to 63 characters")]
    [InlineData("type = \"dns\"\ntarget = \"10.8.0.1\"\nquery = \"a b\"", "holt.toml:17: check 'x': query 'a b': use letters, digits, '-' and '_' between the dots")]
    [InlineData("type = \"dns\"\ntarget = \"10.8.0.1\"\nquery = \"a.b\"\nrecord = \"MX\"", "holt.toml:18: check 'x': record must be \"A\" or \"AAAA\", not 'MX'")]
    [InlineData("type = \"dns\"\ntarget = \"10.8.0.1\"\nquery = \"a.b\"\nexpect = \"fd00::1\"", "holt.toml:18: check 'x': an A answer never holds fd00::1")]
    [InlineData("type = \"dns\"\ntarget = \"10.8.0.1\"\nquery = \"a.b\"\nexpect = \"nas\"", "holt.toml:18: 'expect' must be an IP address, not 'nas'")]
    [InlineData("type = \"icmp\"\ntarget = \"10.8.0.2\"\ncolour = \"red\"", "holt.toml:17: unknown key 'colour' in [[monitor.check]]")]
    [InlineData("type = \"icmp\"\ntarget = \"10.8.0.2\"\npeer = \"office\"", "holt.toml:17: check 'x': no peer named 'office'")]
    public void AWrongCheck_IsRefusedAtItsLine(string lines, string message)
    {
        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(Head + "name = \"x\"\n" + lines + "\n"));

        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("name = \"\"", "holt.toml:14: check name '': use 1 to 64 printable characters, without spaces at either end")]
    [InlineData("name = \"a\\u0007b\"", "holt.toml:14: check name 'a?b': use 1 to 64 printable characters, without spaces at either end")]
    [InlineData("name = \" a\"", "holt.toml:14: check name ' a': use 1 to 64 printable characters, without spaces at either end")]
    [InlineData("peer = \"home\"", "holt.toml:14: [[monitor.check]] is missing 'name'")]
    public void AWrongName_IsRefused(string line, string message)
    {
        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(Head + line + "\ntarget = \"10.8.0.2\"\ntype = \"icmp\"\n"));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void ADuplicateName_IsRefusedAtTheSecond()
    {
        string text = Head + "name = \"x\"\ntype = \"icmp\"\ntarget = \"10.8.0.2\"\n\n[[monitor.check]]\nname = \"x\"\ntype = \"tcp\"\ntarget = \"10.8.0.2:22\"\n";

        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(text));

        Assert.Equal("holt.toml:19: check name 'x' is used twice (first on line 14)", error.Message);
    }

    [Fact]
    public void ChecksWrittenAsATable_AreRefused()
    {
        string text = Head.Replace("[[monitor.check]]", "[monitor.check]", StringComparison.Ordinal) + "name = \"x\"\n";

        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(text));

        Assert.Equal("holt.toml:13: 'check' must be written as [[monitor.check]] tables", error.Message);
    }
}
