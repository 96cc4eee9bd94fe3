using System.Globalization;
using System.Text;

namespace Holt.Monitor.Notify;

/// <summary>
/// Alertmanager's shapes of an alert message: its labels, its annotations (summary and description), its
/// fingerprint, and the webhook payload (version 4) a group of them makes.
/// </summary>
internal static class AlertmanagerFormat
{
    /// <summary>Go's zero time, which Alertmanager writes as the end of an alert that still fires.</summary>
    public const string ZeroTime = "0001-01-01T00:00:00Z";

    public static SortedDictionary<string, string> Labels(AlertMessage message)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, string value) in message.Labels)
        {
            labels[name] = value;
        }

        _ = labels.TryAdd("alertname", "Holt" + Pascal(message.Rule));
        _ = labels.TryAdd("severity", AlertText.SeverityName(message.Severity));
        return labels;
    }

    public static SortedDictionary<string, string> Annotations(AlertMessage message) => new(StringComparer.Ordinal)
    {
        ["summary"] = message.Summary,
        ["description"] = message.Description,
    };

    /// <summary>
    /// Prometheus' fingerprint of a label set, so a receiver that keys on it sees the value Alertmanager would:
    /// FNV-1a 64 over the labels sorted by name, each name and value followed by the byte 0xff, as 16 hex digits.
    /// </summary>
    public static string Fingerprint(IReadOnlyDictionary<string, string> labels)
    {
        const ulong Offset = 14695981039346656037;
        const ulong Prime = 1099511628211;
        ulong hash = Offset;
        foreach ((string name, string value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            foreach (byte b in Encoding.UTF8.GetBytes(name))
            {
                hash = (hash ^ b) * Prime;
            }

            hash = (hash ^ 0xff) * Prime;
            foreach (byte b in Encoding.UTF8.GetBytes(value))
            {
                hash = (hash ^ b) * Prime;
            }

            hash = (hash ^ 0xff) * Prime;
        }

        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>The webhook payload of <paramref name="messages"/>, for the receiver named <paramref name="receiver"/>.</summary>
    public static WebhookPayload Webhook(IReadOnlyList<AlertMessage> messages, string receiver)
    {
        var alerts = messages.Select(m =>
        {
            SortedDictionary<string, string> labels = Labels(m);
            return new WebhookAlert
            {
                Status = AlertText.AlertmanagerStatus(m),
                Labels = labels,
                Annotations = Annotations(m),
                StartsAt = AlertText.Rfc3339(m.StartsAt),
                EndsAt = m.EndsAt is DateTimeOffset ended ? AlertText.Rfc3339(ended) : ZeroTime,
                Fingerprint = Fingerprint(labels),
            };
        }).ToList();
        SortedDictionary<string, string> common = Common(alerts.Select(a => a.Labels));
        var group = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (common.TryGetValue("alertname", out string? name))
        {
            group["alertname"] = name;
        }

        return new WebhookPayload
        {
            GroupKey = "{}:{" + string.Join(", ", group.Select(l => $"{l.Key}=\"{l.Value}\"")) + "}",
            Status = alerts.Any(a => a.Status == "firing") ? "firing" : "resolved",
            Receiver = receiver,
            GroupLabels = group,
            CommonLabels = common,
            CommonAnnotations = Common(alerts.Select(a => a.Annotations)),
            Alerts = alerts,
        };
    }

    /// <summary>The pairs every set has.</summary>
    private static SortedDictionary<string, string> Common(IEnumerable<SortedDictionary<string, string>> sets)
    {
        SortedDictionary<string, string>? common = null;
        foreach (SortedDictionary<string, string> set in sets)
        {
            if (common is null)
            {
                common = new SortedDictionary<string, string>(set, StringComparer.Ordinal);
                continue;
            }

            foreach (string key in common.Keys.Where(k => !set.TryGetValue(k, out string? v) || v != common[k]).ToList())
            {
                _ = common.Remove(key);
            }
        }

        return common ?? new SortedDictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>peer_down → PeerDown.</summary>
    private static string Pascal(string snake) =>
        string.Concat(snake.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}
