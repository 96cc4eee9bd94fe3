using System.Net;
using Holt.Guard;

namespace Holt.Tests.Guard;

public sealed class RegexFilterTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void MatchingLine_IsAFailureOfTheHostGroup_AtNow()
    {
        var filter = new RegexFilter("myapp", [@"^login failed for \S+ from (?<host>\S+)$"]);

        Assert.Equal(new Failure(IPAddress.Parse("203.0.113.9"), s_now), filter.MatchLine("login failed for bob from 203.0.113.9", s_now));
        Assert.Equal(new Failure(IPAddress.Parse("2001:db8::9"), s_now), filter.MatchLine("login failed for bob from 2001:db8::9", s_now));
        Assert.Equal(new Failure(IPAddress.Parse("203.0.113.9"), s_now), filter.MatchLine("login failed for bob from ::ffff:203.0.113.9", s_now));
        Assert.Null(filter.MatchLine("login succeeded for bob from 203.0.113.9", s_now));
        Assert.Equal("myapp", filter.Name);
    }

    [Fact]
    public void MatchEntry_ReadsTheMessage_AtTheEntrysTime()
    {
        var filter = new RegexFilter("myapp", [@"^denied (?<host>[0-9.]+)"]);
        var time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        Assert.Equal(new Failure(IPAddress.Parse("203.0.113.9"), time), filter.MatchEntry(new LogLine(time, null, "myapp", 7, "denied 203.0.113.9 twice")));
        Assert.Null(filter.MatchEntry(new LogLine(time, null, "myapp", 7, "allowed 203.0.113.9")));
    }

    [Theory]
    [InlineData("login failed from evil.example.com")]
    [InlineData("login failed from 10.1")]
    [InlineData("login failed from 203.0.113.9:22")]
    [InlineData("login failed from [2001:db8::9]")]
    [InlineData("login failed from fe80::1%eth0")]
    [InlineData("login failed from 999.1.1.1")]
    public void HostThatIsNotAnIpLiteral_IsNull(string line)
    {
        Assert.Null(new RegexFilter("x", [@"^login failed from (?<host>\S+)$"]).MatchLine(line, s_now));
    }

    [Fact]
    public void HostGroupThatDidNotTakePart_IsNull()
    {
        var filter = new RegexFilter("x", [@"^failed( from (?<host>\S+))?$"]);

        Assert.Null(filter.MatchLine("failed", s_now));
        Assert.NotNull(filter.MatchLine("failed from 203.0.113.9", s_now));
    }

    [Fact]
    public void FirstMatchingPattern_Decides()
    {
        var filter = new RegexFilter("x", [@"^a (?<host>\S+)", @"^a \S+ (?<host>\S+)", @"^b (?<host>\S+)"]);

        Assert.Equal(IPAddress.Parse("203.0.113.1"), filter.MatchLine("a 203.0.113.1 203.0.113.2", s_now)?.Address);
        Assert.Null(filter.MatchLine("a name 203.0.113.2", s_now));
        Assert.Equal(IPAddress.Parse("203.0.113.3"), filter.MatchLine("b 203.0.113.3", s_now)?.Address);
    }

    [Fact]
    public void PatternWithoutHost_IsRefused_NamingIt()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new RegexFilter("myapp", [@"^a (?<host>\S+)", @"^failed from (?<addr>\S+)$"]));

        Assert.Contains("pattern 2", e.Message, StringComparison.Ordinal);
        Assert.Contains(@"'^failed from (?<addr>\S+)$'", e.Message, StringComparison.Ordinal);
        Assert.Contains("(?<host>...)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain("(Parameter", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(@"^(?<host>\S+", "Not enough )'s")]
    [InlineData(@"^(?<host>\S+))", "Too many )'s")]
    [InlineData(@"^(?<host>\S+) a{2,1}", "Illegal {x,y} with x > y")]
    [InlineData(@"^(?<host>\S+) [z-a]", "range in reverse order")]
    [InlineData(@"^(?<host>\S+) \k<nope>", "nope")]
    public void InvalidPattern_IsRefused_WithWhichAndWhy(string pattern, string why)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new RegexFilter("myapp", [pattern]));

        Assert.StartsWith($"pattern '{pattern}' is not a valid regex: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.Contains("at offset", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidPattern_WithControlCharacters_StaysOneLine()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new RegexFilter("x", ["(?<host>\n", "b"]));

        Assert.Contains("pattern 1", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void NoPatterns_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new RegexFilter("x", []));
    }

    [Fact]
    public void PlainPatterns_RunOnTheLinearEngine_OthersOnTheBacktrackingOne()
    {
        var filter = new RegexFilter("x", [@"^(?<host>\S+) (a+)+$", @"^(?<host>\S+) (a+)\1$", @"^(?=\d)(?<host>\S+)$", @"^(?<host>\S+)(?>a)$"]);

        Assert.Equal([true, false, false, false], filter.Linear);
    }

    [Fact]
    public void CatastrophicPattern_OnTheLinearEngine_IsQuickAndNeedsNoTimeout()
    {
        var filter = new RegexFilter("x", [@"^(?<host>\S+) (a+)+$"]);

        Assert.Null(filter.MatchLine("203.0.113.9 " + new string('a', 5000) + "!", s_now));
        Assert.Equal(IPAddress.Parse("203.0.113.9"), filter.MatchLine("203.0.113.9 " + new string('a', 5000), s_now)?.Address);
        Assert.Equal(0, filter.Timeouts);
    }

    [Theory]
    [InlineData(@"^(?<host>\S+) (a+)+\1$")]
    [InlineData(@"^(?=\d)(?<host>\S+) (a+)+$")]
    public void CatastrophicPattern_OnTheBacktrackingEngine_TimesOut_SkipsTheLine_AndCountsIt(string pattern)
    {
        var filter = new RegexFilter("x", [pattern]);
        Assert.Equal([false], filter.Linear);

        // Exponential in the number of a's: far beyond the timeout, which ends it.
        Assert.Null(filter.MatchLine("203.0.113.9 " + new string('a', 40) + "!", s_now));
        Assert.Equal(1, filter.Timeouts);

        // The filter goes on working.
        Assert.Equal(IPAddress.Parse("203.0.113.9"), filter.MatchLine("203.0.113.9 aa", s_now)?.Address);
        Assert.Null(filter.MatchEntry(new LogLine(s_now, null, "x", 1, "203.0.113.9 " + new string('a', 40) + "!")));
        Assert.Equal(2, filter.Timeouts);
    }

    [Fact]
    public void Patterns_AreCultureInvariant()
    {
        // With the invariant culture, case-insensitive 'i' matches 'I' (a Turkish culture would want 'İ').
        var filter = new RegexFilter("x", [@"(?i)^INVALID from (?<host>\S+)$"]);

        Assert.NotNull(filter.MatchLine("invalid from 203.0.113.9", s_now));
    }
}
