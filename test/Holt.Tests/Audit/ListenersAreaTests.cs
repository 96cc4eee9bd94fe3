using Holt.Audit;
using static Holt.Tests.Audit.ProcNet;

namespace Holt.Tests.Audit;

public sealed class ListenersAreaTests
{
    /// <summary>
    /// python3 (pid 1234) on 0.0.0.0:8080 and [::]:8080; postgres (pid 77) on 127.0.0.1:5432; the dashboard on
    /// 10.8.0.1:9586; the WireGuard port udp/51820 on every address; sshd (pid 500) on 0.0.0.0:22; and a
    /// connection that is not a listener.
    /// </summary>
    private static AuditFixture Machine(string ruleset, bool config = true)
    {
        var fixture = new AuditFixture(ruleset);
        if (config)
        {
            fixture.Config();
        }

        fixture.Write("/proc/net/tcp", Table(false,
            Line(0, Any4 + ":1F90", Any4 + ":0000", "0A", 101),
            Line(1, Loopback4 + ":1538", Any4 + ":0000", "0A", 102),
            Line(2, Vpn4 + ":2572", Any4 + ":0000", "0A", 103),
            Line(3, Any4 + ":0016", Any4 + ":0000", "0A", 104),
            Line(4, "0200000A:0016", "0900000A:D431", "01", 105)));
        fixture.Write("/proc/net/tcp6", Table(true, Line(0, Any6 + ":1F90", Any6 + ":0000", "0A", 106)));
        fixture.Write("/proc/net/udp", Table(false, Line(0, Any4 + ":CA6C", Any4 + ":0000", "07", 107)));
        fixture.Write("/proc/net/udp6", Table(true));
        fixture.Process(1234, "python3", 101, 106);
        fixture.Process(77, "postgres", 102);
        fixture.Process(500, "sshd", 104);
        return fixture;
    }

    private static IReadOnlyList<Finding> Check(AuditFixture fixture) => new ListenersArea().Check(fixture.Machine());

    [Fact]
    public void NoFirewall_AnUndeclaredListener_IsCritical_BothFamiliesInOneFinding()
    {
        using AuditFixture fixture = Machine("empty");

        IReadOnlyList<Finding> findings = Check(fixture);

        Finding web = Assert.Single(findings, f => f.Id == "listeners.reachable:tcp/8080");
        Assert.Equal(Severity.Critical, web.Severity);
        Assert.Equal("listeners", web.Area);
        Assert.StartsWith("0.0.0.0:8080 and [::]:8080, python3 (pid 1234)\n", web.Evidence, StringComparison.Ordinal);
        Assert.Contains("IPV6_V6ONLY", web.Evidence, StringComparison.Ordinal);
        Assert.Contains("10.8.0.1", web.Fix, StringComparison.Ordinal);
        Assert.Contains("[[firewall.public]] port = 8080", web.Fix, StringComparison.Ordinal);

        // SSH open to the internet is exactly what Holt closes: critical too.
        Assert.Equal(Severity.Critical, Assert.Single(findings, f => f.Id == "listeners.reachable:tcp/22").Severity);
        Assert.Contains("sshd (pid 500)", findings.Single(f => f.Id == "listeners.reachable:tcp/22").Evidence, StringComparison.Ordinal);

        // Loopback, the VPN address and the declared WireGuard port say nothing.
        Assert.Equal(["listeners.reachable:tcp/22", "listeners.reachable:tcp/8080"], findings.Select(f => f.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void WithoutHoltToml_OnlyDhcpIsDeclared_AndNothingIsVpn()
    {
        using AuditFixture fixture = Machine("empty", config: false);

        List<string> ids = Check(fixture).Select(f => f.Id).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["listeners.reachable:tcp/22", "listeners.reachable:tcp/8080", "listeners.reachable:tcp/9586", "listeners.reachable:udp/51820"], ids);
    }

    [Fact]
    public void HoltsFirewallOn_BlockedIsInfo_AllowFromIsInfo_NoCritical()
    {
        using AuditFixture fixture = Machine("holt");

        IReadOnlyList<Finding> findings = Check(fixture);

        Assert.DoesNotContain(findings, f => f.Severity != Severity.Info);
        Finding web = Assert.Single(findings, f => f.Id == "listeners.all-addresses:tcp/8080");
        Assert.Contains("Holt's firewall drops it", web.Evidence, StringComparison.Ordinal);
        Finding ssh = Assert.Single(findings, f => f.Id == "listeners.allow-from:tcp/22");
        Assert.Contains("198.51.100.7", ssh.Evidence, StringComparison.Ordinal);
        Assert.Equal(2, findings.Count);
    }

    [Fact]
    public void AnotherFirewallHoltCannotRead_IsAWarningNamingIt()
    {
        using AuditFixture fixture = Machine("unsure", config: false);
        fixture.Write("/proc/net/tcp6", Table(true));

        IReadOnlyList<Finding> findings = Check(fixture);

        Finding web = Assert.Single(findings, f => f.Id == "listeners.unknown:tcp/8080");
        Assert.Equal(Severity.Warning, web.Severity);
        Assert.Contains("table ip filter chain INPUT", web.Evidence, StringComparison.Ordinal);

        // 22 is accepted outright by that table, after the unreadable rule.
        Assert.Equal(Severity.Critical, Assert.Single(findings, f => f.Id == "listeners.reachable:tcp/22").Severity);
    }

    [Fact]
    public void AnIpv4OnlyFirewall_LeavesTheIpv6SocketOpen()
    {
        // unsure.json filters IPv4 only (table ip filter): [::]:8080 is open over IPv6.
        using AuditFixture fixture = Machine("unsure", config: false);

        Finding web = Assert.Single(Check(fixture), f => f.Id == "listeners.reachable:tcp/8080");

        Assert.Contains("over IPv6: no input chain filters IPv6", web.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void AProcessThatCannotBeFound_IsSaid()
    {
        using var fixture = new AuditFixture("empty");
        fixture.Write("/proc/net/tcp", Table(false, Line(0, Any4 + ":1F90", Any4 + ":0000", "0A", 999)));

        Finding web = Assert.Single(Check(fixture));

        Assert.StartsWith("0.0.0.0:8080, process unknown", web.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void NftMissing_TheAreaCannotBeChecked()
    {
        using AuditFixture fixture = Machine("empty");
        fixture.Tool("nft -j list ruleset", null);

        Assert.Throws<AuditAreaException>(() => Check(fixture));
    }
}
