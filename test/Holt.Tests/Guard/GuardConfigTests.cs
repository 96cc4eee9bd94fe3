using System.Net;
using Holt.Config;
using Holt.Gateway;
using Holt.Guard;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Guard;

/// <summary>holt.toml's [guard] section: defaults, a canonical round trip, and every mistake refused at its line.</summary>
public sealed class GuardConfigTests
{
    private const string Head =
        "# Holt gateway configuration. Holt rewrites this file on every change (holt peer ...);\n" +
        "# edit it while no holt command runs. Hand-written comments are not kept.\n" +
        "\n" +
        "[gateway]\n" +
        "interface = \"wg0\"\n" +
        "private_key = \"" + TestKeys.GatewayPrivate + "\"\n" +
        "listen_port = 51820\n" +
        "endpoint = \"vpn.example.com\"\n" +
        "subnet = \"10.8.0.0/24\"\n" +
        "address = \"10.8.0.1\"\n" +
        "mtu = 1420\n" +
        "masquerade = true\n" +
        "\n" +
        "# The firewall: SSH and admin ports only from the VPN (and allow_from); public ports listed below;\n" +
        "# everything else dropped. `holt firewall apply` applies it, `holt firewall confirm` keeps it.\n" +
        "[firewall]\n" +
        "enabled = false\n" +
        "ssh_ports = [22]\n" +
        "admin_ports = []\n" +
        "echo = \"allow\"\n";

    /// <summary>Every guard key there is, in the writer's order and layout.</summary>
    private const string Canonical = Head +
        "\n" +
        "# The guard: bans the sources of repeated authentication failures (holt guard status).\n" +
        "[guard]\n" +
        "enabled = true\n" +
        "ignoreip = [\"198.51.100.7/32\", \"2001:db8:1::/48\"]\n" +
        "maxretry = 4\n" +
        "findtime = \"15m\"\n" +
        "bantime = \"1h\"\n" +
        "bantime_factor = 24\n" +
        "bantime_max = \"5w\"\n" +
        "\n" +
        "[guard.recidive]\n" +
        "maxretry = 3\n" +
        "findtime = \"2d\"\n" +
        "bantime = \"2w\"\n" +
        "bantime_max = \"5w\"\n" +
        "\n" +
        "[[guard.filter]]\n" +
        "name = \"myapp\"\n" +
        "regex = [\"^login failed from (?<host>\\\\S+)$\", \"^bad token, client (?<host>[0-9a-f:.]+)$\"]\n" +
        "\n" +
        "[[guard.jail]]\n" +
        "name = \"sshd\"\n" +
        "filter = \"sshd-aggressive\"\n" +
        "journal = true\n" +
        "units = [\"ssh.service\"]\n" +
        "\n" +
        "[[guard.jail]]\n" +
        "name = \"wordpress\"\n" +
        "filter = \"wordpress\"\n" +
        "logpath = [\"/var/log/nginx/access.log\"]\n" +
        "maxretry = 20\n" +
        "findtime = \"1m\"\n" +
        "\n" +
        "[[guard.jail]]\n" +
        "name = \"myapp\"\n" +
        "filter = \"myapp\"\n" +
        "logpath = [\"/var/log/myapp.log\", \"/var/log/myapp-admin.log\"]\n" +
        "enabled = false\n";

