using Holt.Guard;
using Holt.Nft;

namespace Holt.Tests.Guard;

/// <summary>Which transactions on the ban table the guard's keeper may pass over: its own bans, and nothing else.</summary>
public sealed class BanTableTests
{
    [Fact]
    public void ElementsAddedAndDeleted_ByAnNftOfItsOwn_AreItsOwnBans()
    {
        BanTable.RememberCommitter(4_000_001);

        Assert.True(BanTable.IsOwnBans(Transaction(4_000_001, NftChanges.NewElement | NftChanges.DeletedElement)));
        Assert.True(BanTable.IsOwnBans(Transaction(4_000_001, NftChanges.NewElement)));
    }

    [Theory]
    [InlineData(4_000_002, (int)NftChanges.NewChain, false)]
    [InlineData(4_000_002, (int)(NftChanges.DeletedRule | NftChanges.DeletedElement), false)]
    [InlineData(4_000_002, (int)NftChanges.None, true)]
    [InlineData(4_000_003, (int)NftChanges.DeletedElement, false)]
    [InlineData(0, (int)NftChanges.NewElement, false)]
    public void AnythingElse_IsLookedAt(int processId, int changes, bool removed)
    {
        BanTable.RememberCommitter(4_000_002);

        Assert.False(BanTable.IsOwnBans(Transaction(processId, (NftChanges)changes, removed)));
    }

    private static NftTransaction Transaction(int processId, NftChanges changes, bool removed = false) =>
        new(7, processId, "nft", [new NftTableChange(NftFamily.Inet, BanTable.Table, changes, removed, 3)]);
}
