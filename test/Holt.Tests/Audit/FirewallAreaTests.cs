using Holt.Audit;
using Holt.External;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Nft;

namespace Holt.Tests.Audit;

public sealed class FirewallAreaTests
{
    private static List<Finding> Check(AuditFixture fixture) => new FirewallArea().Check(fixture.Machine()).ToList();

    /// <summary>The fixture's table as nft lists it alone, and the state file recording it as Holt loaded it (or another digest).</summary>
    private static void Loaded(AuditFixture fixture, string? recordedDigest = null)
    {
        string table = File.ReadAllText(AuditFixture.FixturePath("holt.json"));
        fixture.Tool("nft -j list table inet holt-wg0", new ToolResult("nft", 0, table, ""));
        fixture.Write(StateStore.PathFor("wg0"), $$"""{"peers": {}, "table_digest": "{{recordedDigest ?? NftCanonical.Digest(table)}}"}""");
    }

    [Fact]
    public void NoHoltToml_FirewallOff_DefaultAccept()
    {
        using var fixture = new AuditFixture("empty");

        Finding off = Assert.Single(Check(fixture));

        Assert.Equal("firewall.off", off.Id);
        Assert.Equal(Severity.Critical, off.Severity);
        Assert.Contains("no holt.toml", off.Evidence, StringComparison.Ordinal);
        Assert.Contains("default accept", off.Evidence, StringComparison.Ordinal);
        Assert.Contains("holt lockdown ssh", off.Fix, StringComparison.Ordinal);
        Assert.Contains("holt firewall confirm", off.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void DisabledInHoltToml_FirewallOff_ListingTheInputChains()
    {
        using var fixture = new AuditFixture("ufw");
        fixture.Config(text => text.Replace("enabled = true", "enabled = false", StringComparison.Ordinal));

        Finding off = Assert.Single(Check(fixture), f => f.Id == "firewall.off");

        Assert.Contains("enabled = false", off.Evidence, StringComparison.Ordinal);
        Assert.Contains("table ip filter chain INPUT policy drop", off.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void EnabledButNotInTheKernel_IsCritical()
    {
        using var fixture = new AuditFixture("empty");
        fixture.Config();

        Finding missing = Assert.Single(Check(fixture));

        Assert.Equal("firewall.not-loaded", missing.Id);
        Assert.Equal(Severity.Critical, missing.Severity);
        Assert.Contains("table inet holt-wg0", missing.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadedAsRecorded_NothingFound()
    {
        using var fixture = new AuditFixture("holt");
        fixture.Config();
        Loaded(fixture);

        Assert.Empty(Check(fixture));
    }

    [Fact]
    public void ChangedByHand_IsAWarning()
    {
        using var fixture = new AuditFixture("holt");
        fixture.Config();
        Loaded(fixture, recordedDigest: new string('0', 64));

        Finding changed = Assert.Single(Check(fixture));

        Assert.Equal("firewall.changed", changed.Id);
        Assert.Equal(Severity.Warning, changed.Severity);
        Assert.Contains("000000000000", changed.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void PendingApply_IsAWarning_EvenWhileHoltTomlSaysOff()
    {
        using var fixture = new AuditFixture("holt");
        fixture.Config(text => text.Replace("enabled = true", "enabled = false", StringComparison.Ordinal));
        Loaded(fixture);
        fixture.Write(FirewallRuntime.PendingPath("wg0"), "tok123 1800000000\n");

        Finding pending = Assert.Single(Check(fixture));

        Assert.Equal("firewall.pending", pending.Id);
        Assert.Equal(Severity.Warning, pending.Severity);
        Assert.Contains("2027-01-15 08:00:00 UTC", pending.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void UfwEnabled_AndItsTable_AreWarnings()
    {
        using var fixture = new AuditFixture("holt-ufw");
        fixture.Config();
        Loaded(fixture);
        fixture.Write("/etc/ufw/ufw.conf", "# /etc/ufw/ufw.conf\n\nENABLED=yes\nLOGLEVEL=low\n");

        List<Finding> findings = Check(fixture);

        Assert.Equal(["firewall.ufw", "firewall.other-table:ip/filter", "firewall.other-table:ip6/filter"], findings.Select(f => f.Id));
        Assert.All(findings, f => Assert.Equal(Severity.Warning, f.Severity));
        Assert.Contains("the WireGuard port 51820/udp", findings[1].Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void UfwDisabled_SaysNothing()
    {
        using var fixture = new AuditFixture("holt");
        fixture.Config();
        Loaded(fixture);
        fixture.Write("/etc/ufw/ufw.conf", "ENABLED=no\n");

        Assert.Empty(Check(fixture));
    }

    [Fact]
    public void AnotherTableThatDropsTheWireGuardPort_IsNamed()
    {
        using var fixture = new AuditFixture("v4only");
        fixture.Config(text => text.Replace("enabled = true", "enabled = false", StringComparison.Ordinal));

        List<Finding> findings = Check(fixture);

        Finding other = Assert.Single(findings, f => f.Id == "firewall.other-table:inet/other");
        Assert.Contains("udp dport 51820 drop", other.Evidence, StringComparison.Ordinal);
        Assert.Contains("no peer can connect", other.Why, StringComparison.Ordinal);
        Assert.Single(findings, f => f.Id == "firewall.other-table:ip/filter");
    }

    [Fact]
    public void LegacyIptables_RulesOrAPolicy_AreAWarning()
    {
        using var fixture = new AuditFixture("holt");
        fixture.Config();
        Loaded(fixture);
        fixture.Tool("iptables-legacy-save", new ToolResult("iptables-legacy-save", 0, "# Generated by iptables-save v1.8.9\n*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n", ""));
        fixture.Tool("ip6tables-legacy-save", new ToolResult("ip6tables-legacy-save", 0, "", ""));

        Finding legacy = Assert.Single(Check(fixture));

        Assert.Equal("firewall.iptables-legacy", legacy.Id);
        Assert.Equal("iptables-legacy-save: 1 rule, INPUT policy DROP, e.g. -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", legacy.Evidence);
    }

    [Fact]
    public void LegacyIptables_EmptyOrMissing_SaysNothing()
    {
        using var fixture = new AuditFixture("holt");
        fixture.Config();
        Loaded(fixture);
        fixture.Tool("iptables-legacy-save", new ToolResult("iptables-legacy-save", 0, "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", ""));

        Assert.Empty(Check(fixture));
        Assert.Contains("ip6tables-legacy-save", fixture.Ran);
    }

    [Fact]
    public void Firewalld_ByItsPidFile()
    {
        using var fixture = new AuditFixture("holt");
        fixture.Config();
        Loaded(fixture);
        fixture.Write("/run/firewalld.pid", "4242\n");
        fixture.Write("/proc/4242/comm", "firewalld\n");

        Assert.Equal("firewall.firewalld", Assert.Single(Check(fixture)).Id);
    }

    [Fact]
    public void Ipv4FilteredIpv6NotWithAGlobalAddress_IsCritical()
    {
        using var fixture = new AuditFixture("v4only");
        fixture.Write("/proc/net/if_inet6", "00000000000000000000000000000001 01 80 10 80       lo\n20010db8000000000000000000000005 02 40 00 80     eth0\nfe8000000000000000fc00fffe000001 02 40 20 80     eth0\n");

        Finding open = Assert.Single(Check(fixture), f => f.Id == "firewall.ipv6-open");

        Assert.Equal(Severity.Critical, open.Severity);
        Assert.Contains("2001:db8::5 (eth0)", open.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain("fe80", open.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void HoltsInetTable_FiltersBothFamilies()
    {
        using var fixture = new AuditFixture("holt");
        fixture.Config();
        Loaded(fixture);
        fixture.Write("/proc/net/if_inet6", "20010db8000000000000000000000005 02 40 00 80     eth0\n");

        Assert.Empty(Check(fixture));
    }

    [Fact]
    public void OnlyALinkLocalAddress_IsNotOpenOverIpv6()
    {
        using var fixture = new AuditFixture("v4only");
        fixture.Write("/proc/net/if_inet6", "fe8000000000000000fc00fffe000001 02 40 20 80     eth0\n");

        Assert.DoesNotContain(Check(fixture), f => f.Id == "firewall.ipv6-open");
    }
}
