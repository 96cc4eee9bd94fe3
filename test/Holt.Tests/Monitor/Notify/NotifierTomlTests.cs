using Holt.Config;
using Holt.Monitor;
using Holt.Monitor.Notify;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Monitor.Notify;

/// <summary>holt.toml's [[monitor.notify]]: every type read and written back the same, every mistake refused at its line.</summary>
public sealed class NotifierTomlTests
{
    private const string Gateway =
        "[gateway]\n" +
        "private_key = \"" + TestKeys.GatewayPrivate + "\"\n" +
        "endpoint = \"vpn.example.com\"\n" +
        "subnet = \"10.8.0.0/24\"\n" +
        "\n[monitor]\n";

    private const string AllTypes =
        "\n[[monitor.notify]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"https://hooks.example.com/holt\"\ntoken = \"s3cret-token\"\n" +
        "\n[[monitor.notify]]\nname = \"am\"\ntype = \"alertmanager\"\nurl = \"http://am.example.com:9093\"\nresolved = false\n" +
        "\n[[monitor.notify]]\nname = \"phone\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/holt-alerts\"\ntoken_file = \"/etc/holt/ntfy.token\"\n" +
        "\n[[monitor.notify]]\nname = \"tg\"\ntype = \"telegram\"\ntoken = \"123456:ABC-def_GHI\"\nchat_id = \"-100123\"\n" +
        "\n[[monitor.notify]]\nname = \"mail\"\ntype = \"smtp\"\nhost = \"mail.example.com\"\nport = 587\ntls = \"starttls\"\nusername = \"holt\"\npassword_file = \"/etc/holt/smtp.pass\"\nfrom = \"holt@example.com\"\nto = [\"ops@example.com\", \"me@example.org\"]\n" +
        "\n[[monitor.notify]]\nname = \"team\"\ntype = \"slack\"\nurl = \"https://hooks.slack.com/services/T0/B0/XYZ\"\n" +
        "\n[[monitor.notify]]\nname = \"chat\"\ntype = \"discord\"\nurl = \"https://discord.com/api/webhooks/1/abc\"\n";

    [Fact]
    public void EveryType_IsReadAndWrittenBackTheSame()
    {
        HoltConfig config = TestConfig.Read(Gateway + "enabled = true\ninterval = \"5s\"\n" + AllTypes);

        IReadOnlyList<NotifierConfig> notifiers = config.Monitor.Notifiers;
        Assert.Equal(["hook", "am", "phone", "tg", "mail", "team", "chat"], notifiers.Select(n => n.Name));
        Assert.Equal(
            [NotifierType.Webhook, NotifierType.Alertmanager, NotifierType.Ntfy, NotifierType.Telegram, NotifierType.Smtp, NotifierType.Slack, NotifierType.Discord],
            notifiers.Select(n => n.Type));
        Assert.Equal("s3cret-token", notifiers[0].Token);
        Assert.False(notifiers[1].Resolved);
        Assert.True(notifiers[0].Resolved);
        Assert.Equal("/etc/holt/ntfy.token", notifiers[2].TokenFile);
        Assert.Equal(new Uri("https://api.telegram.org"), notifiers[3].Url);
        Assert.Equal("-100123", notifiers[3].ChatId);
        NotifierConfig mail = notifiers[4];
        Assert.Equal(("mail.example.com", 587, SmtpTls.StartTls, "holt", "/etc/holt/smtp.pass", "holt@example.com"), (mail.Host, mail.Port, mail.Tls, mail.Username, mail.PasswordFile, mail.From));
        Assert.Equal(["ops@example.com", "me@example.org"], mail.To);

        string written = TestConfig.Write(config);
        Assert.Contains("[monitor]\nenabled = true\ninterval = \"5s\"\n" + AllTypes, written, StringComparison.Ordinal);
        Assert.Equal(written, TestConfig.Write(TestConfig.Read(written)));
    }

