using System.Net;
using Holt.Guard;

namespace Holt.Tests.Guard;

public sealed class ApacheAuthFilterTests
{
    private const string Head = "[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid 1234:tid 140000] ";

    private static readonly DateTimeOffset s_now = new(2000, 10, 11, 15, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress s_real = IPAddress.Parse("203.0.113.9");
    private static readonly IPAddress s_innocent = IPAddress.Parse("198.51.100.1");

    private static Failure? Match(string line) => new ApacheAuthFilter().MatchLine(line, s_now);

    private static string Mismatch(string user, string uri = "/private", string client = "203.0.113.9:51234") =>
        $"{Head}[client {client}] AH01617: user {user}: authentication failure for \"{uri}\": Password Mismatch";

    private static string NotFound(string user, string uri = "/private", string client = "203.0.113.9:51234") =>
        $"{Head}[client {client}] AH01618: user {user} not found: {uri}";

    [Theory]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid 1234:tid 140000] [client 203.0.113.9:51234] AH01617: user admin: authentication failure for \"/private\": Password Mismatch", "203.0.113.9")]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid 1234:tid 140000] [client 203.0.113.9:51234] AH01618: user admin not found: /private", "203.0.113.9")]
    [InlineData("[Wed Oct 11 14:32:52 2000] [auth_basic:error] [pid 1234] [client 2001:db8::9:51234] AH01618: user admin not found: /private", "2001:db8::9")]
    [InlineData("[Wed Oct 11 14:32:52 2000] [auth_basic:error] [pid 1234] [client 2001:db8::9:8080] AH01618: user admin not found: /private", "2001:db8::9")]
    [InlineData("[Wed Oct 11 14:32:52 2000] [auth_basic:error] [pid 1234] [client ::ffff:203.0.113.9:51234] AH01618: user admin not found: /private", "203.0.113.9")]
    [InlineData("[Wed Oct 11 14:32:52 2000] [auth_basic:error] [pid 1234] [client 203.0.113.9:51234] AH01618: user admin not found: /private, referer: https://example.com/", "203.0.113.9")]
    [InlineData("[Mon Oct 02 14:32:52 2000] [auth_basic:error] [pid 1] [client 203.0.113.9:1] AH01618: user a not found: /", "203.0.113.9")]
    [InlineData("[Mon Oct  2 14:32:52 2000] [auth_basic:error] [pid 1] [client 203.0.113.9:1] AH01618: user a not found: /", "203.0.113.9")]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid 1234:tid 140000] mod_auth_basic.c(285): [client 203.0.113.9:51234] AH01618: user admin not found: /private", "203.0.113.9")]
    public void FailureLine_GivesTheClient(string line, string address)
    {
        Assert.Equal(IPAddress.Parse(address), Match(line)!.Value.Address);
    }

    [Fact]
    public void Time_IsTheLinesLocalTime_WithMicroseconds()
    {
        var local = new DateTime(2000, 10, 11, 14, 32, 52);
        var expected = new DateTimeOffset(local, TimeZoneInfo.Local.GetUtcOffset(local)).AddTicks(123456 * TimeSpan.TicksPerMicrosecond);

        Assert.Equal(expected, Match(Mismatch("admin"))!.Value.Time);
        Assert.Equal(expected.AddTicks(-123456 * TimeSpan.TicksPerMicrosecond), Match(Mismatch("admin").Replace(".123456", "", StringComparison.Ordinal))!.Value.Time);
    }

    [Theory]
    [InlineData("AH01614: client used wrong authentication scheme: /private")]
    [InlineData("AH01797: client denied by server configuration: /private")]
    [InlineData("AH01630: client denied by server configuration: /private")]
    [InlineData("AH00128: File does not exist: /var/www/html/favicon.ico")]
    [InlineData("AH0161: user admin not found: /private")]
    [InlineData("AH016170: user admin not found: /private")]
    [InlineData("AH01618 user admin not found: /private")]
    [InlineData("user admin not found: /private")]
    [InlineData("")]
    public void OtherMessages_AreNotCounted(string message)
    {
        Assert.Null(Match($"{Head}[client 203.0.113.9:51234] {message}"));
    }

    [Theory]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid 1234:tid 140000]  ")]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid 1234:tid 140000]")]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid 1234:tid] ")]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid x] ")]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [tid 1] ")]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] ")]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [auth_basic] [pid 1] ")]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [auth basic:error] [pid 1] ")]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [:error] [pid 1] ")]
    [InlineData("[Wed Oct 11 14:32:52.123456 2000] [pid 1] ")]
    [InlineData("[Wed Oct 11 14:32:52.12345 2000] [auth_basic:error] [pid 1] ")]
    [InlineData("[Wed Oct 11 14:32:52. 2000] [auth_basic:error] [pid 1] ")]
    [InlineData("[Wed Oct 11 14:32:52 200] [auth_basic:error] [pid 1] ")]
    [InlineData("[Wed Oct 11 14:32:52 2000 ] [auth_basic:error] [pid 1] ")]
    [InlineData("[Wed Oct 32 14:32:52 2000] [auth_basic:error] [pid 1] ")]
    [InlineData("[Wed Foo 11 14:32:52 2000] [auth_basic:error] [pid 1] ")]
    [InlineData("[Xyz Oct 11 14:32:52 2000] [auth_basic:error] [pid 1] ")]
    [InlineData("[Wed Oct 11 25:32:52 2000] [auth_basic:error] [pid 1] ")]
    [InlineData("Wed Oct 11 14:32:52 2000 [auth_basic:error] [pid 1] ")]
    [InlineData(" [Wed Oct 11 14:32:52 2000] [auth_basic:error] [pid 1] ")]
    [InlineData("[Wed Oct 11 14:32:52 2000] [auth_basic:error] [pid 1] junk ")]
    [InlineData("[Wed Oct 11 14:32:52 2000] [auth_basic:error] [pid 1] mod_auth_basic.c(x): ")]
    [InlineData("[Wed Oct 11 14:32:52 2000] [error] [client 198.51.100.2] ")]
    public void FieldsNotExactlyApaches_AreNotCounted(string head)
    {
        Assert.Null(Match(head + "[client 203.0.113.9:51234] AH01618: user admin not found: /private"));
    }

    [Theory]
    [InlineData("203.0.113.9")]
    [InlineData("203.0.113.9:")]
    [InlineData("203.0.113.9:x")]
    [InlineData(":51234")]
    [InlineData("2001:db8::9")]
    [InlineData("[2001:db8::9]:51234")]
    [InlineData("evil.example.com:51234")]
    [InlineData("10.1:51234")]
    [InlineData("203.0.113.9 :51234")]
    [InlineData("203.0.113.9:51234 198.51.100.1:1")]
    [InlineData("fe80::1%eth0:51234")]
    [InlineData("")]
    public void ClientThatIsNotAddressAndPort_IsNotCounted(string client)
    {
        Assert.Null(Match(Mismatch("admin", client: client)));
    }

    [Theory]
    [InlineData("[client 198.51.100.1:1]")]
    [InlineData("admin] [client 198.51.100.1:1] AH01618: user x")]
    [InlineData("198.51.100.1")]
    [InlineData("x\" [client 198.51.100.1:1]")]
    [InlineData("[Wed Oct 11 14:32:52 2000] [auth_basic:error] [pid 1] [client 198.51.100.1:1] AH01618: user")]
    public void AddressesInTheUserOrUri_NeverWin(string hostile)
    {
        Assert.Equal(s_real, Match(Mismatch(hostile))!.Value.Address);
        Assert.Equal(s_real, Match(NotFound(hostile))!.Value.Address);
        Assert.Equal(s_real, Match(Mismatch("admin", uri: hostile))!.Value.Address);
        Assert.Equal(s_real, Match(NotFound("admin", uri: hostile))!.Value.Address);
    }

    [Theory]
    [InlineData("[client 198.51.100.1:1] AH01618: user admin not found: /private")]
    [InlineData("198.51.100.1:1] AH01618: user admin not found: /private")]
    [InlineData("AH01618: user admin not found: /private")]
    [InlineData("[auth_basic:error] [pid 1] [client 198.51.100.1:1] AH01618: user admin not found: /private")]
    [InlineData("[pid 1] [client 198.51.100.1:1] AH01618: user admin not found: /private")]
    public void PartsOfASplitLine_AreNotCounted(string fragment)
    {
        Assert.Null(Match(fragment));
    }

    [Fact]
    public void OverlongLine_IsNotCounted_AndALongUserStillIs()
    {
        Assert.Equal(s_real, Match(Mismatch(new string('u', 4000)))!.Value.Address);
        Assert.Null(Match(Mismatch(new string('u', 20_000))));
    }

    [Fact]
    public void RandomHostileUsersAndUris_NeverAccuseAnotherAddress()
    {
        string[] pieces = ["[client ", "198.51.100.1", ":1", "] ", "AH01618: ", "\"", " ", "[pid 1] ", "\n", "2001:db8::1", "[Wed Oct 11 14:32:52 2000] ", "[auth_basic:error] "];
        var random = new Random(3);
        string Hostile()
        {
            var text = new System.Text.StringBuilder();
            for (int n = random.Next(0, 8); n > 0; n--)
            {
                _ = text.Append(pieces[random.Next(pieces.Length)]);
            }

            return text.ToString();
        }

        for (int i = 0; i < 20_000; i++)
        {
            string line = random.Next(2) == 0 ? Mismatch(Hostile(), Hostile()) : NotFound(Hostile(), Hostile());
            string[] parts = line.Split('\n');
            Assert.Equal(s_real, Match(parts[0])?.Address);
            Assert.All(parts.Skip(1), part => Assert.NotEqual(s_innocent, Match(part)?.Address));
        }
    }

    [Fact]
    public void Garbage_IsNullNeverAnException()
    {
        var random = new Random(5);
        string valid = NotFound("admin");
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
        Assert.Null(Match("["));
    }

    [Fact]
    public void JournalEntries_AreNotApaches()
    {
        Assert.Null(new ApacheAuthFilter().MatchEntry(new LogLine(s_now, null, "apache2", 1, NotFound("admin"))));
        Assert.Equal("apache-auth", new ApacheAuthFilter().Name);
    }
}
