using Holt.Gateway;

namespace Holt.Tests.Gateway;

public sealed class ExpiryAndPeerNameTests
{
    private static readonly DateTimeOffset s_now = new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero).AddTicks(1234567);

    [Theory]
    [InlineData("90min", "2026-03-10T13:30:00Z")]
    [InlineData("1min", "2026-03-10T12:01:00Z")]
    [InlineData("12h", "2026-03-11T00:00:00Z")]
    [InlineData("30d", "2026-04-09T12:00:00Z")]
    [InlineData("2w", "2026-03-24T12:00:00Z")]
    [InlineData("1mo", "2026-04-10T12:00:00Z")]
    [InlineData("12mo", "2027-03-10T12:00:00Z")]
    [InlineData("1y", "2027-03-10T12:00:00Z")]
    [InlineData("100y", "2126-03-10T12:00:00Z")]
    [InlineData("2026-12-31", "2026-12-31T00:00:00Z")]
    [InlineData("2026-12-31T18:00:00Z", "2026-12-31T18:00:00Z")]
    public void Parse_DurationOrDate_IsAUtcTimeInWholeSeconds(string text, string expected)
    {
        DateTimeOffset expires = Expiry.Parse(text, s_now);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), expires);
        Assert.Equal(TimeSpan.Zero, expires.Offset);
        Assert.Equal(0, expires.Ticks % TimeSpan.TicksPerSecond);
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("0d")]
    [InlineData("-1d")]
    [InlineData("1.5d")]
    [InlineData("30")]
    [InlineData("30s")]
    [InlineData("30D")]
    [InlineData(" 30d")]
    [InlineData("30 d")]
    [InlineData("100001d")]
    [InlineData("101y")]
    [InlineData("1300mo")]
    [InlineData("52596001min")]
    [InlineData("1M")]
    [InlineData("1mon")]
    [InlineData("1yr")]
    [InlineData("min")]
    [InlineData("99999999999999999999d")]
    [InlineData("2026-13-01")]
    [InlineData("2026-02-30")]
    [InlineData("31.12.2026")]
    [InlineData("2026-12-31T18:00:00")]
    [InlineData("2026-12-31 18:00:00Z")]
    [InlineData("2026-12-31T18:00:00+02:00")]
    [InlineData("tomorrow")]
    [InlineData("never")]
    public void Parse_Garbage_IsOneLineNamingTheValue(string text)
    {
        CommandException error = Assert.Throws<CommandException>(() => Expiry.Parse(text, s_now));

        Assert.Equal($"--expires: '{text}' is not a duration (90min, 12h, 30d, 2w, 6mo, 1y) or a date (2026-12-31 or 2026-12-31T18:00:00Z)", error.Message);
    }

    [Theory]
    [InlineData("1m", "--expires: '1m' could be minutes or months: write 1min or 1mo")]
    [InlineData("90m", "--expires: '90m' could be minutes or months: write 90min or 90mo")]
    public void Parse_BareM_IsRefusedWithAHint(string text, string message)
    {
        CommandException error = Assert.Throws<CommandException>(() => Expiry.Parse(text, s_now));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Parse_MonthsFollowTheCalendar()
    {
        var endOfJanuary = new DateTimeOffset(2027, 1, 31, 9, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2027, 2, 28, 9, 0, 0, TimeSpan.Zero), Expiry.Parse("1mo", endOfJanuary));
        Assert.Equal(new DateTimeOffset(2029, 2, 28, 9, 0, 0, TimeSpan.Zero), Expiry.Parse("1y", new DateTimeOffset(2028, 2, 29, 9, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("2020-01-01", "--expires: 2020-01-01T00:00:00Z is not in the future")]
    [InlineData("2026-03-10", "--expires: 2026-03-10T00:00:00Z is not in the future")]
    [InlineData("2026-03-10T12:00:00Z", "--expires: 2026-03-10T12:00:00Z is not in the future")]
    public void Parse_DateAlreadyPast_IsRefused(string text, string message)
    {
        CommandException error = Assert.Throws<CommandException>(() => Expiry.Parse(text, s_now));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Parse_ControlCharacters_AreShownAsQuestionMarks()
    {
        CommandException error = Assert.Throws<CommandException>(() => Expiry.Parse("1d\n2d", s_now));

        Assert.StartsWith("--expires: '1d?2d' ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("laptop")]
    [InlineData("a")]
    [InlineData("9")]
    [InlineData("Alice.Phone_2-old")]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345")]
    public void PeerName_Valid_HasNoProblem(string name)
    {
        Assert.Null(PeerName.Problem(name));
    }

    [Theory]
    [InlineData("", "a peer name cannot be empty")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456", "peer name 'abcdefghijklmnopqrstuvwxyz0123456' is longer than 32 characters")]
    [InlineData("-laptop", "invalid peer name '-laptop': use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit")]
    [InlineData(".hidden", "invalid peer name '.hidden': use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit")]
    [InlineData("my laptop", "invalid peer name 'my laptop': use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit")]
    [InlineData("a/b", "invalid peer name 'a/b': use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit")]
    [InlineData("café", "invalid peer name 'café': use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit")]
    [InlineData("a\nb", "invalid peer name 'a?b': use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit")]
    public void PeerName_Invalid_IsExplained(string name, string problem)
    {
        Assert.Equal(problem, PeerName.Problem(name));
    }
}
