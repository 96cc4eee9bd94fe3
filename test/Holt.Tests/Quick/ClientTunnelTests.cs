using Holt.Quick;
using Holt.Uapi;
using Holt.WireGuard.Keys;

namespace Holt.Tests.Quick;

/// <summary>The steps of holt up and down against a recording machine: their order, their undo, their errors.</summary>
public class ClientTunnelTests
{
    private static readonly string s_peer = NewPublicKey();

    [Fact]
    public void Up_FullTunnel_FollowsWgQuicksOrder()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        // 51820 has a route already (another tunnel's), so the policy table is the next free one, as wg-quick picks it.
        system.Answer("ip -6 route show table 51820", "default dev other metric 1024\n");
        using QuickConfig config = Parse(FullTunnel);

        ClientTunnel.Up(config, "wg0", system);

        Assert.Equal(
        [
            "hook echo pre wg0",
            "engine wg0",
            $"configure wg0 private_key,replace_peers=true,public_key={PeerHex},endpoint=10.9.0.1:51820,replace_allowed_ips=true,allowed_ip=0.0.0.0/0,allowed_ip=::/0,allowed_ip=10.0.0.0/24",
            "ip -4 address add 10.0.0.2/24 dev wg0",
            "ip -6 address add fd00::2/64 dev wg0",
            "ip link set mtu 1420 up dev wg0",
            "resolvconf -a wg0 -m 0 -x",
            "ip -4 route add 10.0.0.0/24 dev wg0",
            "configure wg0 fwmark=51821",
            "ip -6 route add ::/0 dev wg0 table 51821",
            "ip -6 rule add not fwmark 51821 table 51821",
            "ip -6 rule add table main suppress_prefixlength 0",
            "nft -f -",
            "ip -4 route add 0.0.0.0/0 dev wg0 table 51821",
            "ip -4 rule add not fwmark 51821 table 51821",
            "ip -4 rule add table main suppress_prefixlength 0",
            "sysctl net.ipv4.conf.all.src_valid_mark=1",
            "nft -f -",
            "hook echo post wg0",
        ],
        Heads(system.Changes));
        Assert.Contains("resolvconf -a wg0 -m 0 -x <<nameserver 10.0.0.1\nsearch example.com\n", system.Steps);
        Assert.Contains(system.Steps, s => s.StartsWith("nft -f - <<add table ip holt-quick-wg0\n", StringComparison.Ordinal) &&
            s.Contains("preraw iifname != \"wg0\" ip daddr 10.0.0.2 fib saddr type != local drop", StringComparison.Ordinal) &&
            s.Contains("mark 51821 ct mark set mark", StringComparison.Ordinal));
    }

    [Fact]
    public void Up_PostUpFails_UndoesDnsFirewallRulesAndInterface()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        system.FailOn = "hook echo post wg0";
        system.Answer("nft list tables", "table ip holt-quick-wg0\ntable ip6 holt-quick-wg0\ntable inet filter\n");
        system.Answer("ip -4 rule show", RulesBoth, RulesSuppress, RulesSuppress, "");
        system.Answer("ip -6 rule show", "32765:\tnot from all fwmark 0xca6c lookup 51820\n", "");
        using QuickConfig config = Parse(FullTunnel);

        var error = Assert.Throws<CommandException>(() => ClientTunnel.Up(config, "wg0", system));

        Assert.Equal("wg0.conf:9: the PostUp hook failed with exit code 3", error.Message);
        IReadOnlyList<string> changes = system.Changes;
        Assert.Equal(
        [
            "hook echo post wg0",
            "resolvconf -d wg0 -f",
            "nft -f - <<delete table ip holt-quick-wg0\ndelete table ip6 holt-quick-wg0\n",
            "ip -4 rule delete table 51820",
            "ip -4 rule delete table main suppress_prefixlength 0",
            "ip -6 rule delete table 51820",
            "ip link delete dev wg0",
            "wait wg0",
        ],
        changes.SkipWhile(s => s != "hook echo post wg0"));
    }

    [Fact]
    public void Up_CommandFailsMidway_NamesTheCommandAndItsFirstErrorLine_AndDeletesTheInterface()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        system.FailOn = "ip -6 address add fd00::2/64 dev wg0";
        using QuickConfig config = Parse(FullTunnel);

        var error = Assert.Throws<CommandException>(() => ClientTunnel.Up(config, "wg0", system));

        Assert.Equal("ip -6 address add fd00::2/64 dev wg0: boom", error.Message);
        Assert.Equal(["ip -6 address add fd00::2/64 dev wg0", "ip link delete dev wg0", "wait wg0"], system.Changes.Skip(4));
    }

    [Fact]
    public void Up_Interrupted_StopsAtTheNextStep_AndUndoes()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        system.InterruptAfter = "ip -4 address add 10.0.0.2/24 dev wg0";
        using QuickConfig config = Parse(FullTunnel);

        var error = Assert.Throws<CommandException>(() => ClientTunnel.Up(config, "wg0", system));

        Assert.Equal("interrupted; what holt up did to wg0 has been undone", error.Message);
        Assert.Equal(["ip -4 address add 10.0.0.2/24 dev wg0", "ip link delete dev wg0", "wait wg0"], system.Changes.Skip(3));
    }

    [Fact]
    public void Up_InterruptedDuringTheLastHook_StillUndoes()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        system.InterruptAfter = "hook echo post wg0";
        using QuickConfig config = Parse(FullTunnel);

        Assert.Throws<CommandException>(() => ClientTunnel.Up(config, "wg0", system));

        Assert.Equal(["ip link delete dev wg0", "wait wg0"], system.Changes.TakeLast(2));
    }

    [Fact]
    public void Down_Interrupted_RunsToTheEnd()
    {
        var system = new FakeQuickSystem { InterfaceExists = true, InterruptAfter = "hook echo pre-down wg0" };
        using QuickConfig config = Parse(FullTunnel);

        ClientTunnel.Down(config, "wg0", system);

        Assert.Equal("hook echo post-down wg0", system.Changes[^1]);
    }

    [Fact]
    public void Up_EngineFailsToStart_LeavesNothingToUndo()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        system.FailOn = "engine wg0";
        using QuickConfig config = Parse(FullTunnel);

        Assert.Throws<CommandException>(() => ClientTunnel.Up(config, "wg0", system));

        Assert.Equal(["hook echo pre wg0", "engine wg0"], system.Changes);
    }

    [Fact]
    public void Up_DnsWithoutResolvconf_FailsBeforeAnyChange()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        system.Programs.Remove("resolvconf");
        using QuickConfig config = Parse(FullTunnel);

        var error = Assert.Throws<CommandException>(() => ClientTunnel.Up(config, "wg0", system));

        Assert.StartsWith("wg0.conf: DNS is set, but resolvconf is not installed", error.Message, StringComparison.Ordinal);
        Assert.Empty(system.Changes);
    }

    [Fact]
    public void Up_FullTunnelWithoutNft_FailsBeforeAnyChange()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        system.Programs.Remove("nft");
        using QuickConfig config = Parse(FullTunnel);

        Assert.Throws<CommandException>(() => ClientTunnel.Up(config, "wg0", system));

        Assert.Empty(system.Changes);
    }

    [Fact]
    public void Up_InterfaceExists_FailsBeforeAnyChange()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        system.InterfaceExists = true;
        using QuickConfig config = Parse(FullTunnel);

        var error = Assert.Throws<CommandException>(() => ClientTunnel.Up(config, "wg0", system));

        Assert.Equal("wg0 already exists", error.Message);
        Assert.Empty(system.Changes);
    }

    [Fact]
    public void Up_ExplicitTable_PutsEveryRouteThere_WithoutPolicyRouting()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        using QuickConfig config = Parse($"[Interface]\nTable = 1234\nMTU = 1300\n[Peer]\nPublicKey = {s_peer}\nAllowedIPs = 0.0.0.0/0, 10.1.0.0/16\n");

        ClientTunnel.Up(config, "wg0", system);

        Assert.Equal(
        [
            "ip link set mtu 1300 up dev wg0",
            "ip -4 route add 10.1.0.0/16 dev wg0 table 1234",
            "ip -4 route add 0.0.0.0/0 dev wg0 table 1234",
        ],
        system.Changes.Skip(2));
    }

    [Fact]
    public void Up_TableOff_AddsNoRoutes()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        using QuickConfig config = Parse($"[Interface]\nTable = off\n[Peer]\nPublicKey = {s_peer}\nAllowedIPs = 0.0.0.0/0, 10.1.0.0/16\n");

        ClientTunnel.Up(config, "wg0", system);

        Assert.DoesNotContain(system.Changes, s => s.Contains("route add", StringComparison.Ordinal) || s.Contains("rule", StringComparison.Ordinal));
    }

    [Fact]
    public void Up_RouteCoveredByTheInterfacesSubnet_IsNotAddedAgain()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        system.Answer("ip -4 route show dev wg0 match 10.0.0.3/32", "10.0.0.0/24 proto kernel scope link src 10.0.0.2\n");
        using QuickConfig config = Parse($"[Interface]\nAddress = 10.0.0.2/24\n[Peer]\nPublicKey = {s_peer}\nAllowedIPs = 10.0.0.3/32, 10.1.0.0/16\n");

        ClientTunnel.Up(config, "wg0", system);

        Assert.Equal("ip -4 route add 10.1.0.0/16 dev wg0", system.Changes[^1]);
        Assert.DoesNotContain("ip -4 route add 10.0.0.3/32 dev wg0", system.Changes);
    }

    [Fact]
    public void Up_FwMarkInTheFile_IsThePolicyTable()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        using QuickConfig config = Parse($"[Interface]\nFwMark = 0x1234\n[Peer]\nPublicKey = {s_peer}\nAllowedIPs = 0.0.0.0/0\n");

        ClientTunnel.Up(config, "wg0", system);

        Assert.Contains("ip -4 rule add not fwmark 4660 table 4660", system.Changes);
        // The file's mark went in with the rest; no second set chooses another.
        Assert.StartsWith("configure wg0 fwmark=4660,", Assert.Single(system.Changes, s => s.StartsWith("configure", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void Up_MtuFromTheEndpointsRoute_ElseTheDefaultRoute()
    {
        FakeQuickSystem jumbo = UnderlayWithMtu(9000);
        using QuickConfig withEndpoint = Parse($"[Interface]\n[Peer]\nPublicKey = {s_peer}\nEndpoint = 10.9.0.1:1\n");
        ClientTunnel.Up(withEndpoint, "wg0", jumbo);
        Assert.Contains("ip link set mtu 8920 up dev wg0", jumbo.Changes);

        var noEndpoint = new FakeQuickSystem();
        noEndpoint.Answer("ip route show default", "default via 10.9.0.254 dev ul mtu 1400 \n");
        using QuickConfig withoutEndpoint = Parse($"[Interface]\n[Peer]\nPublicKey = {s_peer}\n");
        ClientTunnel.Up(withoutEndpoint, "wg0", noEndpoint);
        Assert.Contains("ip link set mtu 1320 up dev wg0", noEndpoint.Changes);
    }

    [Fact]
    public void Up_EndpointName_IsResolvedAfterPreUp_BeforeTheEngine()
    {
        FakeQuickSystem system = UnderlayWithMtu(1500);
        using QuickConfig config = Parse($"[Interface]\nPreUp = true\n[Peer]\nPublicKey = {s_peer}\nEndpoint = vpn.example.com:51820\n");

        ClientTunnel.Up(config, "wg0", system);

        Assert.Equal(["hook true", "resolve vpn.example.com", "engine wg0"], system.Steps.Where(s => !s.StartsWith("ip", StringComparison.Ordinal)).Take(3));
        Assert.Contains(system.Steps, s => s.Contains(",endpoint=10.9.0.1:51820,", StringComparison.Ordinal));
    }

    [Fact]
    public void Down_FullTunnel_RulesInterfaceDnsFirewall_BetweenTheHooks()
    {
        var system = new FakeQuickSystem
        {
            InterfaceExists = true,
            Device = new DeviceStatus(0, 51820, null, [new PeerStatus(s_peer, null, null, null, 0, 0, 0, ["0.0.0.0/0", "::/0"])]),
        };
        system.Answer("ip -4 rule show", RulesBoth, RulesSuppress, RulesSuppress, "");
        system.Answer("ip -6 rule show", RulesBoth, RulesSuppress, RulesSuppress, "");
        system.Answer("nft list tables", "table ip holt-quick-wg0\n");
        using QuickConfig config = Parse(FullTunnel);

        ClientTunnel.Down(config, "wg0", system);

        Assert.Equal(
        [
            "hook echo pre-down wg0",
            "ip -4 rule delete table 51820",
            "ip -4 rule delete table main suppress_prefixlength 0",
            "ip -6 rule delete table 51820",
            "ip -6 rule delete table main suppress_prefixlength 0",
            "ip link delete dev wg0",
            "wait wg0",
            "resolvconf -d wg0 -f",
            "nft -f - <<delete table ip holt-quick-wg0\n",
            "hook echo post-down wg0",
        ],
        system.Changes);
    }

    [Fact]
    public void Down_ResolvconfFails_StillRemovesTheFirewallAndRunsPostDown()
    {
        var system = new FakeQuickSystem { InterfaceExists = true, FailOn = "resolvconf -d wg0 -f" };
        system.Answer("nft list tables", "table ip holt-quick-wg0\n");
        using QuickConfig config = Parse(FullTunnel);

        ClientTunnel.Down(config, "wg0", system);

        Assert.Equal(["resolvconf -d wg0 -f", "nft -f - <<delete table ip holt-quick-wg0\n", "hook echo post-down wg0"], system.Changes.TakeLast(3));
    }

    [Fact]
    public void Down_InterfaceNotRunning_FailsBeforeTheHooks()
    {
        var system = new FakeQuickSystem();
        using QuickConfig config = Parse(FullTunnel);

        var error = Assert.Throws<CommandException>(() => ClientTunnel.Down(config, "wg0", system));

        Assert.Equal("interface wg0 is not running", error.Message);
        Assert.Empty(system.Changes);
    }

    private static string FullTunnel => $"""
        [Interface]
        PrivateKey = {NewPrivateKey()}
        Address = 10.0.0.2/24, fd00::2/64
        DNS = 10.0.0.1, example.com
        PreUp = echo pre %i
        PreDown = echo pre-down %i
        PostDown = echo post-down %i
        # PostUp is line 9
        PostUp = echo post %i

        [Peer]
        PublicKey = {s_peer}
        Endpoint = 10.9.0.1:51820
        AllowedIPs = 0.0.0.0/0, ::/0, 10.0.0.0/24
        """;

    // ip rule show as the deletions go: both rules, then the suppressor alone, then neither.
    private const string RulesBoth = "32764:\tfrom all lookup main suppress_prefixlength 0\n32765:\tnot from all fwmark 0xca6c lookup 51820\n";
    private const string RulesSuppress = "32764:\tfrom all lookup main suppress_prefixlength 0\n";

    private static string PeerHex => Convert.ToHexStringLower(Convert.FromBase64String(s_peer));

    private static QuickConfig Parse(string text) => QuickConfigParser.Parse("wg0.conf", text);

    /// <summary>A machine whose route to 10.9.0.1 goes out of "ul" with the given MTU, and whose interface wg0 has 10.0.0.2 and fd00::2.</summary>
    private static FakeQuickSystem UnderlayWithMtu(int mtu)
    {
        var system = new FakeQuickSystem();
        system.Answer("ip route get 10.9.0.1", "10.9.0.1 dev ul src 10.9.0.2 uid 0 \n    cache \n");
        system.Answer("ip link show dev ul", $"2: ul@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu {mtu} qdisc noqueue state UP\n");
        system.Answer("ip -o -4 address show dev wg0", "7: wg0    inet 10.0.0.2/24 scope global wg0\\       valid_lft forever preferred_lft forever\n");
        system.Answer("ip -o -6 address show dev wg0", "7: wg0    inet6 fd00::2/64 scope global \\       valid_lft forever preferred_lft forever\n");
        return system;
    }

    private static IEnumerable<string> Heads(IEnumerable<string> steps) => steps.Select(s => s.Split(" <<")[0]);

    private static string NewPrivateKey()
    {
        using PrivateKey key = PrivateKey.Generate();
        return key.ToBase64();
    }

    private static string NewPublicKey()
    {
        using PrivateKey key = PrivateKey.Generate();
        return key.PublicKey.ToBase64();
    }
}
