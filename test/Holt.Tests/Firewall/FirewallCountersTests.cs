using Holt.Firewall;

namespace Holt.Tests.Firewall;

/// <summary>Reading the table's counters from listings nft did not write as Holt expects: they give nothing, never an error.</summary>
public sealed class FirewallCountersTests
{
    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"nftables\": 3}")]
    [InlineData("{\"nftables\": [null, 1, \"x\", {\"rule\": 5}, {\"rule\": {\"expr\": 7}}]}")]
    [InlineData("{\"nftables\": [{\"rule\": {\"comment\": 1, \"expr\": [[], {\"match\": {\"left\": [1]}}, {\"counter\": [2]}]}}]}")]
    public void ListingThatIsNotOne_GivesNoCounters(string json)
    {
        FirewallCounters counters = FirewallCounters.Read(json);

        Assert.Empty(counters.Drops);
        Assert.Empty(counters.Exposures);
    }

    [Fact]
    public void RulesHoltDidNotWrite_AndCountersThatAreNotNumbers_AreLeftOut()
    {
        const string Json = """
            {"nftables": [
              {"rule": {"comment": "someone else's", "expr": [{"counter": {"packets": 9, "bytes": 900}}, {"drop": null}]}},
              {"rule": {"comment": "dropped by the policy", "expr": [{"counter": {"packets": "many", "bytes": 1}}]}},
              {"rule": {"comment": "dropped by the policy", "expr": [{"counter": {"packets": -1, "bytes": 1}}]}},
              {"rule": {"comment": "dropped by the policy", "expr": [{"drop": null}]}},
              {"rule": {"comment": "dropped by the policy", "expr": [{"counter": {"packets": 18446744073709551615, "bytes": 3}}]}},
              {"rule": {"comment": "expose to home", "expr": [{"counter": {"packets": 4, "bytes": 240}}, {"accept": null}]}}
            ]}
            """;

        FirewallCounters counters = FirewallCounters.Read(Json);

        Assert.Equal([new DropCount("policy", null, ulong.MaxValue, 3)], counters.Drops);
        Assert.Empty(counters.Exposures);
    }

    [Theory]
    [InlineData("dropped by the policy", "policy")]
    [InlineData("over 60 new a minute", "rate_limit")]
    [InlineData("over 20 at once", "concurrency_limit")]
    [InlineData("Cloudflare only", "cloudflare_only")]
    [InlineData("client-to-client off", "client_to_client")]
    [InlineData("nothing else reaches the peers from outside", "not_forwarded")]
    [InlineData("a monitoring peer reaches only the gateway", "monitoring_peer")]
    [InlineData("a monitoring peer reaches only the gateway's VPN address", "monitoring_peer")]
    [InlineData("WireGuard", null)]
    [InlineData("over and out", null)]
    public void EachCountedDropComment_HasItsReason(string comment, string? reason) => Assert.Equal(reason, Ruleset.DropReasonOf(comment));
}
