using Holt.Config;
using Holt.External;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Nft;
using Holt.Tests.Support;
using Xunit.Abstractions;
using static Holt.Tests.Firewall.RulesetSamples;

namespace Holt.Tests.Firewall;

/// <summary>
/// The generated rulesets against the real nft, inside a network namespace of the test's own so the machine's
/// ruleset is never touched: each varied configuration passes <c>nft -c</c>, and a full one loads and lists back.
/// Needs root (namespaces) and nft.
/// </summary>
public sealed class RulesetNftTests(NetNsFixture fixture, ITestOutputHelper output) : IClassFixture<NetNsFixture>
{
    private static string Table => Ruleset.TableName(Plain.Interface);

    public static TheoryData<string> VariedNames() => new(Varied().Select(v => v.Name));

    [Theory]
    [MemberData(nameof(VariedNames))]
    public void Check_VariedConfiguration_PassesNft(string name)
    {
        if (fixture.GetOrSkip(output) is not NetNs ns)
        {
            return;
        }

        (_, HoltConfig config, RulesetContext context) = Varied().Single(v => v.Name == name);
        string table = Ruleset.TableName(config.Gateway.Interface);
        string ruleset = Ruleset.Build(config, context);

        // NftTables.Check runs nft -c -f - on the replace script and throws with nft's first error line.
        Exception? refused = Record.Exception(() => ns.Run(() => NftTables.Check(table, ruleset)));

        Assert.True(refused is null, $"{refused?.Message}\n{NftTables.ReplaceScript(table, ruleset)}");
    }

    [Fact]
    public void Apply_FullRuleset_LoadsAndListsBackItsRules()
    {
        if (fixture.GetOrSkip(output) is not NetNs ns)
        {
            return;
        }

        string ruleset = Ruleset.Build(Full, Active with { KeepSsh = (System.Net.IPAddress.Parse("203.0.113.50"), 22) });

        string listed = ns.Run(() =>
        {
            NftTables.Replace(Table, ruleset);
            return ExternalTool.Run("nft", ["-s", "list", "table", "inet", Table]);
        });

        List<string> input = RulesetTests.Chain(listed, "input");
        Assert.Equal("type filter hook input priority filter; policy drop;", input[0]);
        Assert.Equal("ct state established,related accept", input[1]);
        Assert.Contains("udp dport 51820 accept comment \"WireGuard\"", input);
        Assert.Contains("iifname \"hfw0\" accept comment \"the VPN reaches everything on the gateway\"", input);
        Assert.Contains("ip saddr 203.0.113.50 tcp dport 22 accept comment \"the SSH session that applied this ruleset\"", input);
        Assert.Contains("tcp dport 80 ct state new add @rate_tcp_80_v4 { ip saddr limit rate over 60/minute burst 60 packets } counter drop comment \"over 60 new a minute\"", input);
        Assert.Contains("tcp dport 80 ct state new add @conn_tcp_80_v6 { ip6 saddr ct count over 20 } counter drop comment \"over 20 at once\"", input);
        Assert.Contains("tcp dport 443 ip saddr != @cloudflare_v4 counter drop comment \"Cloudflare only\"", input);
        Assert.Contains("oifname \"hfw0\" ct status dnat accept comment \"exposed ports\"", RulesetTests.Chain(listed, "forward"));
        List<string> prerouting = RulesetTests.Chain(listed, "prerouting");
        Assert.Contains("fib daddr type local meta nfproto ipv4 tcp dport 8080 counter dnat ip to 10.8.0.2:80 comment \"expose to home\"", prerouting);

        // nft drops the family match where the address match implies it.
        Assert.Contains("fib daddr type local ip6 saddr 2001:db8:2::/48 tcp dport 9000 counter dnat ip6 to [fd42::2]:9000 comment \"expose to home\"", prerouting);
        List<string> postrouting = RulesetTests.Chain(listed, "postrouting");
        Assert.Contains("ip saddr 10.8.0.0/24 oifname != \"hfw0\" masquerade", postrouting);

        // Hairpin: from the VPN through the public address, from the gateway itself, and from the serving peer.
        Assert.Contains("iifname \"hfw0\" oifname \"hfw0\" ct status dnat accept comment \"exposed ports, from the VPN\"", RulesetTests.Chain(listed, "forward"));
        List<string> fromTheGateway = RulesetTests.Chain(listed, "output");
        Assert.Equal("type nat hook output priority -100; policy accept;", fromTheGateway[0]);
        Assert.Contains("fib daddr type local ip daddr != 127.0.0.0/8 tcp dport 8080 counter dnat ip to 10.8.0.2:80 comment \"expose to home\"", fromTheGateway);
        Assert.Contains("fib daddr type local ip6 daddr != ::1 tcp dport 8080 counter dnat ip6 to [fd42::2]:80 comment \"expose to home\"", fromTheGateway);
        Assert.Contains("oifname \"hfw0\" ct status dnat ip6 saddr fd42::2 ip6 daddr fd42::2 masquerade comment \"expose to home, from itself\"", postrouting);
        Assert.Contains("elements = { 103.21.244.0/22, 173.245.48.0/20 }", listed, StringComparison.Ordinal);
    }

