using System.Text.Json;
using Holt.Cli;
using Holt.Monitor.Notify;

namespace Holt.Tests.Monitor.Notify;

/// <summary><c>holt monitor notify-test</c>: a test message through each notifier, one line each, exit 1 if any failed.</summary>
public sealed class NotifyTestCommandTests
{
    [Fact]
    public void EachNotifier_GetsATestMessage_AndFailuresAreSaid()
    {
        using var good = new LoopbackHttp();
        using var bad = new LoopbackHttp(_ => new HttpAnswer(401, "bad token"));
        using var http = new NotifyHttp(TimeSpan.FromSeconds(2));
        using var output = new StringWriter();

        int exit = MonitorNotifyCommand.Send(
            [
                new NotifierConfig { Name = "hook", Type = NotifierType.Webhook, Url = good.Url("/") },
                new NotifierConfig { Name = "phone", Type = NotifierType.Ntfy, Url = bad.Url("/t"), Token = "wrong-token" },
            ],
            "gw1",
            output,
            http);

        Assert.Equal(1, exit);
        Assert.Equal("hook (webhook): ok\nphone (ntfy): failed: HTTP 401: bad token\n", output.ToString());
        using JsonDocument json = JsonDocument.Parse(good.Single().Body);
        JsonElement alert = json.RootElement.GetProperty("alerts")[0];
        Assert.Equal("HoltNotifyTest", alert.GetProperty("labels").GetProperty("alertname").GetString());
        Assert.Equal("test message from holt on gw1", alert.GetProperty("annotations").GetProperty("summary").GetString());
        Assert.Equal("[TEST] test message from holt on gw1", bad.Single().Header("Title"));
    }

    [Fact]
    public void AllDelivered_ExitsZero()
    {
        using var good = new LoopbackHttp();
        using var output = new StringWriter();

        int exit = MonitorNotifyCommand.Send([new NotifierConfig { Name = "team", Type = NotifierType.Slack, Url = good.Url("/s") }], "gw1", output);

        Assert.Equal(0, exit);
        Assert.Equal("team (slack): ok\n", output.ToString());
    }
}
