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
    // Instants a DateTimeOffset cannot hold: refused, never thrown (a hostile line must not stop the guard).
    [InlineData("2026-01-01T00:00:00+20:00 gw sshd[1]: Failed password for root from 203.0.113.5 port 1 ssh2")]
    [InlineData("2026-01-01T00:00:00-2300 gw sshd[1]: x")]
    [InlineData("0001-01-01T00:00:00+05:00 gw sshd[1]: x")]
    [InlineData("9999-12-31T23:59:59.9-01:00 gw sshd[1]: x")]
    [InlineData("<38>1 2026-01-01T00:00:00+20:00 gw sshd 1 - - x")]
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

    [Theory]
    [InlineData("Mar  4 09:10:03 sshd[8103]: Invalid user x from 192.0.2.1", null, "sshd", 8103, "Invalid user x from 192.0.2.1")]
    [InlineData("Mar 4 09:10:03 nas sshd[8]: m", "nas", "sshd", 8, "m")]
    [InlineData("Mar 04 09:10:03 nas sshd[8]: m", "nas", "sshd", 8, "m")]
    [InlineData("Mar  4 09:10:13 [sshd]: User root from 192.0.2.1 not allowed", null, "sshd", 0, "User root from 192.0.2.1 not allowed")]
    [InlineData("Mar  4 09:10:14 [sshd] User root", null, "sshd", 0, "User root")]
    [InlineData("Mar  4 09:10:04 solarbox sshd[8104]: [ID 800047 auth.info] Failed password", "solarbox", "sshd", 8104, "Failed password")]
    [InlineData("Mar  4 09:10:04 solarbox sshd[8104]: [ID x auth.info] Failed", "solarbox", "sshd", 8104, "[ID x auth.info] Failed")]
    [InlineData("Mar  4 09:10:04 solarbox sshd[8104]: [ID 1234567890 auth.info] Failed", "solarbox", "sshd", 8104, "Failed")]
    [InlineData("<38>Mar  4 09:10:10 gw sshd[8110]: Failed", "gw", "sshd", 8110, "Failed")]
    [InlineData("Mar  4 09:03:50 oldbox sshd(pam_unix)[6101]: authentication failure; x", "oldbox", "sshd(pam_unix)", 6101, "authentication failure; x")]
    [InlineData("Mar  4 09:10:03 2001:db8:: sshd[1]: m", "2001:db8::", "sshd", 1, "m")]
    [InlineData("2026-03-04T09:10:02+0100 gw sshd[8102]: m", "gw", "sshd", 8102, "m")]
    [InlineData("2026-03-04 09:10:02 gw sshd[8102]: m", "gw", "sshd", 8102, "m")]
    [InlineData("2026-03-04T09:10:02.5 sshd[2]: m", null, "sshd", 2, "m")]
    [InlineData("<38>1 2026-03-04T09:10:08.954167-05:00 gw.example.org sshd 8108 - - Failed password", "gw.example.org", "sshd", 8108, "Failed password")]
    [InlineData("<38>1 2026-03-04T09:10:08Z - sshd - - - m", null, "sshd", 0, "m")]
    [InlineData("<38>1 2026-03-04T09:10:09.1Z gw sshd 8109 ID47 [a b=\"1\"][c@1 d=\"x ] \\\" y\"] Invalid user", "gw", "sshd", 8109, "Invalid user")]
    [InlineData("<38>1 2026-03-04T09:10:09Z gw sshd 9 - - \uFEFFbom", "gw", "sshd", 9, "bom")]
    public void OtherSyslogForms_AreSplitIntoTheirFields(string text, string? host, string program, int pid, string message)
    {
        LogLine line = SyslogParser.Parse(text, 2026)!;

        Assert.NotNull(line);
        Assert.Equal(host, line.Host);
        Assert.Equal(program, line.Program);
        Assert.Equal(pid, line.Pid);
        Assert.Equal(message, line.Message);
    }

    [Theory]
    [InlineData("2026-03-04T09:10:02+0100 gw sshd[1]: m", "2026-03-04T08:10:02+00:00")]
    [InlineData("2026-03-04T09:10:02-0530 gw sshd[1]: m", "2026-03-04T14:40:02+00:00")]
    [InlineData("<38>1 2026-03-04T09:10:08.5-05:00 gw sshd 1 - - m", "2026-03-04T14:10:08.5+00:00")]
    public void OtherSyslogForms_KeepTheirOffsets(string text, string utc)
    {
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), SyslogParser.Parse(text, 2000)!.Time);
    }

    [Theory]
    [InlineData("Mar  4 09:10:03 gw sshd[1]: m", true)]
    [InlineData("<38>Mar 4 09:10:03 gw sshd[1]: m", true)]
    [InlineData("2026-03-04T09:10:02Z gw sshd[1]: m", false)]
    [InlineData("<38>1 2026-03-04T09:10:08Z gw sshd 1 - - m", false)]
    public void ClassicTimestamps_SayTheyTookTheYear(string text, bool tookYear)
    {
        Assert.NotNull(SyslogParser.Parse(text, 2025, null, out bool took));
        Assert.Equal(tookYear, took);
    }

    [Theory]
    [InlineData("<38 Mar  4 09:10:03 gw sshd[1]: m")]
    [InlineData("<x>Mar  4 09:10:03 gw sshd[1]: m")]
    [InlineData("<38>1 2026-03-04T09:10:08Z gw sshd 1 - [a b=\"unterminated] m")]
    [InlineData("<38>1 2026-03-04T09:10:08Z gw sshd 1 - [a]x m")]
    [InlineData("<38>1 2026-03-04T09:10:08Z gw sshd x1 - - m")]
    [InlineData("<38>1 2026-03-04 09:10:08 gw sshd 1 - - m")]
    [InlineData("<38>1 2026-03-04T09:10:08Z gw - 1 - - m")]
    [InlineData("<38>1 2026-03-04T09:10:08Z gw sshd")]
    [InlineData("Mar 44 09:10:03 gw sshd[1]: m")]
    [InlineData("Mar  4 9:10:03 gw sshd[1]: m")]
    [InlineData("Mar  4 09:10:03 [] m")]
    [InlineData("Mar  4 09:10:03 [ss[hd] m")]
    [InlineData("2026-03-04T09:10:02+01 gw sshd[1]: m")]
    [InlineData("2026-03-04T09:10:02+01:0 gw sshd[1]: m")]
    public void MalformedOtherForms_AreNull(string text)
    {
        Assert.Null(SyslogParser.Parse(text, 2026));
    }

    [Fact]
    public void RandomText_NeverThrows()
    {
        var random = new Random(6);
        const string Alphabet = "0123456789-T:+. []abcNovsshd\t<>\"\\ID";
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
