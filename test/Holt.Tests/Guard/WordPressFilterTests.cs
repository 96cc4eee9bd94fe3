using System.Globalization;
using System.Net;
using System.Text;
using Holt.Guard;

namespace Holt.Tests.Guard;

public sealed class WordPressFilterTests
{
    private static readonly DateTimeOffset s_now = new(2024, 10, 10, 14, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress s_real = IPAddress.Parse("203.0.113.9");
    private static readonly IPAddress s_innocent = IPAddress.Parse("198.51.100.1");

    private static Failure? Match(string line) => new WordPressFilter().MatchLine(line, s_now);

    private static string Line(string request, int status = 200, string client = "203.0.113.9", string user = "-", string referrer = "-", string agent = "Mozilla/5.0") =>
        $"{client} - {user} [10/Oct/2024:13:55:36 +0000] \"{request}\" {status} 1234 \"{referrer}\" \"{agent}\"";

    /// <summary>What Apache writes for client text in a quoted field: \" and \\ and \xhh for control characters.</summary>
    private static string Apache(string text)
    {
        var escaped = new StringBuilder();
        foreach (char c in text)
        {
            _ = c switch
            {
                '"' => escaped.Append("\\\""),
                '\\' => escaped.Append("\\\\"),
                < ' ' or (char)127 => escaped.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => escaped.Append(c),
            };
        }

        return escaped.ToString();
    }

    /// <summary>What nginx writes (escape=default): \xHH for '"', '\' and control characters.</summary>
    private static string Nginx(string text)
    {
        var escaped = new StringBuilder();
        foreach (char c in text)
        {
            _ = c is '"' or '\\' or < ' ' or (char)127 ? escaped.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}") : escaped.Append(c);
        }

        return escaped.ToString();
    }

    [Theory]
    [InlineData("203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] \"POST /wp-login.php HTTP/1.1\" 200 1234 \"-\" \"Mozilla/5.0\"", "203.0.113.9")]
    [InlineData("2001:db8::9 - - [10/Oct/2024:13:55:36 +0000] \"POST /wp-login.php HTTP/2.0\" 200 1234 \"-\" \"Mozilla/5.0\"", "2001:db8::9")]
    [InlineData("::ffff:203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] \"POST /wp-login.php HTTP/1.1\" 200 1234 \"-\" \"-\"", "203.0.113.9")]
    [InlineData("203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] \"POST /wp-login.php HTTP/1.1\" 200 1234", "203.0.113.9")]
    [InlineData("203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] \"POST /wp-login.php HTTP/1.1\" 200 -", "203.0.113.9")]
    [InlineData("203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] \"POST /wp-login.php HTTP/1.1\" 200", "203.0.113.9")]
    public void LoginPostLine_GivesTheClient(string line, string address)
    {
        Assert.Equal(IPAddress.Parse(address), Match(line)!.Value.Address);
    }

    [Theory]
    [InlineData("POST /wp-login.php HTTP/1.1", 200)]
    [InlineData("POST /blog/wp-login.php HTTP/1.1", 200)]
    [InlineData("POST //wp-login.php HTTP/1.1", 200)]
    [InlineData("POST /wp-login.php?action=lostpassword HTTP/1.1", 200)]
    [InlineData("POST /wp-login.php?redirect_to=/wp-admin/ HTTP/1.1", 200)]
    [InlineData("POST /wp-login.php HTTP/1.1", 403)]
    [InlineData("POST /wp-login.php HTTP/1.1", 429)]
    [InlineData("POST /wp-login.php HTTP/1.1", 500)]
    [InlineData("POST /wp-login.php HTTP/1.0", 200)]
    [InlineData("POST /wp-login.php HTTP/3.0", 200)]
    [InlineData("POST https://example.com/wp-login.php HTTP/1.1", 200)]
    [InlineData("POST /wp-login%2Ephp HTTP/1.1", 200)]
    [InlineData("POST /wp-login.ph%70 HTTP/1.1", 200)]
    [InlineData("POST /wp-login.php/anything HTTP/1.1", 200)]
    [InlineData("POST /xmlrpc.php HTTP/1.1", 200)]
    [InlineData("POST /xmlrpc.php HTTP/1.1", 302)]
    [InlineData("POST /xmlrpc.php HTTP/1.1", 403)]
    [InlineData("POST /blog/xmlrpc.php?rsd HTTP/1.1", 405)]
    public void Counted(string request, int status)
    {
        Assert.Equal(s_real, Match(Line(request, status))!.Value.Address);
    }

