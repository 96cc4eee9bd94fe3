using System.Net;
using Holt.WireGuard.Routing;

namespace Holt.WireGuard.Tests.Routing;

/// <summary>Changing the table: masking, moves, removal by owner, enumeration and counting.</summary>
public sealed class AllowedIpsUpdateTests
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
    public void Insert_HostBitsSet_StoresMaskedPrefix()
    {
        _table.Insert(new IPNetwork(Ip("10.0.0.5"), 24), _a);
        _table.Insert(IPNetwork.Parse("fd00::1234/64"), _b);

        AssertPrefixes(_table.PrefixesOf(_a), "10.0.0.0/24");
        AssertPrefixes(_table.PrefixesOf(_b), "fd00::/64");
        Assert.Same(_a, _table.Lookup(Ip("10.0.0.200")));
        Assert.Same(_b, _table.Lookup(Ip("fd00::ffff")));
    }

    [Fact]
    public void Insert_HostBitsSetInText_IsTheSamePrefix()
    {
        // `wg set ... allowed-ips 10.0.0.5/24` names 10.0.0.0/24.
        _table.Insert(IPNetwork.Parse("10.0.0.5/24"), _a);
        _table.Insert(IPNetwork.Parse("10.0.0.0/24"), _a);

        Assert.Equal(1, _table.Count);
        AssertPrefixes(_table.PrefixesOf(_a), "10.0.0.0/24");
    }

    [Fact]
    public void Insert_SamePrefixOtherOwner_MovesPrefix()
    {
        _table.Insert(Net("10.0.0.0/24"), _a);
        _table.Insert(Net("10.0.1.0/24"), _a);
        _table.Insert(Net("10.0.0.0/24"), _b);

        Assert.Same(_b, _table.Lookup(Ip("10.0.0.1")));
        Assert.Same(_a, _table.Lookup(Ip("10.0.1.1")));
        AssertPrefixes(_table.PrefixesOf(_a), "10.0.1.0/24");
        AssertPrefixes(_table.PrefixesOf(_b), "10.0.0.0/24");
        Assert.Equal(2, _table.Count);
    }

    [Fact]
    public void Insert_OnlyPrefixMovesAway_PreviousOwnerHasNone()
    {
        _table.Insert(Net("fd00::/64"), _a);
        _table.Insert(Net("fd00::/64"), _b);

        Assert.Empty(_table.PrefixesOf(_a));
        Assert.False(_table.Remove(Net("fd00::/64"), _a));
        Assert.Same(_b, _table.Lookup(Ip("fd00::1")));
    }

    [Fact]
    public void Insert_SamePrefixSameOwner_IsIdempotent()
    {
        _table.Insert(Net("10.0.0.0/24"), _a);
        _table.Insert(Net("10.0.0.0/24"), _a);

        Assert.Equal(1, _table.Count);
        AssertPrefixes(_table.PrefixesOf(_a), "10.0.0.0/24");
    }

    [Fact]
    public void Insert_PrefixAtBranchPoint_TakesOwnershipOfThatPrefix()
    {
        // 10.0.0.0/23 first exists only as the branch between the two /24s.
        _table.Insert(Net("10.0.0.0/24"), _a);
        _table.Insert(Net("10.0.1.0/24"), _b);
        Assert.Null(_table.Lookup(Ip("10.0.2.1")));

        _table.Insert(Net("10.0.0.0/23"), _c);

        Assert.Equal(3, _table.Count);
        Assert.Same(_a, _table.Lookup(Ip("10.0.0.1")));
        Assert.Same(_b, _table.Lookup(Ip("10.0.1.1")));
        AssertPrefixes(_table.PrefixesOf(_c), "10.0.0.0/23");
        Assert.True(_table.Remove(Net("10.0.0.0/24"), _a));
        Assert.Same(_c, _table.Lookup(Ip("10.0.0.1")));
        Assert.True(_table.Remove(Net("10.0.1.0/24"), _b));
        Assert.Same(_c, _table.Lookup(Ip("10.0.1.1")));
    }

    [Fact]
    public void Insert_NullOwner_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => _table.Insert(Net("10.0.0.0/8"), null!));
    }

    [Fact]
    public void Remove_ByHoldingOwner_RemovesPrefix()
    {
        _table.Insert(Net("10.0.0.0/8"), _a);
        _table.Insert(Net("10.1.0.0/16"), _b);

        Assert.True(_table.Remove(Net("10.1.0.0/16"), _b));

        Assert.Same(_a, _table.Lookup(Ip("10.1.0.1")));
        Assert.Equal(1, _table.Count);
        Assert.Empty(_table.PrefixesOf(_b));
    }

    [Fact]
    public void Remove_ByOtherOwner_LeavesPrefix()
    {
        _table.Insert(Net("10.1.0.0/16"), _a);

        Assert.False(_table.Remove(Net("10.1.0.0/16"), _b));

        Assert.Same(_a, _table.Lookup(Ip("10.1.0.1")));
        Assert.Equal(1, _table.Count);
    }

    [Fact]
    public void Remove_PrefixNotInTable_ReturnsFalse()
    {
        _table.Insert(Net("10.0.0.0/8"), _a);
        _table.Insert(Net("10.1.0.0/16"), _a);
        _table.Insert(Net("10.2.0.0/16"), _a);

        // 10.0.0.0/14 exists only as a branch node between the two /16s.
        Assert.False(_table.Remove(Net("10.0.0.0/14"), _a));
        Assert.False(_table.Remove(Net("10.1.0.0/24"), _a));
        Assert.False(_table.Remove(Net("10.0.0.0/7"), _a));
        Assert.False(_table.Remove(Net("a00::/8"), _a));
        Assert.Equal(3, _table.Count);
        Assert.Same(_a, _table.Lookup(Ip("10.1.0.1")));
        Assert.Same(_a, _table.Lookup(Ip("10.2.0.1")));
    }

    [Fact]
    public void Remove_InnerPrefix_KeepsLongerAndShorterOnes()
    {
        _table.Insert(Net("10.0.0.0/8"), _a);
        _table.Insert(Net("10.1.0.0/16"), _b);
        _table.Insert(Net("10.1.2.0/24"), _c);
        _table.Insert(Net("10.1.128.0/24"), _c);

        Assert.True(_table.Remove(Net("10.1.0.0/16"), _b));

        Assert.Same(_c, _table.Lookup(Ip("10.1.2.3")));
        Assert.Same(_c, _table.Lookup(Ip("10.1.128.3")));
        Assert.Same(_a, _table.Lookup(Ip("10.1.3.3")));
    }

    [Fact]
    public void RemoveAll_RemovesEveryPrefixOfOwnerOnly()
    {
        _table.Insert(Net("10.0.0.0/8"), _a);
        _table.Insert(Net("10.1.0.0/16"), _b);
        _table.Insert(Net("10.1.2.0/24"), _a);
        _table.Insert(Net("fd00::/8"), _a);
        _table.Insert(Net("fd00:1::/32"), _b);

        _table.RemoveAll(_a);

        Assert.Empty(_table.PrefixesOf(_a));
        Assert.Equal(2, _table.Count);
        Assert.Same(_b, _table.Lookup(Ip("10.1.2.3")));
        Assert.Null(_table.Lookup(Ip("10.2.0.0")));
        Assert.Same(_b, _table.Lookup(Ip("fd00:1::1")));
        Assert.Null(_table.Lookup(Ip("fd00:2::1")));
    }

    [Fact]
    public void RemoveAll_UnknownOwner_ChangesNothing()
    {
        _table.Insert(Net("10.0.0.0/8"), _a);

        _table.RemoveAll(_b);

        Assert.Equal(1, _table.Count);
        Assert.Same(_a, _table.Lookup(Ip("10.0.0.1")));
    }

    [Fact]
    public void PrefixesOf_ReturnsIPv4ThenIPv6_ByAddressThenLength()
    {
        _table.Insert(Net("fd00::/64"), _a);
        _table.Insert(Net("10.0.0.0/24"), _a);
        _table.Insert(Net("2001:db8::/32"), _a);
        _table.Insert(Net("10.0.0.0/8"), _a);
        _table.Insert(Net("192.168.0.0/16"), _a);
        _table.Insert(Net("::/0"), _a);
        _table.Insert(Net("9.0.0.0/8"), _a);
        _table.Insert(Net("fd00::/8"), _a);
        _table.Insert(Net("1.2.3.4/32"), _b);

        AssertPrefixes(
            _table.PrefixesOf(_a),
            "9.0.0.0/8",
            "10.0.0.0/8",
            "10.0.0.0/24",
            "192.168.0.0/16",
            "::/0",
            "2001:db8::/32",
            "fd00::/8",
            "fd00::/64");
    }

    [Fact]
    public void PrefixesOf_UnknownOwner_IsEmpty()
    {
        Assert.Empty(_table.PrefixesOf(_a));
    }

    [Fact]
    public void Count_TracksInsertsMovesAndRemovals()
    {
        _table.Insert(Net("10.0.0.0/8"), _a);
        _table.Insert(Net("fd00::/8"), _a);
        _table.Insert(Net("10.0.0.0/8"), _b);
        Assert.Equal(2, _table.Count);

        _table.Remove(Net("fd00::/8"), _a);
        Assert.Equal(1, _table.Count);

        _table.Remove(Net("10.0.0.0/8"), _a);
        Assert.Equal(1, _table.Count);
    }

    [Fact]
    public void Clear_EmptiesTable()
    {
        _table.Insert(Net("0.0.0.0/0"), _a);
        _table.Insert(Net("::/0"), _b);

        _table.Clear();

        Assert.Equal(0, _table.Count);
        Assert.Null(_table.Lookup(Ip("10.0.0.1")));
        Assert.Null(_table.Lookup(Ip("fd00::1")));
        Assert.Empty(_table.PrefixesOf(_a));
        _table.Insert(Net("10.0.0.0/8"), _a);
        Assert.Same(_a, _table.Lookup(Ip("10.0.0.1")));
    }
    [Fact]
    public void Update_Replace_DropsOldPrefixes_AndMovesOthersPrefixes()
    {
        _table.Insert(Net("10.0.0.0/24"), _a);
        _table.Insert(Net("fd00::/64"), _a);
        _table.Insert(Net("10.1.0.0/16"), _b);

        _table.Update(_a, [Net("10.1.0.0/16"), Net("10.2.0.0/16")], replace: true);

        AssertPrefixes(_table.PrefixesOf(_a), "10.1.0.0/16", "10.2.0.0/16");
        AssertPrefixes(_table.PrefixesOf(_b));
        Assert.Null(_table.Lookup(Ip("10.0.0.1")));
        Assert.Null(_table.Lookup(Ip("fd00::1")));
        Assert.Same(_a, _table.Lookup(Ip("10.1.2.3")));
        Assert.Equal(2, _table.Count);
    }

    [Fact]
    public void Update_WithoutReplace_Adds()
    {
        _table.Insert(Net("10.0.0.0/24"), _a);
        _table.Update(_a, [Net("10.0.0.0/24"), Net("fd00::/64")], replace: false);

        AssertPrefixes(_table.PrefixesOf(_a), "10.0.0.0/24", "fd00::/64");
        Assert.Equal(2, _table.Count);
    }

    [Fact]
    public void Update_ReplaceWithNothing_RemovesAll()
    {
        _table.Insert(Net("10.0.0.0/24"), _a);
        _table.Update(_a, [], replace: true);

        AssertPrefixes(_table.PrefixesOf(_a));
        Assert.Equal(0, _table.Count);
    }

    [Fact]
    public void Update_Replace_ConcurrentReaderNeverSeesTheOwnerWithoutARoute()
    {
        _table.Insert(Net("10.0.0.0/24"), _a);
        byte[] address = Ip("10.0.0.1").GetAddressBytes();
        int misses = 0;
        long lookups = 0;
        using var done = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            while (!done.IsSet)
            {
                if (_table.Lookup(address) is null)
                {
                    Interlocked.Increment(ref misses);
                }

                Interlocked.Increment(ref lookups);
            }
        });
        reader.Start();
        SpinWait.SpinUntil(() => Interlocked.Read(ref lookups) > 1000);

        // Both prefixes cover the address; only a replacement published in two steps could lose it.
        for (int i = 0; i < 200_000 && Volatile.Read(ref misses) == 0; i++)
        {
            _table.Update(_a, [Net(i % 2 == 0 ? "10.0.0.0/25" : "10.0.0.0/24")], replace: true);
        }

        done.Set();
        reader.Join();
        Assert.Equal(0, misses);
    }
}