    [Fact]
    public void Counters_AreReadBack_ByReasonAndPort_AndByExposure_SummedOverFamiliesAndChains()
    {
        if (fixture.GetOrSkip(output) is not NetNs ns)
        {
            return;
        }

        // Every counter of the full ruleset starts at 2 packets of 100 bytes, as if each rule had seen that much.
        string ruleset = System.Text.RegularExpressions.Regex.Replace(Ruleset.Build(Full, Active), @"(?<=\s)counter ", "counter packets 2 bytes 100 ");
        string listing = ns.Run(() =>
        {
            NftTables.Replace(Table, ruleset);
            return NftTables.ListJson(Table)!;
        });

        FirewallCounters counters = FirewallCounters.Read(listing);

        Assert.Equal(
            [
                new DropCount("client_to_client", null, 2, 100),
                new DropCount("cloudflare_only", "tcp/443", 4, 200),
                new DropCount("concurrency_limit", "tcp/80", 4, 200),
                new DropCount("not_forwarded", null, 2, 100),
                new DropCount("policy", null, 2, 100),
                new DropCount("rate_limit", "tcp/80", 4, 200),
                new DropCount("rate_limit", "udp/3478", 4, 200),
            ],
            counters.Drops);

        // Prerouting and output, IPv4 and IPv6 where the peer and the sources have them; the disabled peer's none.
        Assert.Equal(
            [
                new ExposureCount("tcp/8080", "home", 8),
                new ExposureCount("tcp/9000", "home", 8),
                new ExposureCount("tcp/9001", "phone", 4),
                new ExposureCount("udp/27015", "laptop", 4),
            ],
            counters.Exposures);
    }

    [Fact]
    public void Apply_Twice_ReplacesTheTableAndRemoveTakesItAway()
    {
        if (fixture.GetOrSkip(output) is not NetNs ns)
        {
            return;
        }

        (string? second, string? removed) = ns.Run(() =>
        {
            NftTables.Remove(Table);
            NftTables.Replace(Table, Ruleset.Build(Full, Active));
            NftTables.Replace(Table, Ruleset.Build(With(Plain), Inactive));
            string? afterSecond = NftTables.List(Table);
            NftTables.Remove(Table);
            string? afterRemove = NftTables.List(Table);

            // Removing what is not there is no error.
            NftTables.Remove(Table);
            return (afterSecond, afterRemove);
        });

        Assert.NotNull(second);
        Assert.DoesNotContain("chain input", second, StringComparison.Ordinal);
        Assert.DoesNotContain("prerouting", second, StringComparison.Ordinal);
        Assert.Contains("chain forward", second, StringComparison.Ordinal);
        Assert.Null(removed);
    }
}
