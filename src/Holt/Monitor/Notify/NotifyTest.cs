namespace Holt.Monitor.Notify;

/// <summary>What one notifier did with the test notice.</summary>
internal sealed record NotifyTestResult(string Notifier, string Type, bool Ok, string? Error);

/// <summary>
/// The test notice of <c>holt monitor notify test</c> and the dashboard's "send test notification": one message,
/// marked as a test, through each notifier in turn, and what each did with it.
/// </summary>
internal static class NotifyTest
{
    public static IReadOnlyList<NotifyTestResult> Send(IReadOnlyList<NotifierConfig> notifiers, string host, TimeProvider time, NotifyHttp? http = null)
    {
        using var owned = http is null ? new NotifyHttp() : null;
        NotifyHttp client = http ?? owned!;
        AlertMessage test = AlertText.TestMessage(host, time.GetUtcNow());
        var results = new List<NotifyTestResult>();
        foreach (NotifierConfig notifier in notifiers)
        {
            SendResult sent = Notifiers.Create(notifier, client).SendAsync([test], time.GetUtcNow(), CancellationToken.None).GetAwaiter().GetResult();
            results.Add(new NotifyTestResult(notifier.Name, NotifierConfig.TypeName(notifier.Type), sent.Ok, sent.Ok ? null : sent.Error));
        }

        return results;
    }
}
