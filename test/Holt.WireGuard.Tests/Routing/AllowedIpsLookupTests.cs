using System.Net;
using Holt.WireGuard.Routing;

namespace Holt.WireGuard.Tests.Routing;

/// <summary>Longest-prefix matching: which owner answers for an address.</summary>
public sealed class AllowedIpsLookupTests
{
    private readonly AllowedIps<Owner> _table = new();
    private readonly Owner _a = new("a");
    private readonly Owner _b = new("b");
    private readonly Owner _c = new("c");

    private static IPNetwork Net(string text) => IPNetwork.Parse(text);

    private static IPAddress Ip(string text) => IPAddress.Parse(text);

    private static void AssertPrefixes(IReadOnlyList<IPNetwork> actual, params string[] expected) =>
        Assert.Equal(expected, actual.Select(n => n.ToString()));

    [Fact]
    public void Lookup_EmptyTable_ReturnsNull()
    {
        Assert.Null(_table.Lookup(Ip("10.0.0.1")));
        Assert.Null(_table.Lookup(Ip("fd00::1")));
        Assert.Equal(0, _table.Count);
    }

    [Fact]
    public void Lookup_AddressInsidePrefix_ReturnsOwner()
    {
        _table.Insert(Net("10.0.0.0/24"), _a);

        Assert.Same(_a, _table.Lookup(Ip("10.0.0.0")));
        Assert.Same(_a, _table.Lookup(Ip("10.0.0.77")));
        Assert.Same(_a, _table.Lookup(Ip("10.0.0.255")));
        Assert.Null(_table.Lookup(Ip("10.0.1.0")));
        Assert.Null(_table.Lookup(Ip("9.255.255.255")));
    }

    [Fact]
    public void Lookup_NestedPrefixes_ReturnsLongestMatch()
    {
        _table.Insert(Net("10.0.0.0/8"), _a);
        _table.Insert(Net("10.1.0.0/16"), _b);
        _table.Insert(Net("10.1.2.0/24"), _c);

        Assert.Same(_a, _table.Lookup(Ip("10.2.0.1")));
        Assert.Same(_b, _table.Lookup(Ip("10.1.3.1")));
        Assert.Same(_c, _table.Lookup(Ip("10.1.2.200")));
        Assert.Null(_table.Lookup(Ip("11.0.0.0")));
    }

    [Fact]
    public void Lookup_NestedPrefixesInsertedLongestFirst_ReturnsLongestMatch()
    {
        _table.Insert(Net("10.1.2.0/24"), _c);
        _table.Insert(Net("10.1.0.0/16"), _b);
        _table.Insert(Net("10.0.0.0/8"), _a);

        Assert.Same(_a, _table.Lookup(Ip("10.2.0.1")));
        Assert.Same(_b, _table.Lookup(Ip("10.1.3.1")));
        Assert.Same(_c, _table.Lookup(Ip("10.1.2.200")));
    }

    [Fact]
    public void Lookup_SiblingPrefixes_ReturnEachOwner()
    {
        _table.Insert(Net("192.168.4.0/24"), _a);
        _table.Insert(Net("192.168.5.0/24"), _b);

        Assert.Same(_a, _table.Lookup(Ip("192.168.4.9")));
        Assert.Same(_b, _table.Lookup(Ip("192.168.5.9")));
        Assert.Null(_table.Lookup(Ip("192.168.6.9")));
    }

    [Fact]
    public void Lookup_IPv4DefaultRoute_MatchesEverythingIPv4Only()
    {
        _table.Insert(Net("0.0.0.0/0"), _a);
        _table.Insert(Net("172.16.0.0/12"), _b);

        Assert.Same(_a, _table.Lookup(Ip("0.0.0.0")));
        Assert.Same(_a, _table.Lookup(Ip("255.255.255.255")));
        Assert.Same(_b, _table.Lookup(Ip("172.31.0.1")));
        Assert.Null(_table.Lookup(Ip("::")));
        Assert.Null(_table.Lookup(Ip("2001:db8::1")));
    }

