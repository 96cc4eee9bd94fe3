using Holt.Text;

namespace Holt.Tests.Text;

public sealed class FormatTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, "now")]
    [InlineData(-5, "now")]
    [InlineData(9, "in 9s")]
    [InlineData(60, "in 1m")]
    [InlineData(250, "in 4m 10s")]
    [InlineData(3600, "in 1h")]
    [InlineData(86399, "in 23h 59m")]
    [InlineData(86400, "in 1d")]
    [InlineData(3 * 86400 + 4 * 3600 + 59, "in 3d 4h")]
    [InlineData(57 * 86400 + 3600, "in 57d")]
    [InlineData(30 * 86400 - 1, "in 30d")]
    [InlineData(7 * 86400 - 1, "in 6d 23h")]
    public void Until_ReadsAsARemainingTime(long seconds, string text) =>
        Assert.Equal(text, Format.Until(s_now.AddSeconds(seconds), s_now));

    [Fact]
    public void Until_RoundsAFractionShort_ToTheWholeSecond() =>
        Assert.Equal("in 30d", Format.Until(s_now.AddDays(30), s_now.AddMilliseconds(250)));
}