    [Theory]
    [InlineData("GET /wp-login.php HTTP/1.1", 200)]
    [InlineData("HEAD /wp-login.php HTTP/1.1", 200)]
    [InlineData("post /wp-login.php HTTP/1.1", 200)]
    [InlineData("GET /xmlrpc.php HTTP/1.1", 405)]
    [InlineData("POST /wp-login.php HTTP/1.1", 302)]
    [InlineData("POST /wp-login.php HTTP/1.1", 301)]
    [InlineData("POST /wp-login.php HTTP/1.1", 303)]
    [InlineData("POST /wp-login.php?action=lostpassword HTTP/1.1", 302)]
    [InlineData("POST /wp-login.php.bak HTTP/1.1", 200)]
    [InlineData("POST /wp-login.phpx HTTP/1.1", 200)]
    [InlineData("POST /mywp-login.php HTTP/1.1", 200)]
    [InlineData("POST /WP-LOGIN.PHP HTTP/1.1", 200)]
    [InlineData("POST /wp-admin/admin-ajax.php HTTP/1.1", 200)]
    [InlineData("POST /?p=/wp-login.php HTTP/1.1", 200)]
    [InlineData("POST /index.php?x=/xmlrpc.php HTTP/1.1", 200)]
    [InlineData("POST /wp-login.php", 200)]
    [InlineData("POST /wp-login.php FTP/1.0", 200)]
    [InlineData("POST  /wp-login.php HTTP/1.1", 200)]
    [InlineData("POST /wp-login.php HTTP/1.1 extra", 200)]
    [InlineData("POST /wp-login.php  HTTP/1.1", 200)]
    [InlineData(" POST /wp-login.php HTTP/1.1", 200)]
    [InlineData("-", 400)]
    [InlineData("", 400)]
    public void NotCounted(string request, int status)
    {
        Assert.Null(Match(Line(request, status)));
    }

