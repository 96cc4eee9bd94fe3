using System.Text.Json;
using Holt.Monitor;
using Holt.Monitor.Notify;

namespace Holt.Tests.Monitor.Notify;

/// <summary>
/// Every web notifier against a loopback receiver: the request's method, path, headers and body exactly, and the
/// receiver's failures (an error status, a redirect, silence, a gigabyte) turned into one line without a secret.
/// </summary>
public sealed class HttpNotifierTests : IDisposable
{
    private readonly NotifyHttp _http = new(TimeSpan.FromSeconds(2));

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Webhook_PostsAlertmanagersVersion4Payload_WithTheBearerToken()
    {
        using var receiver = new LoopbackHttp();
        var config = new NotifierConfig { Name = "hook", Type = NotifierType.Webhook, Url = receiver.Url("/in/holt"), Token = "tok-123" };

        SendResult sent = await Send(config, TestAlerts.Firing("home"), TestAlerts.Resolved("office"));

        Assert.True(sent.Ok, sent.Error);
        HttpCall call = receiver.Single();
        Assert.Equal(("POST", "/in/holt"), (call.Method, call.Target));
        Assert.Equal("Bearer tok-123", call.Header("Authorization"));
        Assert.Equal("application/json; charset=utf-8", call.Header("Content-Type"));
        using JsonDocument json = JsonDocument.Parse(call.Body);
        JsonElement root = json.RootElement;
        Assert.Equal("4", root.GetProperty("version").GetString());
        Assert.Equal("{}:{alertname=\"HoltPeerDown\"}", root.GetProperty("groupKey").GetString());
        Assert.Equal(0, root.GetProperty("truncatedAlerts").GetInt32());
        Assert.Equal("firing", root.GetProperty("status").GetString());
        Assert.Equal("hook", root.GetProperty("receiver").GetString());
        Assert.Equal("", root.GetProperty("externalURL").GetString());
        Assert.Equal(Map(("alertname", "HoltPeerDown")), Map(root.GetProperty("groupLabels")));
        Assert.Equal(Map(("alertname", "HoltPeerDown"), ("gateway", "gw1"), ("interface", "wg0"), ("severity", "critical")), Map(root.GetProperty("commonLabels")));
        Assert.Equal(Map(("description", "no handshake for 5m")), Map(root.GetProperty("commonAnnotations")));

        JsonElement[] alerts = [.. root.GetProperty("alerts").EnumerateArray()];
        Assert.Equal(2, alerts.Length);
        Assert.Equal("firing", alerts[0].GetProperty("status").GetString());
        Assert.Equal(Map(("alertname", "HoltPeerDown"), ("gateway", "gw1"), ("interface", "wg0"), ("peer", "home"), ("severity", "critical")), Map(alerts[0].GetProperty("labels")));
        Assert.Equal(Map(("description", "no handshake for 5m"), ("summary", "expected peer home is down")), Map(alerts[0].GetProperty("annotations")));
        Assert.Equal("2026-03-01T12:00:00.000Z", alerts[0].GetProperty("startsAt").GetString());
        Assert.Equal("0001-01-01T00:00:00Z", alerts[0].GetProperty("endsAt").GetString());
        Assert.Equal("", alerts[0].GetProperty("generatorURL").GetString());
        Assert.Matches("^[0-9a-f]{16}$", alerts[0].GetProperty("fingerprint").GetString());
        Assert.Equal("resolved", alerts[1].GetProperty("status").GetString());
        Assert.Equal("2026-03-01T12:07:00.000Z", alerts[1].GetProperty("endsAt").GetString());
        Assert.NotEqual(alerts[0].GetProperty("fingerprint").GetString(), alerts[1].GetProperty("fingerprint").GetString());
    }