    [Fact]
    public void Read_WithoutGuardSection_RunsTheDefaultSshdAndRecidiveJails()
    {
        HoltConfig config = TestConfig.Read(Head);

        Assert.Null(config.Find<GuardConfig>());
        GuardConfig guard = config.Guard;
        Assert.True(guard.Enabled);
        JailConfig jail = Assert.Single(guard.Jails);
        Assert.Equal(("sshd", "sshd", 0, false), (jail.Name, jail.Filter, jail.LogPaths.Count, jail.Journal));
        JailOptions options = guard.OptionsOf(jail);
        Assert.Equal((5, TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), (double?)null), (options.MaxRetry, options.FindTime, options.BanTime, options.IncrementFactor));
        Assert.Equal((5, TimeSpan.FromDays(1), TimeSpan.FromDays(7)), (guard.RecidiveOptions!.MaxRetry, guard.RecidiveOptions.FindTime, guard.RecidiveOptions.BanTime));
        Assert.Equal(Head, TestConfig.Write(config));
    }

    [Fact]
    public void Write_OfReadCanonicalFile_IsTheSameText()
    {
        HoltConfig config = TestConfig.Read(Canonical);

        Assert.Equal(Canonical, TestConfig.Write(config));
    }

    [Fact]
    public void Read_CanonicalFile_HasEveryGuardValue()
    {
        GuardConfig guard = TestConfig.Read(Canonical).Guard;

        Assert.Equal([IPNetwork.Parse("198.51.100.7/32"), IPNetwork.Parse("2001:db8:1::/48")], guard.IgnoreIp);
        Assert.Equal(["sshd", "wordpress", "myapp"], guard.Jails.Select(j => j.Name));
        JailOptions sshd = guard.OptionsOf(guard.Jails[0]);
        Assert.Equal((4, TimeSpan.FromMinutes(15), TimeSpan.FromHours(1), (double?)24, TimeSpan.FromDays(35)), (sshd.MaxRetry, sshd.FindTime, sshd.BanTime, sshd.IncrementFactor, sshd.MaxTime));
        Assert.True(guard.Jails[0].Journal);
        Assert.Equal(["ssh.service"], guard.Jails[0].JournalUnits);

        // A jail's own keys override the section's; the rest it inherits.
        JailOptions wordpress = guard.OptionsOf(guard.Jails[1]);
        Assert.Equal((20, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), (double?)24), (wordpress.MaxRetry, wordpress.FindTime, wordpress.BanTime, wordpress.IncrementFactor));
        Assert.Equal(["/var/log/nginx/access.log"], guard.Jails[1].LogPaths);
        Assert.False(guard.Jails[2].Enabled);
        Assert.Equal(2, Assert.Single(guard.Filters).Regex.Count);
        Assert.Equal((3, TimeSpan.FromDays(2), TimeSpan.FromDays(14)), (guard.RecidiveOptions!.MaxRetry, guard.RecidiveOptions.FindTime, guard.RecidiveOptions.BanTime));
    }

    [Fact]
    public void Read_OneLogpathString_IsAListOfOne()
    {
        GuardConfig guard = Read("[[guard.jail]]\nname = \"web\"\nfilter = \"nginx-http-auth\"\nlogpath = \"/var/log/nginx/error.log\"\n").Guard;

        Assert.Equal(["/var/log/nginx/error.log"], guard.Jails[0].LogPaths);
    }

    [Fact]
    public void Read_RecidiveSwitchedOff_HasNoRecidiveJailAndWritesItBack()
    {
        HoltConfig config = Read("[guard.recidive]\nenabled = false\n");

        Assert.Null(config.Guard.RecidiveOptions);
        Assert.Null(TestConfig.Read(TestConfig.Write(config)).Guard.Recidive);
    }

    [Fact]
    public void Read_GuardSwitchedOff_StaysOffAfterARewrite()
    {
        HoltConfig config = Read(string.Empty, "enabled = false");

        Assert.False(config.Guard.Enabled);
        Assert.False(TestConfig.Read(TestConfig.Write(config)).Guard.Enabled);
    }

    [Theory]
    [InlineData("bantime = \"1 hour\"", "'bantime' must be a duration such as \"90s\", \"10m\", \"1h\", \"7d\" or \"2w\", not \"1 hour\"")]
    [InlineData("bantime = 3600", "'bantime' must be a string in quotes")]
    [InlineData("findtime = \"0m\"", "'findtime' must be a duration such as \"90s\", \"10m\", \"1h\", \"7d\" or \"2w\", not \"0m\"")]
    [InlineData("bantime = \"400d\"", "'bantime' must be at most 366d")]
    [InlineData("maxretry = 0", "'maxretry' must be between 1 and 100000, not 0")]
    [InlineData("bantime_factor = 1", "'bantime_factor' must be between 2 and 1000, not 1")]
    [InlineData("ignoreip = [\"203.0.113.1/24\"]", "'ignoreip': '203.0.113.1/24' has host bits set; the network is 203.0.113.0/24")]
    [InlineData("ignoreip = [\"home\"]", "'ignoreip': 'home' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData("enabled = \"yes\"", "'enabled' must be true or false")]
    [InlineData("bantimes = \"1h\"", "unknown key 'bantimes' in [guard]")]
    public void Read_BadSectionKey_IsRefusedAtItsLine(string line, string expected)
    {
        // The [guard] header is on line 21 of Head plus one blank line; the key follows it.
        Assert.Equal($"holt.toml:23: {expected}", Refused(string.Empty, line));
    }

    [Theory]
    [InlineData("name = \"sshd\"\nlog = \"/var/log/auth.log\"", 26, "unknown key 'log' in [[guard.jail]]")]
    [InlineData("filter = \"sshd\"", 25, "[[guard.jail]] is missing 'name'")]
    [InlineData("name = \"my jail\"", 25, "jail name 'my jail': use 1 to 32 letters, digits, '-', '_' or '.'")]
    [InlineData("name = \"recidive\"", 25, "'recidive' is Holt's own jail; configure it in [guard.recidive]")]
    [InlineData("name = \"web\"\nfilter = \"nginx\"", 26, "jail 'web': no filter 'nginx' (built in: sshd, sshd-aggressive, nginx-http-auth, apache-auth, wordpress; or define it in a [[guard.filter]])")]
    [InlineData("name = \"web\"\nfilter = \"nginx-http-auth\"", 25, "jail 'web': the nginx-http-auth filter needs a logpath (for example \"/var/log/nginx/error.log\")")]
    [InlineData("name = \"web\"\nfilter = \"wordpress\"\njournal = true", 27, "jail 'web': the wordpress filter reads log files; set logpath instead of journal")]
    [InlineData("name = \"sshd\"\nlogpath = \"auth.log\"", 26, "jail 'sshd': logpath 'auth.log' must be an absolute path")]
    [InlineData("name = \"sshd\"\nlogpath = \"/var/log/auth.log\"\njournal = true", 27, "jail 'sshd': read either files (logpath) or the journal, not both")]
    [InlineData("name = \"sshd\"\nunits = [\"ssh.service\"]", 26, "jail 'sshd': 'units' choose journal units; add journal = true")]
    [InlineData("name = \"sshd\"\njournal = true\nunits = [\"--all\"]", 27, "jail 'sshd': '--all' is not a unit name")]
    [InlineData("name = \"sshd\"\nmaxretry = -3", 26, "'maxretry' must be between 1 and 100000, not -3")]
    [InlineData("name = \"sshd\"\n\n[[guard.jail]]\nname = \"sshd\"", 28, "two jails are named 'sshd'")]
    public void Read_BadJail_IsRefusedAtItsLine(string jail, int line, string expected)
    {
        Assert.Equal($"holt.toml:{line}: {expected}", Refused("[[guard.jail]]\n" + jail + "\n"));
    }

    [Theory]
    [InlineData("name = \"app\"\nregex = \"^failed from (?<ip>\\\\S+)$\"", 26, "filter 'app': pattern '^failed from (?<ip>\\S+)$' has no (?<host>...) group for the client's address")]
    [InlineData("name = \"app\"\nregex = \"^failed from (?<host>\\\\S+$\"", 26, "filter 'app': pattern '^failed from (?<host>\\S+$' ")]
    [InlineData("name = \"app\"\nregex = []", 26, "filter 'app': give 1 to 64 patterns")]
    [InlineData("name = \"app\"", 25, "filter 'app' is missing 'regex'")]
    [InlineData("name = \"sshd\"\nregex = \"(?<host>x)\"", 25, "'sshd' is a built-in filter; give yours another name")]
    [InlineData("name = \"app\"\nregex = \"(?<host>x)\"\nhost = 1", 27, "unknown key 'host' in [[guard.filter]]")]
    public void Read_BadFilter_IsRefusedAtItsLine(string filter, int line, string expected)
    {
        Assert.StartsWith($"holt.toml:{line}: {expected}", Refused("[[guard.filter]]\n" + filter + "\n"));
    }

    [Fact]
    public void Read_MaxTimeBelowBanTime_IsRefusedAtBantimeMax()
    {
        Assert.Equal("holt.toml:25: 'bantime_max' must be at least 'bantime'", Refused(string.Empty, "bantime = \"2d\"\nbantime_factor = 2\nbantime_max = \"1d\""));
    }

    [Fact]
    public void Read_GuardNotATable_IsRefused()
    {
        Assert.Equal("holt.toml:1: 'guard' must be a [guard] table", Assert.Throws<ConfigException>(() => TestConfig.Read("guard = 1\n" + Head)).Message);
    }

    private static HoltConfig Read(string tables, string keys = "") =>
        TestConfig.Read(Head + "\n[guard]\n" + keys + "\n" + tables);

    private static string Refused(string tables, string keys = "") =>
        Assert.Throws<ConfigException>(() => Read(tables, keys)).Message;
}