    [Theory]
    [InlineData("[10/Oct/2024:13:55:36 +0000]", 2024, 10, 10, 13, 55, 36, 0)]
    [InlineData("[01/Jan/2025:00:00:00 -0700]", 2025, 1, 1, 0, 0, 0, -420)]
    [InlineData("[29/Feb/2024:23:59:59 +0530]", 2024, 2, 29, 23, 59, 59, 330)]
    public void Time_IsTheLinesOwn_WithItsZone(string field, int year, int month, int day, int hour, int minute, int second, int offsetMinutes)
    {
        string line = $"203.0.113.9 - - {field} \"POST /wp-login.php HTTP/1.1\" 200 1";

        Assert.Equal(new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.FromMinutes(offsetMinutes)), Match(line)!.Value.Time);
    }

    [Theory]
    [InlineData("[10/Oct/2024:13:55:36]")]
    [InlineData("[10/Oct/2024 13:55:36 +0000]")]
    [InlineData("[10/Oct/2024:13:55:36 0000]")]
    [InlineData("[10/Oct/2024:13:55:36 +000]")]
    [InlineData("[10/Oct/2024:13:55:36 +0060]")]
    [InlineData("[10/Oct/2024:13:55:36 +1500]")]
    [InlineData("[10/oct/2024:13:55:36 +0000]")]
    [InlineData("[30/Feb/2024:13:55:36 +0000]")]
    [InlineData("[10/Oct/2024:24:55:36 +0000]")]
    [InlineData("[1/Oct/2024:13:55:36 +0000]")]
    [InlineData("[2024-10-10T13:55:36+00:00]")]
    [InlineData("10/Oct/2024:13:55:36 +0000")]
    public void TimeNotInTheFormat_IsNotCounted(string field)
    {
        Assert.Null(Match($"203.0.113.9 - - {field} \"POST /wp-login.php HTTP/1.1\" 200 1"));
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("-")]
    [InlineData("10.1")]
    [InlineData("203.0.113.9:443")]
    [InlineData("[2001:db8::9]")]
    [InlineData("example.com:443 203.0.113.9")]
    public void FirstFieldNotAnIpLiteral_IsNotCounted(string client)
    {
        // Covers HostnameLookups and the vhost_combined format, whose first field is the virtual host.
        Assert.Null(Match(Line("POST /wp-login.php HTTP/1.1", client: client)));
    }

    [Theory]
    [InlineData(" 200")]
    [InlineData(" 20")]
    [InlineData(" 2000 1")]
    [InlineData(" abc 1")]
    [InlineData("  200 1")]
    [InlineData(" 099 1")]
    [InlineData(" 600 1")]
    [InlineData("")]
    public void StatusNotWhereTheFormatPutsIt_IsNotCountedUnlessValid(string after)
    {
        Failure? failure = Match($"203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] \"POST /wp-login.php HTTP/1.1\"{after}");

        Assert.Equal(after == " 200", failure.HasValue);
    }

    [Theory]
    [InlineData("203.0.113.7 - - [10/Oct/2024:13:55:36 +0000] \"POST /wp-login.php HTTP/1.1\" 200 1 \"-\" \"-\"")]
    [InlineData("\" \"198.51.100.1 - - [10/Oct/2024:13:55:36 +0000] \"POST /wp-login.php HTTP/1.1\" 200")]
    [InlineData("\n198.51.100.1 - - [10/Oct/2024:13:55:36 +0000] \"POST /wp-login.php HTTP/1.1\" 200 1 \"-\" \"-\"")]
    [InlineData("\" 200 1 \"-\" \"-\"\n198.51.100.1 - - [10/Oct/2024:13:55:36 +0000] \"POST /xmlrpc.php HTTP/1.1\" 200 1")]
    public void InjectionThroughAgentReferrerOrUri_NeverCountsAnotherAddress_AndDoesNotTurnAGetIntoAPost(string hostile)
    {
        foreach (Func<string, string> escape in new Func<string, string>[] { Apache, Nginx })
        {
            string text = escape(hostile);
            Assert.Null(Match(Line("GET / HTTP/1.1", agent: text)));
            Assert.Null(Match(Line("GET / HTTP/1.1", referrer: text)));
            Assert.Null(Match(Line($"GET /?q={text} HTTP/1.1")));
            Assert.Null(Match(Line("GET / HTTP/1.1", user: text)));

            Assert.Equal(s_real, Match(Line("POST /wp-login.php HTTP/1.1", agent: text))!.Value.Address);
            Assert.Equal(s_real, Match(Line("POST /wp-login.php HTTP/1.1", referrer: text))!.Value.Address);
            Assert.Equal(s_real, Match(Line($"POST /wp-login.php?q={text.Replace(' ', '+')} HTTP/1.1"))!.Value.Address);
            Assert.Equal(s_real, Match(Line("POST /wp-login.php HTTP/1.1", user: text))!.Value.Address);
        }
    }

    [Fact]
    public void UserFieldWithSpacesAndAFakeTime_CannotHideALoginPost()
    {
        // nginx takes $remote_user from any Basic Authorization header; it may hold spaces and brackets, but its quotes
        // are escaped, so a fake " [TIME] \"GET ..." in it is not where the request starts.
        string user = Nginx("x [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" [");

        Failure failure = Match(Line("POST /wp-login.php HTTP/1.1", user: user))!.Value;

        Assert.Equal(s_real, failure.Address);
        Assert.Equal(new DateTimeOffset(2024, 10, 10, 13, 55, 36, TimeSpan.Zero), failure.Time);
    }

    [Fact]
    public void EscapedQuotesInTheRequest_AreNotItsEnd()
    {
        Assert.Null(Match(Line("GET /a\\\" 200 1 \\\"-\\\" \\\"-\\\" POST /wp-login.php HTTP/1.1")));
        Assert.Null(Match(Line("GET /a\\\\\\\" HTTP/1.1")));
        Assert.Equal(s_real, Match(Line("POST /wp-login.php?a=\\\\ HTTP/1.1"))!.Value.Address);
    }

    [Fact]
    public void RandomHostileFields_NeverAccuseAnotherAddress()
    {
        string[] pieces =
        [
            "198.51.100.1", " - - ", "[10/Oct/2024:13:55:36 +0000]", " \"", "\"", "POST ", "/wp-login.php", " HTTP/1.1", "\" 200 ", "\n", "\\", " ", "[",
            "2001:db8::1 - - ", "/xmlrpc.php",
        ];
        var random = new Random(8);
        string Hostile()
        {
            var text = new StringBuilder();
            for (int n = random.Next(0, 10); n > 0; n--)
            {
                _ = text.Append(pieces[random.Next(pieces.Length)]);
            }

            return text.ToString();
        }

        for (int i = 0; i < 20_000; i++)
        {
            Func<string, string> escape = random.Next(2) == 0 ? Apache : Nginx;
            bool post = random.Next(2) == 0;
            string line = Line(
                post ? "POST /wp-login.php HTTP/1.1" : $"GET /{escape(Hostile()).Replace(' ', '+')} HTTP/1.1",
                user: escape(Hostile()),
                referrer: escape(Hostile()),
                agent: escape(Hostile()));

            Assert.DoesNotContain('\n', line);
            Assert.Equal(post ? s_real : null, Match(line)?.Address);
        }
    }

    [Fact]
    public void Garbage_IsNullNeverAnException()
    {
        var random = new Random(5);
        string valid = Line("POST /wp-login.php HTTP/1.1");
        for (int i = 0; i < 20_000; i++)
        {
            char[] text = valid.ToCharArray(0, random.Next(valid.Length + 1));
            for (int n = random.Next(4); n > 0 && text.Length > 0; n--)
            {
                text[random.Next(text.Length)] = (char)random.Next(0, 128);
            }

            Failure? failure = Match(new string(text));
            Assert.True(failure is null || failure.Value.Address.Equals(s_real) || !new string(text).StartsWith("203.0.113.9 ", StringComparison.Ordinal));
        }

        Assert.Null(Match(""));
        Assert.Null(Match(" "));
        Assert.Null(Match("203.0.113.9"));
        Assert.Null(Match("203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] \"POST /wp-login.php HTTP/1.1"));
        Assert.Null(Match(new string('[', 100_000)));
    }

    [Fact]
    public void OverlongLine_IsNotCounted()
    {
        Assert.Equal(s_real, Match(Line("POST /wp-login.php HTTP/1.1", agent: new string('a', 8000)))!.Value.Address);
        Assert.Null(Match(Line("POST /wp-login.php HTTP/1.1", agent: new string('a', 70_000))));
    }

    [Fact]
    public void JournalEntries_AreNotAccessLogs()
    {
        Assert.Null(new WordPressFilter().MatchEntry(new LogLine(s_now, null, "nginx", 1, Line("POST /wp-login.php HTTP/1.1"))));
        Assert.Equal("wordpress", new WordPressFilter().Name);
    }
}
