using System.Net;
using Holt.Quick;
using Holt.WireGuard.Keys;

namespace Holt.Tests.Quick;

public class QuickRoutingTests
{
    [Fact]
    public void RouteOrder_LongestPrefixFirst_TiesAsSortReverse_DuplicatesOnce()
    {
        QuickPeer[] peers =
        [
            Peer("0.0.0.0/0", "10.0.0.0/8", "192.168.1.0/24"),
            Peer("::/0", "fd00::/64", "10.0.0.0/8", "10.9.9.9/32"),
        ];

        IReadOnlyList<IpPrefix> order = QuickRouting.RouteOrder(peers);

        // sort -nr -k 2 -t / on wg show allowed-ips: by length, then whole lines in reverse byte order.
        Assert.Equal(["fd00::/64", "10.9.9.9/32", "192.168.1.0/24", "10.0.0.0/8", "::/0", "0.0.0.0/0"], order.Select(p => p.ToString()));
    }

    [Fact]
    public void UnderlayMtu_PrefersTheRoutesOwnMtu()
    {
        int? mtu = QuickRouting.UnderlayMtu("10.9.0.1 dev ul src 10.9.0.2 uid 0 \n    cache expires 500sec mtu 1400 \n", _ => throw new InvalidOperationException());

        Assert.Equal(1400, mtu);
    }

    [Fact]
    public void UnderlayMtu_ElseTheDevicesMtu()
    {
        string? asked = null;
        int? mtu = QuickRouting.UnderlayMtu("10.9.0.1 via 10.0.0.254 dev eth0 src 10.0.0.2 uid 0 \n    cache \n", dev =>
        {
            asked = dev;
            return "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc fq_codel state UP mode DEFAULT group default qlen 1000\n";
        });

        Assert.Equal("eth0", asked);
        Assert.Equal(9000, mtu);
    }

    [Fact]
    public void UnderlayMtu_NoRoute_IsNull() => Assert.Null(QuickRouting.UnderlayMtu("", _ => ""));

    [Theory]
    [InlineData(new[] { 1500, 9000 }, 0, 8920)]
    [InlineData(new int[0], 1400, 1320)]
    [InlineData(new int[0], 0, 1420)]
    public void TunnelMtu_IsTheLargestUnderlayLess80(int[] endpoints, int defaultRoute, int expected)
    {
        int mtu = QuickRouting.TunnelMtu(endpoints.Select(m => (int?)m), () => defaultRoute == 0 ? null : defaultRoute);

        Assert.Equal(expected, mtu);
    }

    [Fact]
    public void TunnelMtu_UnreachableEndpoints_FallBackToTheDefaultRoute()
    {
        Assert.Equal(1300, QuickRouting.TunnelMtu([null, null], () => 1380));
    }

    [Fact]
    public void InterfaceAddresses_ReadsIpDashO()
    {
        string output =
            "5: wg0    inet 10.0.0.2/24 scope global wg0\\       valid_lft forever preferred_lft forever\n" +
            "5: wg0    inet6 fd00::2/64 scope global \\       valid_lft forever preferred_lft forever\n" +
            "5: wg0    inet6 fe80::1234/64 scope link stable-privacy \\       valid_lft forever preferred_lft forever\n";

        Assert.Equal(["10.0.0.2", "fd00::2", "fe80::1234"], QuickRouting.InterfaceAddresses(output));
    }

    [Fact]
    public void PolicyRules_AreFoundByTableAndSuppressor()
    {
        const string Rules = "0:\tfrom all lookup local\n32764:\tfrom all lookup main suppress_prefixlength 0\n" +
            "32765:\tnot from all fwmark 0xca6c lookup 51820\n32766:\tfrom all lookup main\n";

        Assert.True(QuickRouting.HasTableRule(Rules, 51820));
        Assert.False(QuickRouting.HasTableRule(Rules, 5182));
        Assert.False(QuickRouting.HasTableRule("32765:\tnot from all fwmark 0x1 lookup 518201\n", 51820));
        Assert.True(QuickRouting.HasSuppressRule(Rules));
        Assert.False(QuickRouting.HasSuppressRule("0:\tfrom all lookup local\n"));
    }

