using System.Net;
using Holt.Guard;

namespace Holt.Tests.Guard;

public sealed class SshdLineFilterTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("2026-11-24T01:02:03+00:00 gw sshd[812]: Failed password for root from 203.0.113.5 port 4000 ssh2", "203.0.113.5")]
    [InlineData("2026-11-24T01:02:03+00:00 gw sshd-session[812]: Invalid user oracle from 2001:db8::5 port 4000", "2001:db8::5")]
    [InlineData("2026-11-24T01:02:03+00:00 gw sshd[812]: Failed password for bob from ::ffff:192.0.2.1 port 4000 ssh2", "192.0.2.1")]
    public void FailureLine_IsAFailureOfItsAddress(string line, string address)
    {
        Failure failure = new SshdLineFilter().MatchLine(line, s_now)!.Value;

        Assert.Equal(IPAddress.Parse(address), failure.Address);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 1, 2, 3, TimeSpan.Zero), failure.Time);
    }

    [Theory]
    [InlineData("2026-11-24T01:02:03+00:00 gw sshd[812]: Accepted publickey for alice from 192.0.2.1 port 4000 ssh2: RSA SHA256:x")]
    [InlineData("2026-11-24T01:02:03+00:00 gw CRON[812]: Failed password for root from 203.0.113.5 port 4000 ssh2")]
    [InlineData("2026-11-24T01:02:03+00:00 gw sshd[812]: Server listening on 0.0.0.0 port 22.")]
    [InlineData("not a syslog line at all")]
    [InlineData("")]
    public void LineWithoutAFailure_IsNull(string line)
    {
        Assert.Null(new SshdLineFilter().MatchLine(line, s_now));
    }

    [Fact]
    public void NormalMode_IgnoresAggressiveLines_AggressiveModeCountsThem()
    {
        const string Line = "2026-11-24T01:02:03+00:00 gw sshd[812]: Unable to negotiate with 203.0.113.5 port 4000: no matching key exchange method found.";

        Assert.Null(new SshdLineFilter().MatchLine(Line, s_now));
        Assert.Equal(IPAddress.Parse("203.0.113.5"), new SshdLineFilter(aggressive: true).MatchLine(Line, s_now)!.Value.Address);
    }

    [Fact]
    public void Names_AreTheCatalogs()
    {
        Assert.Equal("sshd", new SshdLineFilter().Name);
        Assert.Equal("sshd-aggressive", new SshdLineFilter(aggressive: true).Name);
    }

    [Fact]
    public void ClassicTimestamp_TakesTheYearOfNow()
    {
        var now = new DateTimeOffset(new DateTime(2026, 11, 24, 12, 0, 0), TimeZoneInfo.Local.GetUtcOffset(new DateTime(2026, 11, 24, 12, 0, 0)));

        Failure failure = new SshdLineFilter().MatchLine("Nov 24 01:02:03 gw sshd[9]: Failed password for root from 203.0.113.5 port 1 ssh2", now)!.Value;

        Assert.Equal(new DateTime(2026, 11, 24, 1, 2, 3), failure.Time.LocalDateTime);
    }

    [Fact]
    public void ClassicDecemberLine_ReadInJanuary_IsLastYears()
    {
        var local = new DateTime(2027, 1, 2, 8, 0, 0);
        var now = new DateTimeOffset(local, TimeZoneInfo.Local.GetUtcOffset(local));

        Failure failure = new SshdLineFilter().MatchLine("Dec 31 23:59:58 gw sshd[9]: Failed password for root from 203.0.113.5 port 1 ssh2", now)!.Value;

        Assert.Equal(new DateTime(2026, 12, 31, 23, 59, 58), failure.Time.LocalDateTime);
    }

    [Fact]
    public void ClassicLine_UpToADayAhead_KeepsTheYear()
    {
        // Clocks and rotation disagree by hours, not by a year: a line slightly after "now" is still this year's.
        var local = new DateTime(2026, 11, 24, 12, 0, 0);
        var now = new DateTimeOffset(local, TimeZoneInfo.Local.GetUtcOffset(local));

        Failure failure = new SshdLineFilter().MatchLine("Nov 25 01:00:00 gw sshd[9]: Failed password for root from 203.0.113.5 port 1 ssh2", now)!.Value;

        Assert.Equal(2026, failure.Time.LocalDateTime.Year);
    }

    [Fact]
    public void Rfc3339LineInTheFuture_KeepsItsOwnYear()
    {
        Failure failure = new SshdLineFilter().MatchLine("2027-06-01T00:00:00+00:00 gw sshd[9]: Failed password for root from 203.0.113.5 port 1 ssh2", s_now)!.Value;

        Assert.Equal(2027, failure.Time.Year);
    }

    [Fact]
    public void ConnectionState_IsKeptBetweenLines()
    {
        // "Disconnecting: Too many authentication failures" carries no address: the pid's earlier line supplies it.
        var filter = new SshdLineFilter();
        Assert.Null(filter.MatchLine("2026-11-24T01:02:03+00:00 gw sshd[77]: Connection from 198.51.100.2 port 5555 on 10.0.0.1 port 22", s_now));

        Failure failure = filter.MatchLine("2026-11-24T01:02:04+00:00 gw sshd[77]: Disconnecting: Too many authentication failures [preauth]", s_now)!.Value;

        Assert.Equal(IPAddress.Parse("198.51.100.2"), failure.Address);
    }

    [Fact]
    public void InjectedAddressInTheUserName_NeverWins()
    {
        Failure failure = new SshdLineFilter().MatchLine(
            "2026-11-24T01:02:03+00:00 gw sshd[9]: Failed password for root from 203.0.113.9 port 22 from 198.51.100.1 port 5555 ssh2", s_now)!.Value;

        Assert.Equal(IPAddress.Parse("198.51.100.1"), failure.Address);
    }

    [Fact]
    public void MatchEntry_ReadsTheJournalsLineDirectly()
    {
        var time = new DateTimeOffset(2026, 11, 24, 3, 4, 5, TimeSpan.Zero);

        Failure failure = new SshdLineFilter().MatchEntry(new LogLine(time, null, "sshd-session", 10, "Invalid user x from 203.0.113.5 port 4000"))!.Value;

        Assert.Equal(new Failure(IPAddress.Parse("203.0.113.5"), time), failure);
        Assert.Null(new SshdLineFilter().MatchEntry(new LogLine(time, null, "sshd", 10, "Accepted password for x from 203.0.113.5 port 4000 ssh2")));
    }

    [Fact]
    public void SyslogLines_CountsTheLinesThatWereSyslog()
    {
        var filter = new SshdLineFilter();
        _ = filter.MatchLine("2026-11-24T01:02:03+00:00 gw CRON[1]: hello", s_now);
        _ = filter.MatchLine("garbage", s_now);
        _ = filter.MatchLine("2026-11-24T01:02:03+00:00 gw sshd[1]: Invalid user x from 203.0.113.5 port 4000", s_now);

        Assert.Equal(2, filter.SyslogLines);
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Corpus_EveryLine_AgreesWithTheSshdFilterOnParsedLines(string file)
    {
        // The adapter adds nothing but parsing: every corpus line gives what SshdFilter gives its parsed form.
        var adapter = new SshdLineFilter(aggressive: true);
        var reference = new SshdFilter(aggressive: true);
        var now = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (CorpusLine line in Corpus.Load(file))
        {
            AuthEvent? want = reference.Process(SyslogParser.Parse(line.Text, 2026)!, file);
            Failure? got = adapter.MatchLine(line.Text, now);

            Assert.True(
                want is { Kind: not AuthKind.Accepted, Address: not null } == got.HasValue,
                $"{line}: the adapter says {got?.Address}, the filter {want?.Kind} {want?.Address}");
            if (got is Failure failure)
            {
                Assert.Equal(want!.Address!.IsIPv4MappedToIPv6 ? want.Address.MapToIPv4() : want.Address, failure.Address);
                Assert.Equal(want.Time, failure.Time);
            }
        }
    }

    public static TheoryData<string> CorpusFiles() => new(Corpus.Files);
}
