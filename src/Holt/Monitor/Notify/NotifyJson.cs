using System.Text.Json.Serialization;

namespace Holt.Monitor.Notify;

/// <summary>
/// Alertmanager's webhook payload, version 4 (its <c>webhook_config</c> receiver), which Holt's generic webhook
/// sends as is so any receiver written for Alertmanager takes Holt's alerts.
/// </summary>
internal sealed record WebhookPayload
{
    [JsonPropertyName("version")]
    public string Version { get; init; } = "4";

    [JsonPropertyName("groupKey")]
    public required string GroupKey { get; init; }

    [JsonPropertyName("truncatedAlerts")]
    public int TruncatedAlerts { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("receiver")]
    public required string Receiver { get; init; }

    [JsonPropertyName("groupLabels")]
    public required SortedDictionary<string, string> GroupLabels { get; init; }

    [JsonPropertyName("commonLabels")]
    public required SortedDictionary<string, string> CommonLabels { get; init; }

    [JsonPropertyName("commonAnnotations")]
    public required SortedDictionary<string, string> CommonAnnotations { get; init; }

    [JsonPropertyName("externalURL")]
    public string ExternalUrl { get; init; } = "";

    [JsonPropertyName("alerts")]
    public required IReadOnlyList<WebhookAlert> Alerts { get; init; }
}

/// <summary>One alert of <see cref="WebhookPayload"/>.</summary>
internal sealed record WebhookAlert
{
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("labels")]
    public required SortedDictionary<string, string> Labels { get; init; }

    [JsonPropertyName("annotations")]
    public required SortedDictionary<string, string> Annotations { get; init; }

    [JsonPropertyName("startsAt")]
    public required string StartsAt { get; init; }

    /// <summary>Go's zero time while the alert fires, as Alertmanager writes it.</summary>
    [JsonPropertyName("endsAt")]
    public required string EndsAt { get; init; }

    [JsonPropertyName("generatorURL")]
    public string GeneratorUrl { get; init; } = "";

    [JsonPropertyName("fingerprint")]
    public required string Fingerprint { get; init; }
}

/// <summary>One alert as Alertmanager's API takes it: <c>POST /api/v2/alerts</c> with a list of these.</summary>
internal sealed record PostableAlert
{
    [JsonPropertyName("labels")]
    public required SortedDictionary<string, string> Labels { get; init; }

    [JsonPropertyName("annotations")]
    public required SortedDictionary<string, string> Annotations { get; init; }

    [JsonPropertyName("startsAt")]
    public required string StartsAt { get; init; }

    [JsonPropertyName("endsAt")]
    public required string EndsAt { get; init; }

    [JsonPropertyName("generatorURL")]
    public string GeneratorUrl { get; init; } = "";
}

/// <summary>Telegram's <c>sendMessage</c>.</summary>
internal sealed record TelegramMessage(
    [property: JsonPropertyName("chat_id")] string ChatId,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("disable_web_page_preview")] bool DisableWebPagePreview);

/// <summary>A Slack incoming webhook's message.</summary>
internal sealed record SlackMessage([property: JsonPropertyName("text")] string Text);

/// <summary>A Discord webhook's message; <see cref="AllowedMentions"/> empty so an alert's text never pings anyone.</summary>
internal sealed record DiscordMessage(
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("allowed_mentions")] DiscordMentions AllowedMentions);

internal sealed record DiscordMentions([property: JsonPropertyName("parse")] IReadOnlyList<string> Parse);

[JsonSerializable(typeof(WebhookPayload))]
[JsonSerializable(typeof(IReadOnlyList<PostableAlert>))]
[JsonSerializable(typeof(TelegramMessage))]
[JsonSerializable(typeof(SlackMessage))]
[JsonSerializable(typeof(DiscordMessage))]
internal sealed partial class NotifyJson : JsonSerializerContext;