    [Fact]
    public void FirewallScript_HasWgQuicksChainsAndRules_InHoltsTable()
    {
        string script = QuickFirewall.Script("ip", "wg0", 51820, ["10.0.0.2"]);

        Assert.Equal(
            """
            add table ip holt-quick-wg0
            add chain ip holt-quick-wg0 preraw { type filter hook prerouting priority -300; }
            add chain ip holt-quick-wg0 premangle { type filter hook prerouting priority -150; }
            add chain ip holt-quick-wg0 postmangle { type filter hook postrouting priority -150; }
            add rule ip holt-quick-wg0 preraw iifname != "wg0" ip daddr 10.0.0.2 fib saddr type != local drop
            add rule ip holt-quick-wg0 postmangle meta l4proto udp mark 51820 ct mark set mark
            add rule ip holt-quick-wg0 premangle meta l4proto udp meta mark set ct mark

            """.ReplaceLineEndings("\n"),
            script);
    }

    [Fact]
    public void FirewallDeleteScript_TakesOnlyThisInterfacesTables()
    {
        const string Tables = "table inet filter\ntable ip holt-quick-wg0\ntable ip6 holt-quick-wg0\ntable ip holt-quick-wg01\ntable ip wg-quick-wg0\n";

        Assert.Equal("delete table ip holt-quick-wg0\ndelete table ip6 holt-quick-wg0\n", QuickFirewall.DeleteScript(Tables, "wg0"));
        Assert.Null(QuickFirewall.DeleteScript("table inet filter\n", "wg0"));
    }

    [Theory]
    [InlineData(null, "wg0")]
    [InlineData("lo.inet*\nlo.dnsmasq\n# comment\ntun*\ntap*\n", "tun.wg0")]
    [InlineData("eth*\n", "eth.wg0")]
    public void ResolvconfRecord_TakesInterfaceOrdersFirstPrefixPattern(string? order, string expected)
    {
        Assert.Equal(expected, ResolvConf.RecordName("wg0", order));
    }

    [Fact]
    public void ResolvconfRecord_ListsNameserversThenSearch()
    {
        using QuickConfig config = QuickConfigParser.Parse("wg0.conf", "[Interface]\nDNS = 10.0.0.1, example.com, fd00::1, corp\n");

        Assert.Equal("nameserver 10.0.0.1\nnameserver fd00::1\nsearch example.com corp\n", ResolvConf.Record(config));
    }

    [Fact]
    public void UapiBody_SetsWhatTheFileHas_PeersReplaced()
    {
        using PrivateKey key = PrivateKey.Generate();
        using PrivateKey peerKey = PrivateKey.Generate();
        using PresharedKey psk = PresharedKey.Generate();
        string text = $"""
            [Interface]
            PrivateKey = {key.ToBase64()}
            FwMark = off
            [Peer]
            PublicKey = {peerKey.PublicKey.ToBase64()}
            PresharedKey = {psk.ToBase64()}
            Endpoint = [fd00::1]:51820
            PersistentKeepalive = 25
            AllowedIPs = 10.0.0.0/8, ::/0
            """;
        using QuickConfig config = QuickConfigParser.Parse("wg0.conf", text);
        var endpoints = new Dictionary<QuickPeer, IPEndPoint> { [config.Peers[0]] = new(IPAddress.Parse("fd00::1"), 51820) };

        string body = QuickUapi.SetBody(config, endpoints);

        Assert.Equal(
            $"private_key={key.ToHex()}\nfwmark=0\nreplace_peers=true\npublic_key={peerKey.PublicKey.ToHex()}\npreshared_key={psk.ToHex()}\n" +
            "endpoint=[fd00::1]:51820\npersistent_keepalive_interval=25\nreplace_allowed_ips=true\nallowed_ip=10.0.0.0/8\nallowed_ip=::/0\n",
            body);
    }

    private static QuickPeer Peer(params string[] allowedIps) => new()
    {
        Line = 1,
        PublicKey = default,
        AllowedIps = [.. allowedIps.Select(a => IpPrefix.TryParse(a, out IpPrefix p) ? p : throw new FormatException(a))],
    };
}
