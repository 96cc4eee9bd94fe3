using Holt.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Logging;

public sealed class RepeatFilterTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 22, 0, 0, TimeSpan.Zero));

    [Fact]
    public void AProblem_IsSaidOnce_ThenAgainOnlyAfterTheQuietTime()
    {
        var filter = new RepeatFilter(_time, TimeSpan.FromMinutes(10));

        Assert.True(filter.ShouldSay("disk full"));
        Assert.False(filter.ShouldSay("disk full"));
        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        Assert.False(filter.ShouldSay("disk full"));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.True(filter.ShouldSay("disk full"));
        Assert.False(filter.ShouldSay("disk full"));
    }

    [Fact]
    public void DistinctProblems_AreEachSaid()
    {
        var filter = new RepeatFilter(_time, TimeSpan.FromMinutes(10));

        Assert.True(filter.ShouldSay("disk full"));
        Assert.True(filter.ShouldSay("database locked"));
        Assert.False(filter.ShouldSay("database locked"));
        Assert.True(filter.ShouldSay("Disk full"));
    }

    [Fact]
    public void ManyDistinctProblems_MemoryStaysBounded_AndNothingIsSilencedForGood()
    {
        var filter = new RepeatFilter(_time, TimeSpan.FromMinutes(10));
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(filter.ShouldSay("problem " + i));
        }

        // The memory started over along the way; a problem it no longer holds is said again rather than lost.
        Assert.True(filter.ShouldSay("problem 0"));
        Assert.False(filter.ShouldSay("problem 999"));
    }
}
