namespace Holt.Monitor.Notify;

/// <summary>The kinds of notifier holt.toml's <c>type</c> names.</summary>
internal enum NotifierType
{
    Webhook,
    Alertmanager,
    Ntfy,
    Telegram,
    Smtp,
    Slack,
    Discord,
}

/// <summary>How an SMTP notifier protects its connection.</summary>
internal enum SmtpTls
{
    /// <summary>Plain connection upgraded with STARTTLS (port 587); refused if the server does not offer it.</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    Implicit,

    /// <summary>No TLS: only for a relay on this host, since the message (and any password) would cross in clear.</summary>
    None,
}

/// <summary>
/// One <c>[[monitor.notify]]</c> entry: where alerts go. Secrets are kept as written (<see cref="Token"/> or the
/// path in <see cref="TokenFile"/>) and read from their file only when a message is sent, so a rotated token is
/// picked up without a reload and holt.toml can stay free of secrets.
/// </summary>
internal sealed record NotifierConfig
{
    public const string DefaultTelegramApi = "https://api.telegram.org";

    public required string Name { get; init; }

    public required NotifierType Type { get; init; }

    /// <summary>
    /// The endpoint: the webhook, Alertmanager's base URL, the ntfy topic, Slack's or Discord's incoming webhook,
    /// or Telegram's API base. Null for SMTP, and for Telegram when the default API is meant.
    /// </summary>
    public Uri? Url { get; init; }

    /// <summary>A bearer token (webhook, alertmanager, ntfy) or the bot token (telegram).</summary>
    public string? Token { get; init; }

    /// <summary>A file holding <see cref="Token"/> instead (mode 0600 advised).</summary>
    public string? TokenFile { get; init; }

    /// <summary>Telegram's chat: a number, or @channel.</summary>
    public string? ChatId { get; init; }

    public string? Host { get; init; }

    public int Port { get; init; }

    public SmtpTls Tls { get; init; } = SmtpTls.StartTls;

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string? PasswordFile { get; init; }

    public string? From { get; init; }

    public IReadOnlyList<string> To { get; init; } = [];

    /// <summary>Whether resolved notices are sent too.</summary>
    public bool Resolved { get; init; } = true;

    /// <summary>The default SMTP port for a TLS mode: submission (587), submissions (465) or smtp (25).</summary>
    public static int DefaultPort(SmtpTls tls) => tls switch
    {
        SmtpTls.Implicit => 465,
        SmtpTls.None => 25,
        _ => 587,
    };

    /// <summary>The lower-case name holt.toml uses for <paramref name="type"/>.</summary>
    public static string TypeName(NotifierType type) => type.ToString().ToLowerInvariant();

    public static string TlsName(SmtpTls tls) => tls switch
    {
        SmtpTls.Implicit => "implicit",
        SmtpTls.None => "none",
        _ => "starttls",
    };
}
