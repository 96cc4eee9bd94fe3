using System.Globalization;
using System.Text;

namespace Holt.Monitor.Notify;

/// <summary>The words every text notifier (ntfy, Telegram, mail, Slack, Discord) uses for an alert message.</summary>
internal static class AlertText
{
    public const string TestAlertName = "HoltNotifyTest";

    /// <summary>What <c>holt monitor notify-test</c> sends: labelled and worded as a test, never a real alert.</summary>
    public static AlertMessage TestMessage(string host, DateTimeOffset now) => new()
    {
        Key = "notify_test:" + host,
        Rule = "notify_test",
        Severity = AlertSeverity.Info,
        Summary = $"test message from holt on {host}",
        Description = $"holt monitor notify-test on {host} sent this to check that its alerts reach you; it is not an alert.",
        Labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["alertname"] = TestAlertName,
            ["severity"] = "info",
            ["gateway"] = host,
        },
        StartsAt = now,
        Test = true,
    };

    /// <summary>FIRING, RESOLVED or TEST.</summary>
    public static string Status(AlertMessage message) => message.Test ? "TEST" : message.Resolved ? "RESOLVED" : "FIRING";

    /// <summary>Alertmanager's status words: firing or resolved (a test fires).</summary>
    public static string AlertmanagerStatus(AlertMessage message) => message.Resolved ? "resolved" : "firing";

    public static string SeverityName(AlertSeverity severity) => severity.ToString().ToLowerInvariant();

    /// <summary>One line: <c>[FIRING] expected peer home is down</c>.</summary>
    public static string Title(AlertMessage message) => $"[{Status(message)}] {OneLine(message.Summary)}";

    /// <summary>The text under the title: why, the labels, and since when.</summary>
    public static string Body(AlertMessage message)
    {
        var text = new StringBuilder();
        text.Append(OneLine(message.Description)).Append('\n');
        foreach ((string name, string value) in message.Labels.Where(l => l.Key != "alertname").OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            text.Append(OneLine(name)).Append(": ").Append(OneLine(value)).Append('\n');
        }

        text.Append("since ").Append(Time(message.StartsAt));
        if (message.EndsAt is DateTimeOffset ended)
        {
            text.Append(", resolved ").Append(Time(ended));
        }

        return text.Append('\n').ToString();
    }

    /// <summary>Title and body in one text.</summary>
    public static string Full(AlertMessage message) => Title(message) + "\n" + Body(message);

    /// <summary>A time as people read it in an alert: UTC to the second.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>RFC 3339 as Alertmanager writes it, in UTC with milliseconds.</summary>
    public static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Text cut to <paramref name="max"/> characters, with an ellipsis when cut.</summary>
    public static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>Line breaks and other control characters become spaces: a label cannot forge a line.</summary>
    public static string OneLine(string text) => new(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
}
