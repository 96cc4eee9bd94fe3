using System.Net;
using Holt.Audit;
using Holt.External;
using Holt.Firewall;

namespace Holt.Tests.Audit;

/// <summary>
/// Reachability against rulesets captured from the kernel (Audit/Fixtures/*.nft loaded with nft in a network
/// namespace, listed with nft -j list ruleset): holt.json is what holt firewall show printed for the fixture's
/// holt.toml, with a pending apply's SSH session (198.51.100.7).
/// </summary>
public sealed class ReachabilityTests
{
    private static Reach For(string ruleset, Protocol protocol, string bound, int port, bool config = true, Func<string, string>? edit = null)
    {
        using var fixture = new AuditFixture(ruleset);
        if (config)
        {
            fixture.Config(edit);
        }

        return Reachability.Of(fixture.Machine()).For(protocol, IPAddress.Parse(bound), port);
    }

    [Theory]
    [InlineData("127.0.0.1", "Local")]
    [InlineData("::1", "Local")]
    [InlineData("::ffff:127.0.0.1", "Local")]
    [InlineData("10.8.0.1", "Vpn")]
    [InlineData("10.8.0.77", "Vpn")]
    [InlineData("0.0.0.0", "Internet")]
    [InlineData("::", "Internet")]
    [InlineData("203.0.113.9", "Internet")]
    public void NoFirewall_TheBoundAddressDecides(string bound, string kind)
    {
        Reach reach = For("empty", Protocol.Tcp, bound, 8080);

        Assert.Equal(Enum.Parse<ReachKind>(kind), reach.Kind);
    }

    [Fact]
    public void NoFirewall_SaysNothingFilters() =>
        Assert.Contains("no input chain filters IPv4", For("empty", Protocol.Tcp, "0.0.0.0", 8080).Reason, StringComparison.Ordinal);

    [Fact]
    public void WithoutHoltToml_NothingIsAVpnAddress() =>
        Assert.Equal(ReachKind.Internet, For("empty", Protocol.Tcp, "10.8.0.1", 8080, config: false).Kind);

