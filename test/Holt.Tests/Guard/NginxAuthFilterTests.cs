using System.Net;
using Holt.Guard;

namespace Holt.Tests.Guard;

public sealed class NginxAuthFilterTests
{
    private const string Prefix = "2024/10/10 13:55:36 [error] 1234#1234: *5 ";
    private const string Tail = ", server: example.com, request: \"GET /private/ HTTP/1.1\", host: \"example.com\"";

    private static readonly DateTimeOffset s_now = new(2024, 10, 10, 14, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress s_real = IPAddress.Parse("203.0.113.9");
    private static readonly IPAddress s_innocent = IPAddress.Parse("198.51.100.1");

    private static Failure? Match(string line) => new NginxAuthFilter().MatchLine(line, s_now);

    private static string NotFound(string user, string client = "203.0.113.9", string tail = Tail) =>
        $"{Prefix}user \"{user}\" was not found in \"/etc/nginx/.htpasswd\", client: {client}{tail}";

    private static string Mismatch(string user, string client = "203.0.113.9", string tail = Tail) =>
        $"{Prefix}user \"{user}\": password mismatch, client: {client}{tail}";

    [Theory]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: *5 user \"admin\" was not found in \"/etc/nginx/.htpasswd\", client: 203.0.113.9, server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com\"", "203.0.113.9")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: *5 user \"admin\": password mismatch, client: 2001:db8::9, server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com\"", "2001:db8::9")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: *5 user \"admin\": password mismatch, client: 203.0.113.9, server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com\", referrer: \"https://example.com/\"", "203.0.113.9")]
    [InlineData("2024/10/10 13:55:36 [error] 1#1: *987654 user \"\": password mismatch, client: 203.0.113.9, server: , request: \"GET / HTTP/1.1\", host: \"x\"", "203.0.113.9")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: *5 user \"admin\": password mismatch, client: ::ffff:203.0.113.9, server: example.com", "203.0.113.9")]
    public void FailureLine_GivesTheClient(string line, string address)
    {
        Assert.Equal(IPAddress.Parse(address), Match(line)!.Value.Address);
    }

    [Fact]
    public void Time_IsTheLinesLocalTime()
    {
        var local = new DateTime(2024, 10, 10, 13, 55, 36);

        Failure failure = Match(Mismatch("admin"))!.Value;

        Assert.Equal(new DateTimeOffset(local, TimeZoneInfo.Local.GetUtcOffset(local)), failure.Time);
        Assert.Equal(local, failure.Time.LocalDateTime);
    }

    [Theory]
    [InlineData("2024/10/10 13:55:36 [info] 1234#1234: *5 no user/password was provided for basic authentication, client: 203.0.113.9, server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com\"")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: *5 no user/password was provided for basic authentication, client: 203.0.113.9, server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com\"")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: *5 open() \"/var/www/favicon.ico\" failed (2: No such file or directory), client: 203.0.113.9, server: example.com, request: \"GET /favicon.ico HTTP/1.1\", host: \"example.com\"")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: *5 user \"admin\" crypt_r() failed, client: 203.0.113.9, server: example.com")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: *5 user \"admin\", client: 203.0.113.9, server: example.com")]
    public void OtherMessages_AreNotCounted(string line)
    {
        Assert.Null(Match(line));
    }

    [Theory]
    [InlineData("2024/10/10 13:55:36 [warn] 1234#1234: *5 ")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: ")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: *5  ")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234 *5 ")]
    [InlineData("2024/10/10 13:55:36 [error] 1234: *5 ")]
    [InlineData("2024/10/10 13:55:36 [error] #1234: *5 ")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: *x ")]
    [InlineData("2024/10/10 13:55:36  [error] 1234#1234: *5 ")]
    [InlineData(" 2024/10/10 13:55:36 [error] 1234#1234: *5 ")]
    [InlineData("2024-10-10 13:55:36 [error] 1234#1234: *5 ")]
    [InlineData("2024/13/10 13:55:36 [error] 1234#1234: *5 ")]
    [InlineData("2024/02/30 13:55:36 [error] 1234#1234: *5 ")]
    [InlineData("2024/10/10 24:55:36 [error] 1234#1234: *5 ")]
    [InlineData("2024/10/10 1:55:36 [error] 1234#1234: *5 ")]
    [InlineData("+024/10/10 13:55:36 [error] 1234#1234: *5 ")]
    [InlineData("2024/10/10 13:55:36 [error] 99999999999999999999#1: *5 ")]
    [InlineData("Oct 10 13:55:36 gw nginx[1]: ")]
    public void PrefixNotExactlyNginxs_IsNotCounted(string prefix)
    {
        Assert.Null(Match(prefix + "user \"admin\": password mismatch, client: 203.0.113.9" + Tail));
    }

    [Theory]
    [InlineData("unix:")]
    [InlineData("evil.example.com")]
    [InlineData("localhost")]
    [InlineData("203.0.113.9 ")]
    [InlineData(" 203.0.113.9")]
    [InlineData("203.0.113.9:5555")]
    [InlineData("[2001:db8::9]")]
    [InlineData("2001:db8::9%eth0")]
    [InlineData("2001:db8::9/64")]
    [InlineData("10.1")]
    [InlineData("0x0a.0.0.1")]
    [InlineData("010.0.0.1")]
    [InlineData("203.0.113.256")]
    [InlineData("")]
    [InlineData("198.51.100.1 203.0.113.9")]
    public void ClientThatIsNotAnIpLiteral_IsNotCounted(string client)
    {
        Assert.Null(Match(Mismatch("admin", client)));
        Assert.Null(Match(NotFound("admin", client)));
    }

    [Theory]
    [InlineData("ad\"min")]
    [InlineData("\"")]
    [InlineData("\"\"\"")]
    [InlineData("a\" was not found in \"b")]
    [InlineData("198.51.100.1")]
    [InlineData("a, client 198.51.100.1, server x")]
    [InlineData(", client 198.51.100.1")]
    [InlineData("root from 198.51.100.1 port 22")]
    public void QuotesAndAddressesInTheUserName_NeverWin(string user)
    {
        Assert.Equal(s_real, Match(Mismatch(user))!.Value.Address);
        Assert.Equal(s_real, Match(NotFound(user))!.Value.Address);
    }

    [Theory]
    [InlineData("client: 198.51.100.1")]
    [InlineData("\", client: 198.51.100.1, server: x")]
    [InlineData("x\", client: 198.51.100.1, server: x, request: \"GET / HTTP/1.1\", host: \"x")]
    [InlineData(", client: 198.51.100.1, server: x")]
    [InlineData("a:b")]
    public void UserNameWithAColon_WhichNginxCannotWrite_NeverGivesAnotherAddress(string user)
    {
        // Basic-auth user names end at the first ':', so these lines are not nginx's; none may accuse 198.51.100.1.
        // (A "user name" that spells out nginx's whole fixed text, such as '": password mismatch, client: 198.51.100.1,
        // server: x', makes a line no parser can tell from a real one whose request holds the rest; it has a ':' too.)
        Assert.NotEqual(s_innocent, Match(Mismatch(user))?.Address);
        Assert.NotEqual(s_innocent, Match(NotFound(user))?.Address);
    }

    [Theory]
    [InlineData(", server: example.com, request: \"GET /?q=, client: 198.51.100.1, server: x HTTP/1.1\", host: \"example.com\"")]
    [InlineData(", server: example.com, request: \"GET /\", client: 198.51.100.1, server: x HTTP/1.1\", host: \"example.com\"")]
    [InlineData(", server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com, client: 198.51.100.1, server: x\"")]
    [InlineData(", server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com\", referrer: \"https://x/, client: 198.51.100.1, server: x\"")]
    [InlineData(", server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com\", referrer: \"\", client: 198.51.100.1, server: x")]
    public void ClientTextInRequestHostOrReferrer_AfterTheRealClient_NeverWins(string tail)
    {
        Assert.Equal(s_real, Match(Mismatch("admin", tail: tail))!.Value.Address);
        Assert.Equal(s_real, Match(NotFound("admin", tail: tail))!.Value.Address);
    }

    [Theory]
    [InlineData("\", client: 198.51.100.1, server: x")]
    [InlineData(", client: 198.51.100.1, server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com\"")]
    [InlineData("198.51.100.1, server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com\"")]
    [InlineData("user \"admin\": password mismatch, client: 198.51.100.1, server: example.com")]
    [InlineData("*5 user \"admin\": password mismatch, client: 198.51.100.1, server: example.com")]
    [InlineData("[error] 1234#1234: *5 user \"admin\": password mismatch, client: 198.51.100.1, server: example.com")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: *5 user \"admin\": password mismatch")]
    [InlineData("2024/10/10 13:55:36 [error] 1234#1234: *5 user \"admin\": password mismatch, client: 198.51.100.1")]
    public void PartsOfASplitLine_AreNotCounted(string fragment)
    {
        Assert.Null(Match(fragment));
    }

    [Fact]
    public void LineCutInTheMiddleOfTheAddress_IsNotCounted()
    {
        // nginx cuts lines at 2048 bytes: with the right user name length, 203.0.113.19 would end as 203.0.113.1.
        string user = new('u', 1900);
        string full = Mismatch(user, "203.0.113.19");
        string cut = full[..full.IndexOf("203.0.113.19", StringComparison.Ordinal)] + "203.0.113.1";

        Assert.Equal(IPAddress.Parse("203.0.113.19"), Match(full)!.Value.Address);
        Assert.Null(Match(cut));
        Assert.Null(Match(cut + ", "));
    }

    [Fact]
    public void OverlongLine_IsNotCounted()
    {
        Assert.Null(Match(Mismatch(new string('u', 5000))));
        Assert.Null(Match(Mismatch("admin", tail: Tail + ", referrer: \"" + new string('r', 5000) + ", client: 198.51.100.1, server: x\"")));
        Assert.Null(Match(new string('x', 1_000_000)));
    }

    [Fact]
    public void LongUserNameWithinNginxsLimit_IsCounted()
    {
        Assert.Equal(s_real, Match(Mismatch(new string('u', 1500)))!.Value.Address);
    }

    [Fact]
    public void RandomHostileLines_NeverAccuseAnotherAddress()
    {
        // The real client is 203.0.113.9; every field the client controls gets pieces of fake nginx text (the user
        // name without ':', which nginx cannot write there), and lines are split where a piece holds a newline.
        string[] pieces =
        [
            "\"", ", client: ", "client: ", "198.51.100.1", ", server: ", "x", " ", ",", ":", "\" was not found in \"",
            "\": password mismatch", ", request: \"", ", host: \"", ", referrer: \"", "2001:db8::1", "::ffff:198.51.100.1", "\\\"", "\n",
            Prefix,
        ];
        var random = new Random(11);
        string Hostile()
        {
            var text = new System.Text.StringBuilder();
            for (int n = random.Next(0, 8); n > 0; n--)
            {
                _ = text.Append(pieces[random.Next(pieces.Length)]);
            }

            return text.ToString();
        }

        var seen = new HashSet<IPAddress>();
        for (int i = 0; i < 20_000; i++)
        {
            string user = Hostile().Replace(":", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
            string tail = $", server: example.com, request: \"GET /{Hostile()} HTTP/1.1\", host: \"{Hostile()}\", referrer: \"{Hostile()}\"";
            string line = random.Next(2) == 0 ? Mismatch(user, tail: tail) : NotFound(user, tail: tail);
            string[] parts = line.Split('\n');
            Assert.Equal(s_real, Match(parts[0])?.Address);
            foreach (string part in parts.Skip(1))
            {
                if (Match(part) is Failure failure)
                {
                    _ = seen.Add(failure.Address);
                }
            }
        }

        // The pieces after a newline are never whole nginx lines (those would need a newline nginx does not write in
        // these fields, and a whole forged line after it); no such fragment ever counted.
        Assert.Empty(seen);
    }

    [Fact]
    public void RandomUserNamesWithColons_AreNullOrTheRealClient_AndNeverThrow()
    {
        string[] pieces = ["\"", ", client: ", "client: ", "198.51.100.1", ", server: ", "x", ":", "\" was not found in \"", ", request: \""];
        var random = new Random(12);
        for (int i = 0; i < 20_000; i++)
        {
            var user = new System.Text.StringBuilder();
            for (int n = random.Next(1, 5); n > 0; n--)
            {
                _ = user.Append(pieces[random.Next(pieces.Length)]);
            }

            // Short of spelling out nginx's whole fixed text, which no user name can (see above), the real client wins.
            string text = user.ToString();
            if (!text.Contains("\": password mismatch", StringComparison.Ordinal) && !text.Contains("\" was not found in \"", StringComparison.Ordinal))
            {
                Assert.NotEqual(s_innocent, Match(Mismatch(text))?.Address);
                Assert.NotEqual(s_innocent, Match(NotFound(text))?.Address);
            }
        }
    }

    [Fact]
    public void Garbage_IsNullNeverAnException()
    {
        var random = new Random(5);
        string valid = Mismatch("admin");
        for (int i = 0; i < 20_000; i++)
        {
            char[] text = valid.ToCharArray(0, random.Next(valid.Length + 1));
            for (int n = random.Next(4); n > 0 && text.Length > 0; n--)
            {
                text[random.Next(text.Length)] = (char)random.Next(0, 128);
            }

            _ = Match(new string(text));
        }

        Assert.Null(Match(""));
        Assert.Null(Match("2024/10/10 13:55:36 [error] 1"));
    }

    [Fact]
    public void JournalEntries_AreNotNginxs()
    {
        Assert.Null(new NginxAuthFilter().MatchEntry(new LogLine(s_now, null, "nginx", 1, Mismatch("admin"))));
        Assert.Equal("nginx-http-auth", new NginxAuthFilter().Name);
    }
}