    [Fact]
    public void Fingerprint_IsPrometheusOwn()
    {
        // Prometheus' own test vectors of labelSetToFingerprint (prometheus/common, model/signature_test.go).
        Assert.Equal(14695981039346656037UL.ToString("x16"), AlertmanagerFormat.Fingerprint(new Dictionary<string, string>()));
        Assert.Equal(5799056148416392346UL.ToString("x16"), AlertmanagerFormat.Fingerprint(new Dictionary<string, string>
        {
            ["name"] = "garland, briggs",
            ["fear"] = "love is not enough",
        }));
    }

    [Fact]
    public async Task Alertmanager_PostsToItsApi_FiringEndingFourMinutesAhead_ResolvedAtItsEnd()
    {
        using var receiver = new LoopbackHttp();
        var config = new NotifierConfig { Name = "am", Type = NotifierType.Alertmanager, Url = receiver.Url("/prefix/") };
        DateTimeOffset now = TestAlerts.Fired.AddSeconds(30);

        SendResult sent = await Send(config, now, TestAlerts.Firing("home"), TestAlerts.Resolved("office"));

        Assert.True(sent.Ok, sent.Error);
        HttpCall call = receiver.Single();
        Assert.Equal(("POST", "/prefix/api/v2/alerts"), (call.Method, call.Target));
        Assert.Null(call.Header("Authorization"));
        using JsonDocument json = JsonDocument.Parse(call.Body);
        JsonElement[] alerts = [.. json.RootElement.EnumerateArray()];
        Assert.Equal(2, alerts.Length);
        Assert.Equal(["annotations", "endsAt", "generatorURL", "labels", "startsAt"], alerts[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("home", alerts[0].GetProperty("labels").GetProperty("peer").GetString());
        Assert.Equal("expected peer home is down", alerts[0].GetProperty("annotations").GetProperty("summary").GetString());
        Assert.Equal("2026-03-01T12:00:00.000Z", alerts[0].GetProperty("startsAt").GetString());
        Assert.Equal("2026-03-01T12:04:30.000Z", alerts[0].GetProperty("endsAt").GetString());
        Assert.Equal("2026-03-01T12:07:00.000Z", alerts[1].GetProperty("endsAt").GetString());
    }

    [Theory]
    [InlineData("Critical", false, "5", "rotating_light,peer_down")]
    [InlineData("Warning", false, "4", "warning,peer_down")]
    [InlineData("Info", false, "3", "information_source,peer_down")]
    [InlineData("Critical", true, "3", "white_check_mark,peer_down")]
    public async Task Ntfy_PostsTheTextToTheTopic_WithTitlePriorityAndTags(string severityName, bool resolved, string priority, string tags)
    {
        using var receiver = new LoopbackHttp();
        var config = new NotifierConfig { Name = "phone", Type = NotifierType.Ntfy, Url = receiver.Url("/holt-alerts"), Token = "tk_abc" };
        AlertSeverity severity = Enum.Parse<AlertSeverity>(severityName);
        AlertMessage message = TestAlerts.Firing("home", severity);
        if (resolved)
        {
            message = message with { EndsAt = TestAlerts.Ended };
        }

        Assert.True((await Send(config, message)).Ok);

        HttpCall call = receiver.Single();
        Assert.Equal(("POST", "/holt-alerts"), (call.Method, call.Target));
        Assert.Equal("Bearer tk_abc", call.Header("Authorization"));
        Assert.Equal(resolved ? "[RESOLVED] expected peer home is down" : "[FIRING] expected peer home is down", call.Header("Title"));
        Assert.Equal(priority, call.Header("Priority"));
        Assert.Equal(tags, call.Header("Tags"));
        Assert.Equal("text/plain; charset=utf-8", call.Header("Content-Type"));
        Assert.StartsWith("no handshake for 5m\ngateway: gw1\ninterface: wg0\npeer: home\n", call.Text, StringComparison.Ordinal);
        Assert.Contains("since 2026-03-01 12:00:00 UTC", call.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ntfy_NonAsciiTitle_IsAnEncodedWord()
    {
        using var receiver = new LoopbackHttp();
        var config = new NotifierConfig { Name = "phone", Type = NotifierType.Ntfy, Url = receiver.Url("/t") };

        Assert.True((await Send(config, TestAlerts.Firing("küche"))).Ok);

        string title = receiver.Single().Header("Title")!;
        Assert.StartsWith("=?UTF-8?B?", title, StringComparison.Ordinal);
        Assert.Equal("[FIRING] expected peer küche is down", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(title[10..^2])));
    }

    [Fact]
    public async Task Telegram_PostsSendMessage_WithChatAndText()
    {
        using var receiver = new LoopbackHttp();
        var config = new NotifierConfig { Name = "tg", Type = NotifierType.Telegram, Url = receiver.Url("/"), Token = "123456:ABC-def_GHI", ChatId = "-100123" };

        Assert.True((await Send(config, TestAlerts.Firing())).Ok);

        HttpCall call = receiver.Single();
        Assert.Equal(("POST", "/bot123456:ABC-def_GHI/sendMessage"), (call.Method, call.Target));
        Assert.Null(call.Header("Authorization"));
        using JsonDocument json = JsonDocument.Parse(call.Body);
        Assert.Equal("-100123", json.RootElement.GetProperty("chat_id").GetString());
        Assert.StartsWith("[FIRING] expected peer home is down\nno handshake for 5m\n", json.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.True(json.RootElement.GetProperty("disable_web_page_preview").GetBoolean());
    }

    [Fact]
    public async Task Telegram_TokenNeverAppearsInAnError()
    {
        const string Token = "987654:SECRETxyz_token-part";
        var echoes = new LoopbackHttp(call => new HttpAnswer(401, $"{{\"ok\":false,\"description\":\"Unauthorized {call.Target}\"}}"));
        using (echoes)
        {
            var config = new NotifierConfig { Name = "tg", Type = NotifierType.Telegram, Url = echoes.Url("/"), Token = Token, ChatId = "1" };
            SendResult refused = await Send(config, TestAlerts.Firing());

            Assert.Equal(SendOutcome.Refused, refused.Outcome);
            Assert.StartsWith("HTTP 401: {\"ok\":false,\"description\":\"Unauthorized /bot***/sendMessage\"}", refused.Error, StringComparison.Ordinal);
        }

        // Nothing listens there any more: the connection error must not carry the URL either.
        var gone = new NotifierConfig { Name = "tg", Type = NotifierType.Telegram, Url = echoes.Url("/"), Token = Token, ChatId = "1" };
        SendResult failed = await Send(gone, TestAlerts.Firing());
        Assert.Equal(SendOutcome.Failed, failed.Outcome);
        Assert.DoesNotContain("SECRETxyz", failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("987654", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slack_AndDiscord_PostTheirOwnShapes()
    {
        using var receiver = new LoopbackHttp();
        var slack = new NotifierConfig { Name = "team", Type = NotifierType.Slack, Url = receiver.Url("/services/T0/B0/X") };
        var discord = new NotifierConfig { Name = "chat", Type = NotifierType.Discord, Url = receiver.Url("/api/webhooks/1/abc") };
        string longWhy = new('y', 5000);

        Assert.True((await Send(slack, TestAlerts.Firing())).Ok);
        Assert.True((await Send(discord, TestAlerts.Firing(description: "@everyone " + longWhy))).Ok);

        HttpCall[] calls = [.. receiver.Calls];
        Assert.Equal("/services/T0/B0/X", calls[0].Target);
        using JsonDocument slackJson = JsonDocument.Parse(calls[0].Body);
        Assert.Equal(["text"], slackJson.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.StartsWith("[FIRING] expected peer home is down\n", slackJson.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);

        Assert.Equal("/api/webhooks/1/abc", calls[1].Target);
        using JsonDocument discordJson = JsonDocument.Parse(calls[1].Body);
        string content = discordJson.RootElement.GetProperty("content").GetString()!;
        Assert.Equal(DiscordNotifier.MaxContent, content.Length);
        Assert.EndsWith("…", content, StringComparison.Ordinal);
        Assert.Empty(discordJson.RootElement.GetProperty("allowed_mentions").GetProperty("parse").EnumerateArray());
    }

    [Theory]
    [InlineData(500, "Failed")]
    [InlineData(503, "Failed")]
    [InlineData(408, "Failed")]
    [InlineData(429, "Failed")]
    [InlineData(400, "Refused")]
    [InlineData(404, "Refused")]
    [InlineData(301, "Refused")]
    public async Task ErrorStatus_IsOneLine_TransientOrPermanent(int status, string outcome)
    {
        using var receiver = new LoopbackHttp(_ => new HttpAnswer(status, "line one\nline two\u001b[31m"));
        var config = new NotifierConfig { Name = "hook", Type = NotifierType.Webhook, Url = receiver.Url("/") };

        SendResult result = await Send(config, TestAlerts.Firing());

        Assert.Equal(outcome, result.Outcome.ToString());
        Assert.StartsWith($"HTTP {status}", result.Error, StringComparison.Ordinal);
        Assert.EndsWith("line one line two [31m", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.Error!);
    }

    [Fact]
    public async Task Redirect_IsNotFollowed()
    {
        using var target = new LoopbackHttp();
        using var receiver = new LoopbackHttp(_ => new HttpAnswer(302, "", Location: target.Url("/elsewhere").ToString()));
        var config = new NotifierConfig { Name = "hook", Type = NotifierType.Webhook, Url = receiver.Url("/"), Token = "tok-123" };

        SendResult result = await Send(config, TestAlerts.Firing());

        Assert.Equal(SendOutcome.Refused, result.Outcome);
        Assert.Equal("HTTP 302 (a redirect, not followed: correct the url)", result.Error);
        Assert.Empty(target.Calls);
    }

    [Fact]
    public async Task ReceiverThatNeverAnswers_FailsAtTheTimeout()
    {
        using var receiver = new LoopbackHttp(_ => new HttpAnswer(200, Silent: true));
        var config = new NotifierConfig { Name = "hook", Type = NotifierType.Webhook, Url = receiver.Url("/") };

        SendResult result = await Send(config, TestAlerts.Firing());

        Assert.Equal(SendOutcome.Failed, result.Outcome);
        Assert.Equal("no complete answer within 2 s", result.Error);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(200)]
    public async Task ReceiverThatSendsAGigabyte_IsReadOnlyAFewKilobytes(int status)
    {
        const long Gigabyte = 1L << 30;
        using var receiver = new LoopbackHttp(_ => new HttpAnswer(status, EndlessBytes: Gigabyte));
        var config = new NotifierConfig { Name = "hook", Type = NotifierType.Webhook, Url = receiver.Url("/") };

        SendResult result = await Send(config, TestAlerts.Firing());

        Assert.Equal(status == 200, result.Ok);
        if (status != 200)
        {
            Assert.StartsWith("HTTP 500: xxxx", result.Error, StringComparison.Ordinal);
            Assert.True(result.Error!.Length < 400);
        }

        // The client went away after its few kilobytes: the server could write only what socket buffers hold.
        await Task.Delay(200);
        Assert.True(receiver.BytesWritten < 64L * 1024 * 1024, $"the receiver wrote {receiver.BytesWritten} bytes");
    }

    private static SortedDictionary<string, string> Map(params (string Key, string Value)[] pairs) =>
        new(pairs.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);

    private static SortedDictionary<string, string> Map(JsonElement element) =>
        new(element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!), StringComparer.Ordinal);

    private Task<SendResult> Send(NotifierConfig config, params AlertMessage[] messages) => Send(config, TestAlerts.Fired, messages);

    private Task<SendResult> Send(NotifierConfig config, DateTimeOffset now, params AlertMessage[] messages) =>
        Notifiers.Create(config, _http).SendAsync(messages, now, CancellationToken.None);
}
