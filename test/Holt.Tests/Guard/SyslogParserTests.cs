using Holt.Guard;

namespace Holt.Tests.Guard;

public sealed class SyslogParserTests
{
    [Fact]
    public void Rfc3339Line_IsSplitIntoItsFields()
    {
        LogLine line = SyslogParser.Parse("2026-11-24T01:02:03.456789+01:00 gw sshd[812]: Failed password for root from 203.0.113.5 port 4000 ssh2", 2000)!;

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 0, 2, 3, TimeSpan.Zero).AddTicks(4567890), line.Time.ToUniversalTime());
        Assert.Equal("gw", line.Host);
        Assert.Equal("sshd", line.Program);
        Assert.Equal(812, line.Pid);
        Assert.Equal("Failed password for root from 203.0.113.5 port 4000 ssh2", line.Message);
    }

    [Fact]
    public void ClassicLine_TakesTheGivenYear_AndSingleDigitDays()
    {
        LogLine line = SyslogParser.Parse("Nov  4 01:02:03 gw sshd-session[9]: Accepted publickey for a from ::1 port 1 ssh2", 2025)!;

        Assert.Equal(2025, line.Time.Year);
        Assert.Equal(11, line.Time.Month);
        Assert.Equal(4, line.Time.Day);
        Assert.Equal("sshd-session", line.Program);
        Assert.Equal(9, line.Pid);
    }

    [Fact]
    public void ProgramWithoutPid_HasPidZero()
    {
        LogLine line = SyslogParser.Parse("2026-11-24T01:02:03+00:00 gw CRON: hello: world", 2026)!;

        Assert.Equal("CRON", line.Program);
        Assert.Equal(0, line.Pid);
        Assert.Equal("hello: world", line.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("Foo 24 01:02:03 gw sshd[1]: x")]
    [InlineData("Feb 30 01:02:03 gw sshd[1]: x")]
    [InlineData("Nov 24 25:02:03 gw sshd[1]: x")]
    [InlineData("2026-13-24T01:02:03+00:00 gw sshd[1]: x")]
    [InlineData("2026-11-24T01:02:03+00:00 gw sshd[x1]: x")]
    [InlineData("2026-11-24T01:02:03+00:00 gw sshd[1] x")]
    [InlineData("2026-11-24T01:02:03+00:00 gw")]
    public void NotASyslogLine_IsNull(string text)
    {
        Assert.Null(SyslogParser.Parse(text, 2026));
    }

    [Theory]
    [InlineData("2026-11-24T01:02:03Z", "2026-11-24T01:02:03.0000000+00:00")]
    [InlineData("2026-11-24T01:02:03.5-05:30", "2026-11-24T06:32:03.5000000+00:00")]
    [InlineData("2026-11-24T01:02:03.123456789+00:00", "2026-11-24T01:02:03.1234567+00:00")]
    [InlineData("2024-02-29T23:59:60+00:00", "2024-02-29T23:59:59.0000000+00:00")]
    public void Rfc3339_FractionsAndOffsets(string text, string utc)
    {
        Assert.True(SyslogParser.TryParseRfc3339(text, out DateTimeOffset time));
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), time);
    }

    [Theory]
    [InlineData("2026-11-24T01:02:03")]
    [InlineData("2026-11-24T01:02:03.+00:00")]
    [InlineData("2025-02-29T01:02:03Z")]
    [InlineData("2026-11-24T24:02:03Z")]
    [InlineData("2026-11-24T01:02:03+0100")]
    [InlineData("2026-11-24T01:02:03+25:00")]
    [InlineData("0000-11-24T01:02:03Z")]
    [InlineData("2026-1x-24T01:02:03Z")]
    public void Rfc3339_Malformed_IsRefused(string text)
    {
        Assert.False(SyslogParser.TryParseRfc3339(text, out _));
    }

    [Fact]
    public void RandomText_NeverThrows()
    {
        var random = new Random(6);
        const string Alphabet = "0123456789-T:+. []abcNovsshd\t";
        for (int i = 0; i < 20_000; i++)
        {
            char[] chars = new char[random.Next(0, 60)];
            for (int j = 0; j < chars.Length; j++)
            {
                chars[j] = Alphabet[random.Next(Alphabet.Length)];
            }

            _ = SyslogParser.Parse(new string(chars), 2026);
        }
    }
}
