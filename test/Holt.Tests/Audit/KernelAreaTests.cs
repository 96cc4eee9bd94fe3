using System.Net;
using Holt.Audit;
using Holt.Config;
using Holt.Gateway;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Audit;

public sealed class KernelAreaTests : IDisposable
{
    private readonly AuditTree _tree = new();

    public KernelAreaTests()
    {
        // A hardened machine: nothing to find (forwarding off, no gateway; automatic updates on).
        Sysctl("net/ipv4/conf/all/rp_filter", "2");
        Sysctl("net/ipv4/conf/default/rp_filter", "2");
        Sysctl("net/ipv4/conf/all/accept_redirects", "0");
        Sysctl("net/ipv4/conf/default/accept_redirects", "0");
        Sysctl("net/ipv6/conf/all/accept_redirects", "0");
        Sysctl("net/ipv6/conf/default/accept_redirects", "0");
        Sysctl("net/ipv4/conf/all/accept_source_route", "0");
        Sysctl("net/ipv6/conf/all/accept_source_route", "0");
        Sysctl("net/ipv4/conf/all/send_redirects", "0");
        Sysctl("net/ipv4/conf/default/send_redirects", "0");
        Sysctl("net/ipv4/tcp_syncookies", "1");
        Sysctl("net/ipv4/ip_forward", "0");
        Sysctl("net/ipv6/conf/all/forwarding", "0");
        _tree.Write("/etc/debian_version", "13.1\n");
        _tree.Write("/usr/bin/unattended-upgrade", "#!/usr/bin/python3\n");
        _tree.Write("/etc/apt/apt.conf.d/20auto-upgrades", "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n");
    }

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void AHardenedMachine_GivesNothing()
    {
        Assert.Empty(Check());
    }

