using Holt.Config;
using Holt.Tests.Support;

namespace Holt.Tests.Config;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("90m", 5400)]
    [InlineData("12h", 43200)]
    [InlineData("30d", 2592000)]
    [InlineData("2w", 1209600)]
    [InlineData("5217w", 3155241600)]
    [InlineData("36525d", 3155760000)]
    public void Duration_IsRead(string text, long seconds)
    {
        Assert.True(DurationText.TryParse(text, "smhdw", out TimeSpan span));
        Assert.Equal(TimeSpan.FromSeconds(seconds), span);
    }

    [Theory]
    [InlineData("")]
    [InlineData("d")]
    [InlineData("0d")]
    [InlineData("-1d")]
    [InlineData("+1d")]
    [InlineData("1.5d")]
    [InlineData(" 1d")]
    [InlineData("1 d")]
    [InlineData("1D")]
    [InlineData("1y")]
    [InlineData("36526d")]
    [InlineData("5218w")]
    [InlineData("9999999w")]
    [InlineData("99999999999999999999d")]
    public void NotADuration_OrLongerThanACentury_IsRefused(string text)
    {
        Assert.False(DurationText.TryParse(text, "smhdw", out _));
    }

    [Fact]
    public void UnitsTheCallerDoesNotTake_AreRefused()
    {
        Assert.False(DurationText.TryParse("30s", "mhdw", out _));
        Assert.True(DurationText.TryParse("30m", "mhdw", out _));
    }

    [Fact]
    public void GuardBan_WithAHugeTime_FailsWithOneLine_BeforeTouchingNftables()
    {
        (int code, string output, string error) = HoltProcess.Run("guard", "ban", "203.0.113.9", "--time", "9999999w");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal("holt: --time: '9999999w' is not a duration from 1s to 366d (90m, 12h, 7d, 2w)", error.TrimEnd('\n'));
    }
}
