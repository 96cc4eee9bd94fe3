using System.Text;
using System.Text.RegularExpressions;
using Holt.Monitor;
using Holt.Monitor.Notify;

namespace Holt.Tests.Monitor.Notify;

/// <summary>Holt's SMTP client against a scripted server on loopback: the dialogue, the message, and each way it fails.</summary>
public sealed class SmtpNotifierTests
{
    private const string Password = "pa55-w0rd!";

    [Fact]
    public async Task Dialogue_AuthenticatesSendsToEachAndDotStuffs()
    {
        using var server = new FakeSmtp();
        AlertMessage message = TestAlerts.Firing(description: ".") with
        {
            Labels = new Dictionary<string, string>(TestAlerts.Firing().Labels) { [".hidden"] = "x" },
        };

        SendResult sent = await Send(server, message, username: "holt");

        Assert.True(sent.Ok, sent.Error);
        string[] commands = [.. server.Commands];
        Assert.Matches("^EHLO [A-Za-z0-9.-]+$", commands[0]);
        Assert.Equal(
            [
                "AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0holt\0" + Password)),
                "MAIL FROM:<holt@example.com>",
                "RCPT TO:<ops@example.com>",
                "RCPT TO:<me@example.org>",
                "DATA",
                "QUIT",
            ],
            commands[1..]);

        string data = Assert.Single(server.Messages);
        Assert.Contains("\r\n..\r\n", data, StringComparison.Ordinal);
        Assert.Contains("\r\n..hidden: x\r\n", data, StringComparison.Ordinal);
        Assert.DoesNotMatch("(^|\r\n)\\.[^.]", data);
        string[] lines = data.Split("\r\n");
        Assert.Matches(@"^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$", lines[0]);
        Assert.Equal("Date: Sun, 01 Mar 2026 12:00:00 +0000", lines[0]);
        Assert.Equal("From: holt@example.com", lines[1]);
        Assert.Equal("To: ops@example.com, me@example.org", lines[2]);
        Assert.Equal("Subject: [FIRING] expected peer home is down", lines[3]);
        Assert.Matches("^Message-ID: <[0-9a-f]{32}@[A-Za-z0-9.-]+>$", lines[4]);
        Assert.Contains("Content-Transfer-Encoding: 7bit", lines);
        int blank = Array.IndexOf(lines, "");
        Assert.Equal("[FIRING] expected peer home is down", lines[blank + 1]);
    }

    [Fact]
    public async Task NonAsciiAlert_IsBase64WithAnEncodedSubject()
    {
        using var server = new FakeSmtp();

        Assert.True((await Send(server, TestAlerts.Firing("küche"))).Ok);

        string data = Assert.Single(server.Messages);
        Assert.Contains("Content-Transfer-Encoding: base64\r\n", data, StringComparison.Ordinal);
        Match subject = Regex.Match(data, @"Subject: (.*)\r\n");
        string decoded = string.Concat(Regex.Matches(subject.Groups[1].Value, @"=\?UTF-8\?B\?([^?]*)\?=").Select(m => Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[1].Value))));
        Assert.Equal("[FIRING] expected peer küche is down", decoded);
        string body = data[(data.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..].Replace("\r\n", "", StringComparison.Ordinal);
        Assert.StartsWith("[FIRING] expected peer küche is down\r\n", Encoding.UTF8.GetString(Convert.FromBase64String(body)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthLogin_WhenPlainIsNotOffered()
    {
        using var server = new FakeSmtp { Capabilities = ["AUTH LOGIN"] };

        Assert.True((await Send(server, TestAlerts.Firing(), username: "holt")).Ok);

        string[] commands = [.. server.Commands];
        Assert.Equal(["AUTH LOGIN", Convert.ToBase64String("holt"u8.ToArray()), Convert.ToBase64String(Encoding.UTF8.GetBytes(Password))], commands[1..4]);
    }

    [Fact]
    public async Task StartTls_NotOffered_IsRefusedBeforeAnythingIsSent()
    {
        using var server = new FakeSmtp();

        SendResult result = await Send(server, TestAlerts.Firing(), tls: SmtpTls.StartTls);

        Assert.Equal(SendOutcome.Refused, result.Outcome);
        Assert.Equal("127.0.0.1 does not offer STARTTLS (set tls = \"implicit\" for port 465)", result.Error);
        Assert.DoesNotContain(server.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartTls_ThatIsNotTls_FailsCleanly()
    {
        using var server = new FakeSmtp { Capabilities = ["STARTTLS", "AUTH PLAIN"] };

        SendResult result = await Send(server, TestAlerts.Firing(), tls: SmtpTls.StartTls, username: "holt");

        Assert.Equal(SendOutcome.Failed, result.Outcome);
        Assert.DoesNotContain('\n', result.Error!);
        Assert.DoesNotContain(server.Commands, c => c.StartsWith("AUTH", StringComparison.Ordinal));
        Assert.DoesNotContain(Password, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedRecipient_IsPermanent_AndSaysWhichOne()
    {
        using var server = new FakeSmtp { RefusedRecipient = "me@example.org" };

        SendResult result = await Send(server, TestAlerts.Firing());

        Assert.Equal(SendOutcome.Refused, result.Outcome);
        Assert.Equal("RCPT TO:<me@example.org>: 550 5.1.1 no such user", result.Error);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task BusyGreeting_IsTransient()
    {
        using var server = new FakeSmtp { Greeting = "421 4.3.2 busy, try later" };

        SendResult result = await Send(server, TestAlerts.Firing());

        Assert.Equal(SendOutcome.Failed, result.Outcome);
        Assert.Equal("greeting: 421 4.3.2 busy, try later", result.Error);
    }

    [Fact]
    public async Task FailedAuth_ThatEchoesTheCredentials_ShowsNeither()
    {
        using var server = new FakeSmtp { AuthAnswer = "535 5.7.8 bad credentials in {0}" };

        SendResult result = await Send(server, TestAlerts.Firing(), username: "holt");

        Assert.Equal(SendOutcome.Refused, result.Outcome);
        Assert.Equal("AUTH PLAIN: 535 5.7.8 bad credentials in AUTH PLAIN ***", result.Error);
    }

    [Fact]
    public async Task EndlessReplyLine_FailsWithoutGrowing()
    {
        using var server = new FakeSmtp { RawGreeting = Enumerable.Repeat((byte)'2', 100_000).ToArray() };

        SendResult result = await Send(server, TestAlerts.Firing());

        Assert.Equal(SendOutcome.Failed, result.Outcome);
        Assert.Equal($"a reply line longer than {SmtpSession.MaxLine} bytes", result.Error);
    }

    [Fact]
    public async Task SilentServer_FailsAtTheTimeout()
    {
        using var server = new FakeSmtp { Greeting = null };

        SendResult result = await Send(server, TestAlerts.Firing(), seconds: 1);

        Assert.Equal(SendOutcome.Failed, result.Outcome);
        Assert.Equal("no complete answer from 127.0.0.1:" + server.Port + " within 1 s", result.Error);
    }

    [Fact]
    public async Task NothingListening_IsTransient()
    {
        int port;
        using (var server = new FakeSmtp())
        {
            port = server.Port;
        }

        var config = Config(port, SmtpTls.None, null);
        SendResult result = await new SmtpNotifier(config, TimeSpan.FromSeconds(1)).SendAsync([TestAlerts.Firing()], TestAlerts.Fired, CancellationToken.None);

        Assert.Equal(SendOutcome.Failed, result.Outcome);
        Assert.StartsWith($"cannot connect to 127.0.0.1:{port}: ", result.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// Sends through the fake server. The whole dialogue must finish within <paramref name="seconds"/>; only the test
    /// of the deadline itself uses a short one, since on a loaded machine a good dialogue can take over a second.
    /// </summary>
    private static Task<SendResult> Send(FakeSmtp server, AlertMessage message, SmtpTls tls = SmtpTls.None, string? username = null, int seconds = 15) =>
        new SmtpNotifier(Config(server.Port, tls, username), TimeSpan.FromSeconds(seconds)).SendAsync([message], TestAlerts.Fired, CancellationToken.None);

    private static NotifierConfig Config(int port, SmtpTls tls, string? username) => new()
    {
        Name = "mail",
        Type = NotifierType.Smtp,
        Host = "127.0.0.1",
        Port = port,
        Tls = tls,
        Username = username,
        Password = username is null ? null : Password,
        From = "holt@example.com",
        To = ["ops@example.com", "me@example.org"],
    };
}
