using System.Net.Http.Headers;
using System.Text;

namespace Holt.Monitor.Notify;

/// <summary>
/// What the web notifiers share: the configuration, the shared <see cref="NotifyHttp"/>, the token read when needed,
/// and the list of secrets every error text is scrubbed of (the token, and the URL's path, which for Slack and
/// Discord is the secret itself).
/// </summary>
internal abstract class HttpNotifier(NotifierConfig config, NotifyHttp http) : INotifier
{
    public NotifierConfig Config { get; } = config;

    public virtual int MaxBatch => 1;

    protected NotifyHttp Http { get; } = http;

    public async Task<SendResult> SendAsync(IReadOnlyList<AlertMessage> messages, DateTimeOffset now, CancellationToken cancel)
    {
        string? token = SecretText.Resolve(Config.Token, Config.TokenFile, "token_file", out string? error);
        if (error is not null)
        {
            return SendResult.Failed(error);
        }

        if (token is not null && !IsUsable(token))
        {
            return SendResult.Failed($"token_file {Config.TokenFile} does not hold a usable token");
        }

        string?[] secrets = [token, Config.Url?.AbsoluteUri, Config.Url?.PathAndQuery];
        try
        {
            return await SendAsync(messages, token, secrets, now, cancel).ConfigureAwait(false);
        }
        catch (UriFormatException)
        {
            return SendResult.Refused("the url with the token is not a valid URL");
        }
    }

    protected abstract Task<SendResult> SendAsync(IReadOnlyList<AlertMessage> messages, string? token, IReadOnlyList<string?> secrets, DateTimeOffset now, CancellationToken cancel);

    protected virtual bool IsUsable(string token) => SecretText.IsToken(token);

    protected static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary><paramref name="path"/> under the configured URL's path, whether or not it ends in a slash.</summary>
    protected Uri Under(string path)
    {
        var builder = new UriBuilder(Config.Url!);
        builder.Path = builder.Path.TrimEnd('/') + path;
        return builder.Uri;
    }
}

/// <summary>A generic webhook: Alertmanager's webhook payload, version 4, with the whole batch as one group.</summary>
internal sealed class WebhookNotifier(NotifierConfig config, NotifyHttp http) : HttpNotifier(config, http)
{
    public override int MaxBatch => 64;

    protected override Task<SendResult> SendAsync(IReadOnlyList<AlertMessage> messages, string? token, IReadOnlyList<string?> secrets, DateTimeOffset now, CancellationToken cancel)
    {
        WebhookPayload payload = AlertmanagerFormat.Webhook(messages, Config.Name);
        string json = System.Text.Json.JsonSerializer.Serialize(payload, NotifyJson.Default.WebhookPayload);
        return Http.PostAsync(Config.Url!, Json(json), token, secrets, cancel);
    }
}

/// <summary>
/// Alertmanager's own API (<c>POST /api/v2/alerts</c>), so a fleet's Alertmanager routes, groups and silences
/// Holt's alerts. Alertmanager takes an alert it has not heard of for <c>resolve_timeout</c> as resolved, so while
/// an alert fires it is posted again every <see cref="RefreshEvery"/> with an end <see cref="ValidFor"/> ahead, as
/// Prometheus does (it resends every minute with an end four resend intervals ahead): if Holt dies, Alertmanager
/// resolves the alert by itself a few minutes later instead of keeping it forever.
/// </summary>
internal sealed class AlertmanagerNotifier(NotifierConfig config, NotifyHttp http) : HttpNotifier(config, http)
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan ValidFor = 4 * RefreshEvery;

    public override int MaxBatch => 64;

    /// <summary>The alerts as the API takes them; a firing one ends <see cref="ValidFor"/> after <paramref name="now"/>.</summary>
    public static List<PostableAlert> Postable(IReadOnlyList<AlertMessage> messages, DateTimeOffset now) =>
        messages.Select(m => new PostableAlert
        {
            Labels = AlertmanagerFormat.Labels(m),
            Annotations = AlertmanagerFormat.Annotations(m),
            StartsAt = AlertText.Rfc3339(m.StartsAt),
            EndsAt = AlertText.Rfc3339(m.EndsAt ?? now + ValidFor),
        }).ToList();

    protected override Task<SendResult> SendAsync(IReadOnlyList<AlertMessage> messages, string? token, IReadOnlyList<string?> secrets, DateTimeOffset now, CancellationToken cancel)
    {
        string json = System.Text.Json.JsonSerializer.Serialize<IReadOnlyList<PostableAlert>>(Postable(messages, now), NotifyJson.Default.IReadOnlyListPostableAlert);
        return Http.PostAsync(Under("/api/v2/alerts"), Json(json), token, secrets, cancel);
    }
}

/// <summary>ntfy: the text to the topic's URL, with its title, a priority by severity and emoji tags in headers.</summary>
internal sealed class NtfyNotifier(NotifierConfig config, NotifyHttp http) : HttpNotifier(config, http)
{
    protected override Task<SendResult> SendAsync(IReadOnlyList<AlertMessage> messages, string? token, IReadOnlyList<string?> secrets, DateTimeOffset now, CancellationToken cancel)
    {
        AlertMessage message = messages[0];
        var content = new StringContent(AlertText.Body(message), Encoding.UTF8, "text/plain");
        return Http.PostAsync(Config.Url!, content, token, secrets, cancel, headers =>
        {
            headers.Add("Title", HeaderText(AlertText.Title(message)));
            headers.Add("Priority", Priority(message));
            headers.Add("Tags", Tags(message));
        });
    }

    /// <summary>ntfy's priorities: 5 urgent for critical, 4 high for a warning, 3 default otherwise and once resolved.</summary>
    public static string Priority(AlertMessage message) => message.Resolved || message.Test ? "3" : message.Severity switch
    {
        AlertSeverity.Critical => "5",
        AlertSeverity.Warning => "4",
        _ => "3",
    };

    /// <summary>Tags ntfy shows as emoji, then the rule's name.</summary>
    public static string Tags(AlertMessage message)
    {
        string emoji = message.Test ? "test_tube" : message.Resolved ? "white_check_mark" : message.Severity switch
        {
            AlertSeverity.Critical => "rotating_light",
            AlertSeverity.Warning => "warning",
            _ => "information_source",
        };
        string rule = new(message.Rule.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-').ToArray());
        return rule.Length > 0 ? $"{emoji},{rule}" : emoji;
    }

    /// <summary>
    /// A header value HTTP can carry: printable ASCII as is, anything else as an RFC 2047 encoded word, which
    /// ntfy decodes.
    /// </summary>
    public static string HeaderText(string text)
    {
        text = AlertText.Cut(AlertText.OneLine(text), 200);
        return text.All(c => c is >= ' ' and < '\u007f')
            ? text
            : "=?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) + "?=";
    }
}
