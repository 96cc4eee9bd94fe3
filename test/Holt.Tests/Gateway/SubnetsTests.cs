using Holt.Config;
using System.Net;
using Holt.Gateway;

namespace Holt.Tests.Gateway;

public sealed class SubnetsTests
{
    [Theory]
    [InlineData("10.8.0.0/24", "10.8.0.0/24")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("192.168.7.4/30", "192.168.7.4/30")]
    [InlineData("fd42:1::/64", "fd42:1::/64")]
    [InlineData("FD42:0001:0000::/64", "fd42:1::/64")]
    [InlineData("::/0", "::/0")]
    public void TryParseNetwork_Cidr_IsAccepted(string text, string canonical)
    {
        Assert.Null(Subnets.TryParseNetwork(text, out IPNetwork network));
        Assert.Equal(canonical, network.ToString());
    }

    [Theory]
    [InlineData("10.8.0.1/24", "'10.8.0.1/24' has host bits set; the network is 10.8.0.0/24")]
    [InlineData("10.8.7.9/16", "'10.8.7.9/16' has host bits set; the network is 10.8.0.0/16")]
    [InlineData("192.168.1.5/30", "'192.168.1.5/30' has host bits set; the network is 192.168.1.4/30")]
    [InlineData("fd42:1::1/64", "'fd42:1::1/64' has host bits set; the network is fd42:1::/64")]
    [InlineData("fd42:1:2:3:4::/48", "'fd42:1:2:3:4::/48' has host bits set; the network is fd42:1:2::/48")]
    [InlineData("10.8.0.0", "'10.8.0.0' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData("10.8.0.0/33", "'10.8.0.0/33' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData("10.8.0.0/-1", "'10.8.0.0/-1' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData("fd00::/129", "'fd00::/129' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData("vpn/24", "'vpn/24' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData("", "'' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData("/24", "'/24' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData(" 10.8.0.0/24", "' 10.8.0.0/24' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    public void TryParseNetwork_NotACanonicalCidr_IsExplained(string text, string problem)
    {
        Assert.Equal(problem, Subnets.TryParseNetwork(text, out _));
    }

    [Theory]
    [InlineData("10.8/16")]
    [InlineData("10.8.0.0/24 ")]
    [InlineData("10.8.0.0/+24")]
    [InlineData("10.8.0.0//24")]
    [InlineData("fe80::%eth0/64")]
    public void TryParseNetwork_OddForms_AreRefused(string text)
    {
        Assert.NotNull(Subnets.TryParseNetwork(text, out _));
    }

    [Theory]
    [InlineData("10.8.0.0/24", "10.8.0.1", null)]
    [InlineData("10.8.0.0/24", "10.8.0.254", null)]
    [InlineData("10.8.0.0/24", "10.8.0.0", "10.8.0.0 is the network address of 10.8.0.0/24")]
    [InlineData("10.8.0.0/24", "10.8.0.255", "10.8.0.255 is the broadcast address of 10.8.0.0/24")]
    [InlineData("10.8.0.0/24", "10.8.1.1", "10.8.1.1 is outside the subnet 10.8.0.0/24")]
    [InlineData("10.8.0.0/24", "fd00::1", "fd00::1 is outside the subnet 10.8.0.0/24")]
    [InlineData("10.8.0.0/30", "10.8.0.2", null)]
    [InlineData("10.8.0.0/30", "10.8.0.3", "10.8.0.3 is the broadcast address of 10.8.0.0/30")]
    [InlineData("fd00::/64", "fd00::ffff:ffff:ffff:ffff", null)]
    [InlineData("fd00::/64", "fd00::", "fd00:: is the network address of fd00::/64")]
    [InlineData("fd00::/64", "10.8.0.1", "10.8.0.1 is outside the subnet fd00::/64")]
    public void HostProblem_Table(string network, string address, string? problem)
    {
        Assert.Equal(problem, Subnets.HostProblem(IPNetwork.Parse(network), IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("10.8.0.0/24", 1, "10.8.0.1")]
    [InlineData("10.8.0.0/16", 256, "10.8.1.0")]
    [InlineData("fd00::/64", 1, "fd00::1")]
    [InlineData("fd00::/64", 65536, "fd00::1:0")]
    public void HostAt_AndIndexOf_AreInverse(string network, int index, string address)
    {
        IPNetwork subnet = IPNetwork.Parse(network);

        Assert.Equal(IPAddress.Parse(address), Subnets.HostAt(subnet, (UInt128)index));
        Assert.Equal((UInt128)index, Subnets.IndexOf(subnet, IPAddress.Parse(address)));
    }

    [Fact]
    public void FirstFree_EmptySubnet_IsTheFirstHost()
    {
        Assert.Equal(IPAddress.Parse("10.8.0.1"), Subnets.FirstFree(IPNetwork.Parse("10.8.0.0/24"), Taken()));
    }

    [Fact]
    public void FirstFree_SkipsTakenAddresses()
    {
        IReadOnlySet<IPAddress> taken = Taken("10.8.0.1", "10.8.0.2", "10.8.0.4");

        Assert.Equal(IPAddress.Parse("10.8.0.3"), Subnets.FirstFree(IPNetwork.Parse("10.8.0.0/24"), taken));
    }

    [Fact]
    public void FirstFree_NeverHandsOutTheBroadcastAddress()
    {
        IReadOnlySet<IPAddress> taken = Taken(Enumerable.Range(1, 253).Select(i => $"10.8.0.{i}").ToArray());

        Assert.Equal(IPAddress.Parse("10.8.0.254"), Subnets.FirstFree(IPNetwork.Parse("10.8.0.0/24"), taken));
        Assert.Null(Subnets.FirstFree(IPNetwork.Parse("10.8.0.0/24"), Taken([.. Enumerable.Range(1, 254).Select(i => $"10.8.0.{i}")])));
    }

    [Fact]
    public void FirstFree_FullSlash30_IsNull()
    {
        Assert.Null(Subnets.FirstFree(IPNetwork.Parse("10.8.0.0/30"), Taken("10.8.0.1", "10.8.0.2")));
    }

    [Fact]
    public void FirstFree_V6_PrefersTheV4Index()
    {
        IPNetwork subnet6 = IPNetwork.Parse("fd42:1::/64");

        Assert.Equal(IPAddress.Parse("fd42:1::7"), Subnets.FirstFree(subnet6, Taken("fd42:1::1"), preferredIndex: 7));
    }

    [Fact]
    public void FirstFree_PreferredIndexTaken_FallsBackToTheFirstFree()
    {
        IPNetwork subnet6 = IPNetwork.Parse("fd42:1::/64");

        Assert.Equal(IPAddress.Parse("fd42:1::2"), Subnets.FirstFree(subnet6, Taken("fd42:1::1", "fd42:1::7"), preferredIndex: 7));
    }

    [Fact]
    public void FirstFree_PreferredIndexOutsideTheSubnet_IsIgnored()
    {
        Assert.Equal(IPAddress.Parse("fd00::1"), Subnets.FirstFree(IPNetwork.Parse("fd00::/126"), Taken(), preferredIndex: 9));
        Assert.Equal(IPAddress.Parse("fd00::1"), Subnets.FirstFree(IPNetwork.Parse("fd00::/126"), Taken(), preferredIndex: 0));
    }

    [Fact]
    public void FirstFree_V6_MayUseTheLastAddress()
    {
        // IPv6 has no broadcast address: a /126 has hosts ::1, ::2 and ::3.
        Assert.Equal(IPAddress.Parse("fd00::3"), Subnets.FirstFree(IPNetwork.Parse("fd00::/126"), Taken("fd00::1", "fd00::2")));
        Assert.Null(Subnets.FirstFree(IPNetwork.Parse("fd00::/126"), Taken("fd00::1", "fd00::2", "fd00::3")));
    }

    private static HashSet<IPAddress> Taken(params string[] addresses) => addresses.Select(IPAddress.Parse).ToHashSet();
}