    [Fact]
    public void ReversePathFilteringOff_IsAWarning_WithLooseModeAsTheFix()
    {
        Sysctl("net/ipv4/conf/all/rp_filter", "0");
        Sysctl("net/ipv4/conf/default/rp_filter", "0");

        Finding finding = Assert.Single(Check());

        Assert.Equal(("kernel.rp-filter", Severity.Warning), (finding.Id, finding.Severity));
        Assert.Equal("net.ipv4.conf.all.rp_filter = 0, net.ipv4.conf.default.rp_filter = 0", finding.Evidence);
        Assert.Contains("net.ipv4.conf.all.rp_filter = 2", finding.Fix, StringComparison.Ordinal);
        Assert.Contains("/etc/sysctl.d/90-holt.conf, then sysctl --system", finding.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ReversePathFiltering_OnForNewInterfaces_IsNotAFinding()
    {
        Sysctl("net/ipv4/conf/all/rp_filter", "0");

        Assert.Empty(Check());
    }

    [Theory]
    [InlineData("net/ipv4/conf/all/accept_redirects", "kernel.accept-redirects", "Warning")]
    [InlineData("net/ipv6/conf/all/accept_redirects", "kernel.accept-redirects", "Warning")]
    [InlineData("net/ipv4/conf/all/accept_source_route", "kernel.accept-source-route", "Warning")]
    [InlineData("net/ipv4/conf/all/send_redirects", "kernel.send-redirects", "Info")]
    public void ASettingTurnedOn_IsAFinding(string path, string id, string severity)
    {
        Sysctl(path, "1");

        Finding finding = Assert.Single(Check());

        Assert.Equal((id, Enum.Parse<Severity>(severity)), (finding.Id, finding.Severity));
        Assert.Equal($"{path.Replace('/', '.')} = 1", finding.Evidence);
        Assert.Contains($"{path.Replace('/', '.')} = 0", finding.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void SynCookiesOff_IsAWarning()
    {
        Sysctl("net/ipv4/tcp_syncookies", "0");

        Assert.Equal(("kernel.syncookies", Severity.Warning), Assert.Single(Check()) is var f ? (f.Id, f.Severity) : default);
    }

    [Fact]
    public void Forwarding_WithoutAGateway_IsAWarning_OrANoteBesideDocker()
    {
        Sysctl("net/ipv4/ip_forward", "1");

        Assert.Equal(("kernel.forwarding", Severity.Warning), Assert.Single(Check()) is var f ? (f.Id, f.Severity) : default);

        _tree.Write("/usr/bin/dockerd", "");
        Finding beside = Assert.Single(Check());
        Assert.Equal(("kernel.forwarding", Severity.Info), (beside.Id, beside.Severity));
        Assert.Contains("/usr/bin/dockerd", beside.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Forwarding_ForAGatewayThatMasquerades_IsWhatItNeeds()
    {
        WriteGateway(Gateway());
        Sysctl("net/ipv4/ip_forward", "1");

        Assert.Empty(Check());
    }

    [Fact]
    public void Forwarding_ForAGatewayThatForwardsNothing_IsANote()
    {
        WriteGateway(Gateway() with { Masquerade = false });
        Sysctl("net/ipv4/ip_forward", "1");

        Assert.Equal(("kernel.forwarding", Severity.Info), Assert.Single(Check()) is var f ? (f.Id, f.Severity) : default);
    }

    [Fact]
    public void ForwardingOff_WhileTheGatewayNeedsIt_IsANote()
    {
        WriteGateway(Gateway());

        Finding finding = Assert.Single(Check());

        Assert.Equal(("kernel.forwarding", Severity.Info), (finding.Id, finding.Severity));
        Assert.Contains("holt up", finding.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Ipv6Forwarding_WithoutAnIpv6Subnet_IsAWarning_AndWithOne_IsNot()
    {
        Sysctl("net/ipv4/ip_forward", "1");
        Sysctl("net/ipv6/conf/all/forwarding", "1");
        WriteGateway(Gateway());

        Assert.Equal(("kernel.forwarding6", Severity.Warning), Assert.Single(Check()) is var f ? (f.Id, f.Severity) : default);

        WriteGateway(Gateway() with { Subnet6 = IPNetwork.Parse("fd42::/64"), Address6 = IPAddress.Parse("fd42::1") });
        Assert.Empty(Check());
    }

    [Theory]
    [InlineData("")]
    [InlineData("APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"0\";\n")]
    [InlineData("APT::Periodic::Update-Package-Lists \"1\";\n// APT::Periodic::Unattended-Upgrade \"1\";\n")]
    [InlineData("APT::Periodic::Update-Package-Lists \"1\";\n# APT::Periodic::Unattended-Upgrade \"1\";\n")]
    [InlineData("APT::Periodic::Update-Package-Lists \"1\";\n/* APT::Periodic::Unattended-Upgrade \"1\"; */\n")]
    [InlineData("APT::Periodic::Unattended-Upgrade \"1\";\n")]
    public void UpdatesNotRunDaily_AreAWarning(string config)
    {
        _tree.Write("/etc/apt/apt.conf.d/20auto-upgrades", config);

        Finding finding = Assert.Single(Check());

        Assert.Equal(("kernel.no-auto-updates", Severity.Warning), (finding.Id, finding.Severity));
        Assert.Equal("apt install unattended-upgrades && dpkg-reconfigure -plow unattended-upgrades", finding.Fix.Split(" (", 2)[0]);
    }

    [Theory]
    [InlineData("APT { Periodic { Update-Package-Lists \"1\"; Unattended-Upgrade \"1\"; }; };\n")]
    [InlineData("apt::periodic::update-package-lists 1;\napt::periodic::unattended-upgrade \"always\"; // daily\n")]
    [InlineData("APT::Periodic {\n  Update-Package-Lists \"1\";\n  Unattended-Upgrade \"7\";\n};\n")]
    public void UpdatesRunDaily_InAnySpellingAptReads_AreFine(string config)
    {
        _tree.Write("/etc/apt/apt.conf.d/20auto-upgrades", config);

        Assert.Empty(Check());
    }

    [Fact]
    public void ALaterFile_OverridesAnEarlierOne_AndDpkgLeftoversAreNotRead()
    {
        _tree.Write("/etc/apt/apt.conf.d/99-off", "APT::Periodic::Unattended-Upgrade \"0\";\n");
        Assert.Contains("/etc/apt/apt.conf.d/99-off:1", Assert.Single(Check()).Evidence, StringComparison.Ordinal);

        File.Move(_tree.PathOf("/etc/apt/apt.conf.d/99-off"), _tree.PathOf("/etc/apt/apt.conf.d/10-off"));
        Assert.Empty(Check());

        _tree.Write("/etc/apt/apt.conf.d/99-off.ucf-dist", "APT::Periodic::Unattended-Upgrade \"0\";\n");
        Assert.Empty(Check());

        _tree.Write("/etc/apt/apt.conf", "APT::Periodic::Enable \"0\";\n");
        Assert.Contains("APT::Periodic::Enable", Assert.Single(Check()).Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void TheUnattendedUpgradesPackage_MustBeInstalled()
    {
        File.Delete(_tree.PathOf("/usr/bin/unattended-upgrade"));

        Assert.Contains("/usr/bin/unattended-upgrade is not installed", Assert.Single(Check()).Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void NotDebian_SaysUpdatesWereNotChecked()
    {
        File.Delete(_tree.PathOf("/etc/debian_version"));

        Assert.Equal(("kernel.auto-updates-unchecked", Severity.Info), Assert.Single(Check()) is var f ? (f.Id, f.Severity) : default);
    }

    [Fact]
    public void WithoutProcSys_TheAreaIsNotChecked_InOneLine()
    {
        using var bare = new AuditTree();

        var error = Assert.Throws<AuditAreaException>(() => new KernelArea().Check(bare.Machine()));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("/proc/sys/net", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABrokenHoltToml_LeavesForwardingUnjudged()
    {
        _tree.Write("/etc/holt/holt.toml", "[gateway\n");
        Sysctl("net/ipv4/ip_forward", "1");

        Assert.Empty(Check());
    }

    private List<Finding> Check() => new KernelArea().Check(_tree.Machine(_tree.Store)).ToList();

    private void Sysctl(string path, string value) => _tree.Write($"/proc/sys/{path}", value + "\n");

    private void WriteGateway(GatewayConfig gateway) => _tree.Write("/etc/holt/holt.toml", TestConfig.WriteGateway(gateway));

    private static GatewayConfig Gateway() => new()
    {
        Interface = "wg0",
        PrivateKey = TestKeys.GatewayPrivate,
        Endpoint = "vpn.example.com",
        Subnet = GatewayConfig.DefaultSubnet,
        Address = IPAddress.Parse("10.8.0.1"),
    };
}
