using Holt.Audit;

namespace Holt.Tests.Audit;

/// <summary>
/// holt-docker.json is Holt's table with Docker's iptables-nft layout beside it (Fixtures/docker.nft): table ip nat
/// PREROUTING → DOCKER with tcp/8080 and udp/5353 published on every address and tcp/5432 only on 127.0.0.1, and
/// a table ip6 nat of some other tool forwarding tcp/8081 and 8082.
/// </summary>
public sealed class DockerAreaTests
{
    [Fact]
    public void PublishedOnEveryAddress_IsCritical_PastHoltsFirewall()
    {
        using var fixture = new AuditFixture("holt-docker");
        fixture.Config();

        IReadOnlyList<Finding> findings = new DockerArea().Check(fixture.Machine());

        Assert.Equal(["docker.published:tcp/8080", "docker.published:udp/5353"], findings.Select(f => f.Id));
        Finding web = findings[0];
        Assert.Equal(Severity.Critical, web.Severity);
        Assert.Equal("docker", web.Area);
        Assert.False(web.Fixable);
        Assert.StartsWith("table ip nat chain PREROUTING → DOCKER: iifname != docker0 tcp dport 8080 counter dnat to 172.17.0.2:80\n", web.Evidence, StringComparison.Ordinal);
        Assert.Contains("-p 127.0.0.1:8080:80", web.Fix, StringComparison.Ordinal);
        Assert.Contains("-p 10.8.0.1:8080:80", web.Fix, StringComparison.Ordinal);
        Assert.Contains("/etc/docker/daemon.json", web.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void NoDnat_NothingFound()
    {
        using var fixture = new AuditFixture("holt");
        fixture.Config();

        Assert.Empty(new DockerArea().Check(fixture.Machine()));
    }

    [Fact]
    public void AnotherToolsDnat_IsTheFirewallAreas()
    {
        using var fixture = new AuditFixture("holt-docker");
        fixture.Config();

        List<Finding> dnat = new FirewallArea().Check(fixture.Machine()).Where(f => f.Id.StartsWith("firewall.foreign-dnat:", StringComparison.Ordinal)).ToList();

        Assert.Equal(["firewall.foreign-dnat:tcp/8081", "firewall.foreign-dnat:tcp/8082"], dnat.Select(f => f.Id));
        Assert.All(dnat, f => Assert.Equal(Severity.Critical, f.Severity));
        Assert.Contains("table ip6 nat chain PREROUTING → portmap", dnat[0].Evidence, StringComparison.Ordinal);
        Assert.Contains("[fd00::2]:80", dnat[0].Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void NftMissing_TheAreaCannotBeChecked()
    {
        using var fixture = new AuditFixture(ruleset: null);
        fixture.Tool("nft -j list ruleset", null);

        var e = Assert.Throws<AuditAreaException>(() => new DockerArea().Check(fixture.Machine()));
        Assert.DoesNotContain('\n', e.Message);
    }
}
