using System.Text.Json;

namespace Holt.Monitor.Notify;

/// <summary>
/// Telegram's Bot API: <c>POST {api}/bot{token}/sendMessage</c>. The token is part of the URL, so it is among the
/// secrets every error is scrubbed of, and the URL is never put in any text.
/// </summary>
internal sealed class TelegramNotifier(NotifierConfig config, NotifyHttp http) : HttpNotifier(config, http)
{
    /// <summary>Telegram's limit on a message's text.</summary>
    public const int MaxText = 4096;

    protected override bool IsUsable(string token) => SecretText.IsTelegramToken(token);

    protected override Task<SendResult> SendAsync(IReadOnlyList<AlertMessage> messages, string? token, IReadOnlyList<string?> secrets, DateTimeOffset now, CancellationToken cancel)
    {
        var message = new TelegramMessage(Config.ChatId!, AlertText.Cut(AlertText.Full(messages[0]), MaxText), DisableWebPagePreview: true);
        string json = JsonSerializer.Serialize(message, NotifyJson.Default.TelegramMessage);

        // No bearer header: Telegram takes the token in the path only.
        return Http.PostAsync(Under($"/bot{token}/sendMessage"), Json(json), bearer: null, secrets, cancel);
    }
}

/// <summary>A Slack incoming webhook: <c>{"text": …}</c>. The URL is the secret.</summary>
internal sealed class SlackNotifier(NotifierConfig config, NotifyHttp http) : HttpNotifier(config, http)
{
    /// <summary>Slack truncates a message's text beyond this.</summary>
    public const int MaxText = 40_000;

    protected override Task<SendResult> SendAsync(IReadOnlyList<AlertMessage> messages, string? token, IReadOnlyList<string?> secrets, DateTimeOffset now, CancellationToken cancel)
    {
        string json = JsonSerializer.Serialize(new SlackMessage(AlertText.Cut(AlertText.Full(messages[0]), MaxText)), NotifyJson.Default.SlackMessage);
        return Http.PostAsync(Config.Url!, Json(json), bearer: null, secrets, cancel);
    }
}

/// <summary>A Discord webhook: <c>{"content": …}</c>, cut to Discord's limit, mentioning no one. The URL is the secret.</summary>
internal sealed class DiscordNotifier(NotifierConfig config, NotifyHttp http) : HttpNotifier(config, http)
{
    /// <summary>Discord refuses a message whose content is longer.</summary>
    public const int MaxContent = 2000;

    protected override Task<SendResult> SendAsync(IReadOnlyList<AlertMessage> messages, string? token, IReadOnlyList<string?> secrets, DateTimeOffset now, CancellationToken cancel)
    {
        var message = new DiscordMessage(AlertText.Cut(AlertText.Full(messages[0]), MaxContent), new DiscordMentions([]));
        string json = JsonSerializer.Serialize(message, NotifyJson.Default.DiscordMessage);
        return Http.PostAsync(Config.Url!, Json(json), bearer: null, secrets, cancel);
    }
}