    [Fact]
    public void Lookup_IPv6DefaultRoute_MatchesEverythingIPv6Only()
    {
        _table.Insert(Net("::/0"), _a);

        Assert.Same(_a, _table.Lookup(Ip("::")));
        Assert.Same(_a, _table.Lookup(Ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        Assert.Null(_table.Lookup(Ip("10.0.0.1")));
    }

    [Fact]
    public void Lookup_HostRoutes_MatchOnlyThatAddress()
    {
        _table.Insert(Net("10.0.0.1/32"), _a);
        _table.Insert(Net("fd00::1/128"), _b);
        _table.Insert(Net("10.0.0.0/31"), _c);

        Assert.Same(_a, _table.Lookup(Ip("10.0.0.1")));
        Assert.Same(_c, _table.Lookup(Ip("10.0.0.0")));
        Assert.Null(_table.Lookup(Ip("10.0.0.2")));
        Assert.Same(_b, _table.Lookup(Ip("fd00::1")));
        Assert.Null(_table.Lookup(Ip("fd00::")));
        Assert.Null(_table.Lookup(Ip("fd00::2")));
    }

    [Fact]
    public void Lookup_IPv6PrefixesAcrossWordBoundary_ReturnLongestMatch()
    {
        _table.Insert(Net("2001:db8::/32"), _a);
        _table.Insert(Net("2001:db8:0:1::/64"), _b);
        _table.Insert(Net("2001:db8:0:1:8000::/65"), _c);

        Assert.Same(_a, _table.Lookup(Ip("2001:db8:1::1")));
        Assert.Same(_b, _table.Lookup(Ip("2001:db8:0:1:7fff::1")));
        Assert.Same(_c, _table.Lookup(Ip("2001:db8:0:1:8000::1")));
        Assert.Null(_table.Lookup(Ip("2001:db9::1")));
    }

    [Fact]
    public void Lookup_IPv4MappedIPv6Address_IsNotConvertedToIPv4()
    {
        _table.Insert(Net("10.0.0.0/8"), _a);
        _table.Insert(Net("::ffff:0:0/96"), _b);

        Assert.Same(_b, _table.Lookup(Ip("::ffff:10.0.0.1")));
        Assert.Same(_a, _table.Lookup(Ip("10.0.0.1")));
    }

    [Fact]
    public void Lookup_SameBitsInBothFamilies_KeepsFamiliesApart()
    {
        // 10.0.0.0/8 and 0a00::/8 start with the same bits.
        _table.Insert(Net("10.0.0.0/8"), _a);
        _table.Insert(Net("a00::/8"), _b);

        Assert.Same(_a, _table.Lookup(Ip("10.1.2.3")));
        Assert.Same(_b, _table.Lookup(Ip("a01::1")));
        AssertPrefixes(_table.PrefixesOf(_a), "10.0.0.0/8");
        AssertPrefixes(_table.PrefixesOf(_b), "a00::/8");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(17)]
    public void Lookup_SpanOfWrongLength_ReturnsNull(int length)
    {
        _table.Insert(Net("0.0.0.0/0"), _a);
        _table.Insert(Net("::/0"), _a);

        Assert.Null(_table.Lookup(new byte[length]));
    }

    [Fact]
    public void Lookup_Span_MatchesIPAddressOverload()
    {
        _table.Insert(Net("198.51.100.0/24"), _a);
        _table.Insert(Net("2001:db8::/48"), _b);

        Assert.Same(_a, _table.Lookup([198, 51, 100, 20]));
        byte[] v6 = Ip("2001:db8::99").GetAddressBytes();
        Assert.Same(_b, _table.Lookup(v6.AsSpan()));
    }

    [Fact]
    public void Lookup_WarmTable_DoesNotAllocate()
    {
        _table.Insert(Net("10.0.0.0/8"), _a);
        _table.Insert(Net("10.1.2.0/24"), _b);
        _table.Insert(Net("2001:db8::/32"), _c);
        byte[] v4 = [10, 1, 2, 3];
        byte[] v6 = Ip("2001:db8::1").GetAddressBytes();
        Owner? last = null;
        for (int i = 0; i < 100; i++)
        {
            last = _table.Lookup(v4) ?? _table.Lookup(v6);
        }

        // The least of several rounds: the runtime may allocate on this thread now and then as it recompiles the
        // lookup at a higher tier, but an allocation per lookup would show in every round.
        long least = long.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++)
            {
                last = _table.Lookup(v4);
                last = _table.Lookup(v6) ?? last;
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Same(_c, last);
        Assert.Equal(0, least);
    }
}