    [Theory]
    [InlineData("Tcp", 8080, "Blocked")]
    [InlineData("Udp", 8080, "Blocked")]
    [InlineData("Udp", 51820, "Internet")]
    [InlineData("Tcp", 443, "Internet")]
    [InlineData("Udp", 3478, "Internet")]
    [InlineData("Tcp", 3478, "Blocked")]
    [InlineData("Tcp", 22, "AllowFrom")]
    [InlineData("Tcp", 9000, "AllowFrom")]
    [InlineData("Udp", 68, "Internet")]
    public void HoltsLoadedChain_JudgedAsTheKernelHasIt(string protocol, int port, string kind)
    {
        Reach reach = For("holt", Enum.Parse<Protocol>(protocol), "0.0.0.0", port);

        Assert.Equal(Enum.Parse<ReachKind>(kind), reach.Kind);
        Assert.Contains("table inet holt-wg0 chain input", reach.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void HoltsChain_NamesTheDecidingRule()
    {
        Assert.Contains("policy drop", For("holt", Protocol.Tcp, "0.0.0.0", 8080).Reason, StringComparison.Ordinal);
        Assert.Contains("udp dport 51820 accept", For("holt", Protocol.Udp, "0.0.0.0", 51820).Reason, StringComparison.Ordinal);
        Assert.Contains("ip saddr 198.51.100.7 tcp dport 22 accept", For("holt", Protocol.Tcp, "0.0.0.0", 22).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void HoltsTable_IsFoundWithoutHoltToml() =>
        Assert.Equal(ReachKind.Blocked, For("holt", Protocol.Tcp, "0.0.0.0", 8080, config: false).Kind);

    [Fact]
    public void DualStackSocket_TheIpv6AllowlistCounts()
    {
        // 9000 is admin: IPv4 from 192.0.2.0/24, IPv6 from 2001:db8:1::/48; both families are judged for ::.
        Reach reach = For("holt", Protocol.Tcp, "::", 9000);

        Assert.Equal(ReachKind.AllowFrom, reach.Kind);
    }

    [Fact]
    public void DualStackSocket_BothFamiliesAlike_GivesTheIpv6Reason()
    {
        // IPv6 surely applies to a socket on ::; IPv4 only unless it set IPV6_V6ONLY.
        Reach reach = For("holt", Protocol.Tcp, "::", 8080);

        Assert.Equal(ReachKind.Blocked, reach.Kind);
        Assert.StartsWith("over IPv6: Holt's firewall drops it", reach.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherTablesDrop_IsFinal_EvenWhereHoltAccepts()
    {
        // ufw's INPUT accepts only 22: Holt's public 443 is dropped there.
        Reach reach = For("holt-ufw", Protocol.Tcp, "0.0.0.0", 443);

        Assert.Equal(ReachKind.Blocked, reach.Kind);
        Assert.Contains("table ip filter chain INPUT", reach.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void HoltsDrop_IsFinal_EvenWhereAnotherTableAccepts()
    {
        Reach reach = For("holt-ufw", Protocol.Tcp, "0.0.0.0", 8080);
        Reach ssh = For("holt-ufw", Protocol.Tcp, "0.0.0.0", 22);

        Assert.Equal(ReachKind.Blocked, reach.Kind);
        Assert.StartsWith("Holt's firewall drops it", reach.Reason, StringComparison.Ordinal);
        Assert.Equal(ReachKind.AllowFrom, ssh.Kind);
    }

    [Fact]
    public void UfwAlone_IsWalkedThroughItsJumps()
    {
        Assert.Equal(ReachKind.Internet, For("ufw", Protocol.Tcp, "0.0.0.0", 22, config: false).Kind);
        Reach blocked = For("ufw", Protocol.Tcp, "0.0.0.0", 8080, config: false);
        Assert.Equal(ReachKind.Blocked, blocked.Kind);
        Assert.Contains("another firewall (table ip filter chain INPUT)", blocked.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnreadableAcceptInAnotherTable_IsUnknown_NamingIt()
    {
        Reach reach = For("unsure", Protocol.Tcp, "0.0.0.0", 8080, config: false);

        Assert.Equal(ReachKind.Unknown, reach.Kind);
        Assert.Contains("table ip filter chain INPUT decides and Holt cannot tell", reach.Reason, StringComparison.Ordinal);
        Assert.Contains("meta mark", reach.Reason, StringComparison.Ordinal);

        // A later rule that accepts outright settles it.
        Assert.Equal(ReachKind.Internet, For("unsure", Protocol.Tcp, "0.0.0.0", 22, config: false).Kind);
    }

    [Fact]
    public void Ipv4FilteredOnly_AnIpv6SocketIsOpen()
    {
        Assert.Equal(ReachKind.Blocked, For("v4only", Protocol.Tcp, "0.0.0.0", 8080, config: false).Kind);
        Reach dual = For("v4only", Protocol.Tcp, "::", 8080, config: false);
        Assert.Equal(ReachKind.Internet, dual.Kind);
        Assert.StartsWith("over IPv6:", dual.Reason, StringComparison.Ordinal);
        Assert.Equal(ReachKind.Internet, For("v4only", Protocol.Tcp, "2001:db8::5", 8080, config: false).Kind);
    }

    [Fact]
    public void AHandEditHoltCannotRead_FallsBackToHoltToml()
    {
        Reach closed = For("holt-handedit", Protocol.Tcp, "0.0.0.0", 8080);
        Reach open = For("holt-handedit", Protocol.Tcp, "0.0.0.0", 443);

        Assert.Equal(ReachKind.Blocked, closed.Kind);
        Assert.Contains("judged from holt.toml", closed.Reason, StringComparison.Ordinal);
        Assert.Equal(ReachKind.Internet, open.Kind);

        // Without holt.toml there is nothing to fall back to.
        Assert.Equal(ReachKind.Unknown, For("holt-handedit", Protocol.Tcp, "0.0.0.0", 8080, config: false).Kind);
    }

    [Fact]
    public void NftMissing_OneLine()
    {
        using var fixture = new AuditFixture(ruleset: null);
        fixture.Tool("nft -j list ruleset", null);

        var e = Assert.Throws<AuditAreaException>(() => Reachability.Of(fixture.Machine()));

        Assert.Equal("nft is not installed (apt-get install nftables), so the firewall cannot be read", e.Message);
    }

    [Fact]
    public void NftRefused_OneLineWithItsReason()
    {
        using var fixture = new AuditFixture(ruleset: null);
        fixture.Tool("nft -j list ruleset", new ToolResult("nft -j list ruleset", 1, "", "netlink: Error: cache initialization failed: Operation not permitted\n"));

        var e = Assert.Throws<AuditAreaException>(() => Reachability.Of(fixture.Machine()));

        Assert.Equal("nft -j list ruleset failed: netlink: Error: cache initialization failed: Operation not permitted (run holt audit as root)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"something\": []}")]
    public void NotAListing_OneLine(string output)
    {
        using var fixture = new AuditFixture(ruleset: null);
        fixture.Nft(output);

        var e = Assert.Throws<AuditAreaException>(() => Reachability.Of(fixture.Machine()));

        Assert.Contains("not nft's JSON listing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StrangeShapes_DoNotCrash_AndCountAsUnknown()
    {
        // Items and expressions of shapes nft may print one day: numbers where names go, missing fields, new statements.
        const string Listing = """
            {"nftables": [
              {"metainfo": {"version": "9.9"}},
              {"table": {"family": "ip", "name": "odd"}},
              {"chain": {"family": "ip", "table": "odd", "name": "in", "hook": "input", "type": "filter", "policy": "drop"}},
              {"chain": {"family": 4, "table": "odd", "name": "x"}},
              {"chain": {"table": "odd"}},
              {"rule": {"family": "ip", "table": "odd", "chain": "in", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": "@ports"}}, {"accept": null}]}},
              {"rule": {"family": "ip", "table": "odd", "chain": "in", "expr": [{"match": {"op": ">=", "left": 1, "right": [1, {"x": 2}]}}, {"drop": null}]}},
              {"rule": {"family": "ip", "table": "odd", "chain": "in", "expr": [{"futurething": {"a": 1}}, 7, null, {"jump": {"target": "nowhere"}}]}},
              {"rule": {"family": "ip", "table": "odd", "chain": "missing", "expr": [{"accept": null}]}},
              {"rule": {"family": "ip", "table": "odd", "chain": "in", "expr": "oops"}},
              []
            ]}
            """;
        using var fixture = new AuditFixture(ruleset: null);
        fixture.Nft(Listing);

        Reach reach = Reachability.Of(fixture.Machine()).For(Protocol.Tcp, IPAddress.Any, 8080);

        Assert.Equal(ReachKind.Unknown, reach.Kind);
        Assert.Contains("@ports", reach.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRuleset_IsReadOncePerAudit()
    {
        using var fixture = new AuditFixture("holt");
        AuditMachine machine = fixture.Machine();

        Reachability.Of(machine).For(Protocol.Tcp, IPAddress.Any, 1);
        Reachability.Of(machine).For(Protocol.Tcp, IPAddress.Any, 2);
        NftRuleset.Of(machine);

        Assert.Single(fixture.Ran, "nft -j list ruleset");
    }
}
