namespace Holt.Monitor.Notify;

/// <summary>The sender of each notifier type.</summary>
internal static class Notifiers
{
    /// <summary>A notifier for <paramref name="config"/>; web ones share <paramref name="http"/>.</summary>
    public static INotifier Create(NotifierConfig config, NotifyHttp http, TimeSpan? smtpTimeout = null) => config.Type switch
    {
        NotifierType.Webhook => new WebhookNotifier(config, http),
        NotifierType.Alertmanager => new AlertmanagerNotifier(config, http),
        NotifierType.Ntfy => new NtfyNotifier(config, http),
        NotifierType.Telegram => new TelegramNotifier(config, http),
        NotifierType.Smtp => new SmtpNotifier(config, smtpTimeout),
        NotifierType.Slack => new SlackNotifier(config, http),
        NotifierType.Discord => new DiscordNotifier(config, http),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Type, "unknown notifier type"),
    };
}