    [Fact]
    public void Smtp_PortFollowsTheTlsMode_WhenNotGiven()
    {
        HoltConfig config = TestConfig.Read(Gateway +
            "\n[[monitor.notify]]\nname = \"a\"\ntype = \"smtp\"\nhost = \"mx.example.com\"\ntls = \"implicit\"\nfrom = \"h@example.com\"\nto = \"o@example.com\"\n" +
            "\n[[monitor.notify]]\nname = \"b\"\ntype = \"smtp\"\nhost = \"127.0.0.1\"\ntls = \"none\"\nusername = \"u\"\npassword = \"p\"\nfrom = \"h@example.com\"\nto = [\"o@example.com\"]\n" +
            "\n[[monitor.notify]]\nname = \"c\"\ntype = \"smtp\"\nhost = \"mx.example.com\"\nfrom = \"h@example.com\"\nto = [\"o@example.com\"]\n");

        Assert.Equal([465, 25, 587], config.Monitor.Notifiers.Select(n => n.Port));
        Assert.Equal(SmtpTls.StartTls, config.Monitor.Notifiers[2].Tls);
    }

    [Theory]
    [InlineData("name = \"x\"\ntype = \"pager\"\nurl = \"https://a.example\"", 9, "'type' must be webhook, alertmanager, ntfy, telegram, smtp, slack or discord, not \"pager\"")]
    [InlineData("type = \"webhook\"\nurl = \"https://a.example\"", 8, "[[monitor.notify]] is missing 'name'")]
    [InlineData("name = \"x y\"\ntype = \"webhook\"\nurl = \"https://a.example\"", 8, "'name' must be 1 to 64 letters, digits, '-', '_' or '.', not \"x y\"")]
    [InlineData("name = \"x\"\ntype = \"webhook\"", 8, "[[monitor.notify]] 'x' (webhook) is missing 'url'")]
    [InlineData("name = \"x\"\ntype = \"webhook\"\nurl = \"ftp://a.example/secret\"", 10, "'url' must be an http:// or https:// URL, not ftp:")]
    [InlineData("name = \"x\"\ntype = \"ntfy\"\nurl = \"not a url\"", 10, "'url' must be an http:// or https:// URL with a host")]
    [InlineData("name = \"x\"\ntype = \"webhook\"\nurl = \"https://user:pw@a.example\"", 10, "'url' must not hold a user name or password; give a bearer token in 'token'")]
    [InlineData("name = \"x\"\ntype = \"webhook\"\nurl = \"https://a.example\"\ntoken = \"two words\"", 11, "'token' must be one word of printable characters, without spaces or quotes")]
    [InlineData("name = \"x\"\ntype = \"webhook\"\nurl = \"https://a.example\"\ntoken = \"t\"\ntoken_file = \"/t\"", 12, "'token' and 'token_file' exclude each other; keep one")]
    [InlineData("name = \"x\"\ntype = \"webhook\"\nurl = \"https://a.example\"\ntoken_file = \"t.txt\"", 11, "'token_file' must be an absolute path, not \"t.txt\"")]
    [InlineData("name = \"x\"\ntype = \"webhook\"\nurl = \"https://a.example\"\nchat_id = \"1\"", 11, "'chat_id' does not apply to a webhook notifier")]
    [InlineData("name = \"x\"\ntype = \"slack\"\nurl = \"https://a.example\"\ntoken = \"abcd\"", 11, "'token' does not apply to a slack notifier")]
    [InlineData("name = \"x\"\ntype = \"telegram\"\nchat_id = \"1\"", 8, "[[monitor.notify]] 'x' (telegram) is missing 'token', the bot's token (or 'token_file')")]
    [InlineData("name = \"x\"\ntype = \"telegram\"\ntoken = \"123:abc\"", 8, "[[monitor.notify]] 'x' (telegram) is missing 'chat_id'")]
    [InlineData("name = \"x\"\ntype = \"telegram\"\ntoken = \"123:abc/../x\"\nchat_id = \"1\"", 10, "'token' must be a Telegram bot token, such as 123456:ABC-DEF_ghi")]
    [InlineData("name = \"x\"\ntype = \"telegram\"\ntoken = \"123:abc\"\nchat_id = \"me\"", 11, "'chat_id' must be a chat's number or @channelname, not \"me\"")]
    [InlineData("name = \"x\"\ntype = \"smtp\"\nfrom = \"a@b.c\"\nto = \"c@d.e\"", 8, "[[monitor.notify]] 'x' (smtp) is missing 'host'")]
    [InlineData("name = \"x\"\ntype = \"smtp\"\nhost = \"mx\"\nto = \"c@d.e\"", 8, "[[monitor.notify]] 'x' (smtp) is missing 'from', the sender's address")]
    [InlineData("name = \"x\"\ntype = \"smtp\"\nhost = \"mx\"\nfrom = \"a@b.c\"", 8, "[[monitor.notify]] 'x' (smtp) is missing 'to', the addresses to send to")]
    [InlineData("name = \"x\"\ntype = \"smtp\"\nhost = \"mx\"\nfrom = \"a@b.c\"\nto = []", 12, "[[monitor.notify]] 'x' (smtp) is missing 'to', the addresses to send to")]
    [InlineData("name = \"x\"\ntype = \"smtp\"\nhost = \"mx\"\nfrom = \"a@b.c\"\nto = [\"c@d.e\", \"x>\\r\\nRCPT TO:<y@z\"]", 12, "'to' must list mail addresses such as ops@example.com, not \"x>??RCPT TO:<y@z\"")]
    [InlineData("name = \"x\"\ntype = \"smtp\"\nhost = \"mx\"\nfrom = \"nobody\"\nto = \"c@d.e\"", 11, "'from' must be a mail address such as holt@example.com, not \"nobody\"")]
    [InlineData("name = \"x\"\ntype = \"smtp\"\nhost = \"mx\"\ntls = \"ssl\"\nfrom = \"a@b.c\"\nto = \"c@d.e\"", 11, "'tls' must be starttls, implicit or none, not \"ssl\"")]
    [InlineData("name = \"x\"\ntype = \"smtp\"\nhost = \"mx\"\nusername = \"u\"\nfrom = \"a@b.c\"\nto = \"c@d.e\"", 11, "[[monitor.notify]] 'x' (smtp) has 'username' but is missing 'password' (or 'password_file')")]
    [InlineData("name = \"x\"\ntype = \"smtp\"\nhost = \"mx\"\npassword = \"p\"\nfrom = \"a@b.c\"\nto = \"c@d.e\"", 11, "a password needs 'username' too")]
    [InlineData("name = \"x\"\ntype = \"smtp\"\nhost = \"mx.example.com\"\ntls = \"none\"\nusername = \"u\"\npassword = \"p\"\nfrom = \"a@b.c\"\nto = \"c@d.e\"", 11, "tls = \"none\" would send the password in clear; use starttls or implicit (none is for a relay on this host)")]
    [InlineData("name = \"x\"\ntype = \"smtp\"\nhost = \"mx\"\nport = 0\nfrom = \"a@b.c\"\nto = \"c@d.e\"", 11, "'port' must be between 1 and 65535, not 0")]
    [InlineData("name = \"x\"\ntype = \"webhook\"\nurl = \"https://a.example\"\nresolved = \"no\"", 11, "'resolved' must be true or false")]
    [InlineData("name = \"x\"\ntype = \"webhook\"\nurl = \"https://a.example\"\nheaders = 1", 11, "unknown key 'headers' in [[monitor.notify]]")]
    public void Mistake_IsRefusedAtItsLine(string entry, int line, string problem)
    {
        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(Gateway + "[[monitor.notify]]\n" + entry + "\n"));

        Assert.Equal($"holt.toml:{line}: {problem}", error.Message);
    }

    [Fact]
    public void DuplicateName_IsRefusedAtTheSecond()
    {
        string text = Gateway +
            "[[monitor.notify]]\nname = \"ops\"\ntype = \"webhook\"\nurl = \"https://a.example\"\n" +
            "[[monitor.notify]]\nname = \"ops\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/t\"\n";

        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(text));

        Assert.Equal("holt.toml:12: notifier name 'ops' is used twice; each [[monitor.notify]] needs its own", error.Message);
    }

    [Fact]
    public void RefusedUrl_NeverRepeatsTheUrl()
    {
        // A Slack or Discord webhook URL is a secret: a refusal of its scheme names the scheme only.
        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(Gateway +
            "[[monitor.notify]]\nname = \"x\"\ntype = \"slack\"\nurl = \"file://hooks.slack.com/services/T0/B0/SECRETPART\"\n"));

        Assert.DoesNotContain("SECRETPART", error.Message, StringComparison.Ordinal);
    }
}
