using Holt.Nft;

namespace Holt.Tests.Nft;

/// <summary>Repairs: five at once, then one every ten seconds, and the wait until the next is said exactly.</summary>
public sealed class RepairBudgetTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ABurst_ThenOneEveryRefill()
    {
        var budget = new RepairBudget();
        for (int i = 0; i < RepairBudget.Burst; i++)
        {
            Assert.True(budget.TryTake(s_start));
        }

        Assert.False(budget.TryTake(s_start));
        Assert.Equal(RepairBudget.Refill, budget.Wait(s_start));
        Assert.False(budget.TryTake(s_start + RepairBudget.Refill - TimeSpan.FromMilliseconds(1)));
        Assert.True(budget.TryTake(s_start + RepairBudget.Refill));
        Assert.False(budget.TryTake(s_start + RepairBudget.Refill));
    }

    [Fact]
    public void AQuietWhile_RefillsTheWholeBurstAndNoMore()
    {
        var budget = new RepairBudget();
        for (int i = 0; i < RepairBudget.Burst; i++)
        {
            _ = budget.TryTake(s_start);
        }

        DateTimeOffset later = s_start + TimeSpan.FromHours(1);
        Assert.Equal(TimeSpan.Zero, budget.Wait(later));
        for (int i = 0; i < RepairBudget.Burst; i++)
        {
            Assert.True(budget.TryTake(later));
        }

        Assert.False(budget.TryTake(later));
    }
}
