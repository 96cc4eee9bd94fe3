using System.Net;
using System.Text;
using Holt.Config;
using Holt.Text;

namespace Holt.Monitor.Notify;

/// <summary>
/// The <c>[[monitor.notify]]</c> tables of holt.toml's <c>[monitor]</c> section: read, refused at their line when
/// wrong, and written back the same. A refusal never repeats a URL or a token, since either may be a secret
/// (Slack's and Discord's webhook URLs are).
/// </summary>
internal static class NotifierToml
{
    public const string Table = "monitor.notify";

    private static readonly string[] s_common = ["name", "type", "resolved"];
    private static readonly string[] s_http = ["url", "token", "token_file"];
    private static readonly string[] s_chat = ["url"];
    private static readonly string[] s_telegram = ["url", "token", "token_file", "chat_id"];
    private static readonly string[] s_smtp = ["host", "port", "tls", "username", "password", "password_file", "from", "to"];

    /// <summary>Reads every <c>[[monitor.notify]]</c> under <paramref name="monitor"/>, in file order.</summary>
    public static List<NotifierConfig> Read(TableReader monitor, SectionTables tables)
    {
        var notifiers = new List<NotifierConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        List<TableReader> entries = monitor.Tables("notify", Table);
        for (int i = 0; i < entries.Count; i++)
        {
            TableReader entry = tables.Remember(Table, i, entries[i]);
            NotifierConfig notifier = ReadOne(entry);
            if (!names.Add(notifier.Name))
            {
                throw entry.Error("name", $"notifier name '{notifier.Name}' is used twice; each [[monitor.notify]] needs its own");
            }

            notifiers.Add(notifier);
        }

        return notifiers;
    }

    /// <summary>Appends the <c>[[monitor.notify]]</c> tables; they belong after the <c>[monitor]</c> keys.</summary>
    public static void Write(StringBuilder text, IReadOnlyList<NotifierConfig> notifiers)
    {
        foreach (NotifierConfig notifier in notifiers)
        {
            text.Append("\n[[monitor.notify]]\n");
            TomlWriter.Key(text, "name", notifier.Name);
            TomlWriter.Key(text, "type", NotifierConfig.TypeName(notifier.Type));
            if (notifier.Url is Uri url && !(notifier.Type == NotifierType.Telegram && url.OriginalString == NotifierConfig.DefaultTelegramApi))
            {
                TomlWriter.Key(text, "url", url.OriginalString);
            }

            Optional(text, "token", notifier.Token);
            Optional(text, "token_file", notifier.TokenFile);
            Optional(text, "chat_id", notifier.ChatId);
            if (notifier.Type == NotifierType.Smtp)
            {
                TomlWriter.Key(text, "host", notifier.Host!);
                TomlWriter.Number(text, "port", notifier.Port);
                TomlWriter.Key(text, "tls", NotifierConfig.TlsName(notifier.Tls));
                Optional(text, "username", notifier.Username);
                Optional(text, "password", notifier.Password);
                Optional(text, "password_file", notifier.PasswordFile);
                TomlWriter.Key(text, "from", notifier.From!);
                TomlWriter.List(text, "to", notifier.To);
            }

            if (!notifier.Resolved)
            {
                TomlWriter.Flag(text, "resolved", false);
            }
        }
    }

    private static void Optional(StringBuilder text, string key, string? value)
    {
        if (value is not null)
        {
            TomlWriter.Key(text, key, value);
        }
    }

    private static NotifierConfig ReadOne(TableReader entry)
    {
        entry.RefuseUnknown([.. s_common, .. s_telegram, .. s_smtp]);
        string name = entry.RequiredString("name");
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw entry.Error("name", $"'name' must be 1 to 64 letters, digits, '-', '_' or '.', not \"{Printable.Of(name)}\"");
        }

        string typeText = entry.RequiredString("type");
        NotifierType type = typeText switch
        {
            "webhook" => NotifierType.Webhook,
            "alertmanager" => NotifierType.Alertmanager,
            "ntfy" => NotifierType.Ntfy,
            "telegram" => NotifierType.Telegram,
            "smtp" => NotifierType.Smtp,
            "slack" => NotifierType.Slack,
            "discord" => NotifierType.Discord,
            _ => throw entry.Error("type", $"'type' must be webhook, alertmanager, ntfy, telegram, smtp, slack or discord, not \"{Printable.Of(typeText)}\""),
        };

        string[] allowed = type switch
        {
            NotifierType.Telegram => s_telegram,
            NotifierType.Smtp => s_smtp,
            NotifierType.Slack or NotifierType.Discord => s_chat,
            _ => s_http,
        };
        foreach (string key in s_telegram.Concat(s_smtp).Distinct().Where(k => entry.Has(k) && !allowed.Contains(k)))
        {
            throw entry.Error(key, $"'{key}' does not apply to a {typeText} notifier");
        }

        var notifier = new NotifierConfig
        {
            Name = name,
            Type = type,
            Resolved = entry.OptionalBoolean("resolved") ?? true,
        };
        return type == NotifierType.Smtp ? ReadSmtp(entry, notifier) : ReadHttp(entry, notifier, typeText);
    }

    private static NotifierConfig ReadHttp(TableReader entry, NotifierConfig notifier, string typeText)
    {
        Uri? url = ReadUrl(entry);
        if (url is null && notifier.Type != NotifierType.Telegram)
        {
            throw entry.Error("name", $"[[monitor.notify]] '{notifier.Name}' ({typeText}) is missing 'url'");
        }

        (string? token, string? tokenFile) = ReadSecret(entry, "token", "token_file");
        if (token is not null && !SecretText.IsToken(token))
        {
            throw entry.Error("token", "'token' must be one word of printable characters, without spaces or quotes");
        }

        string? chatId = null;
        if (notifier.Type == NotifierType.Telegram)
        {
            if (token is null && tokenFile is null)
            {
                throw entry.Error("name", $"[[monitor.notify]] '{notifier.Name}' (telegram) is missing 'token', the bot's token (or 'token_file')");
            }

            if (token is not null && !SecretText.IsTelegramToken(token))
            {
                throw entry.Error("token", "'token' must be a Telegram bot token, such as 123456:ABC-DEF_ghi");
            }

            chatId = entry.OptionalString("chat_id")
                ?? throw entry.Error("name", $"[[monitor.notify]] '{notifier.Name}' (telegram) is missing 'chat_id'");
            if (chatId.Length is 0 or > 64 || !(chatId.TrimStart('-').All(char.IsAsciiDigit) || (chatId[0] == '@' && chatId.Skip(1).All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))))
            {
                throw entry.Error("chat_id", $"'chat_id' must be a chat's number or @channelname, not \"{Printable.Of(chatId)}\"");
            }

            url ??= new Uri(NotifierConfig.DefaultTelegramApi);
        }

        return notifier with { Url = url, Token = token, TokenFile = tokenFile, ChatId = chatId };
    }

    private static Uri? ReadUrl(TableReader entry)
    {
        string? text = entry.OptionalString("url");
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? url) || string.IsNullOrEmpty(url.Host))
        {
            throw entry.Error("url", "'url' must be an http:// or https:// URL with a host");
        }

        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            throw entry.Error("url", $"'url' must be an http:// or https:// URL, not {Printable.Of(url.Scheme)}:");
        }

        if (url.UserInfo.Length > 0)
        {
            throw entry.Error("url", "'url' must not hold a user name or password; give a bearer token in 'token'");
        }

        return url;
    }

    private static (string? Value, string? File) ReadSecret(TableReader entry, string key, string fileKey)
    {
        string? value = entry.OptionalString(key);
        string? file = entry.OptionalString(fileKey);
        if (value is not null && file is not null)
        {
            throw entry.Error(fileKey, $"'{key}' and '{fileKey}' exclude each other; keep one");
        }

        if (file is not null && !Path.IsPathFullyQualified(file))
        {
            throw entry.Error(fileKey, $"'{fileKey}' must be an absolute path, not \"{Printable.Of(file)}\"");
        }

        if (value is { Length: 0 })
        {
            throw entry.Error(key, $"'{key}' is empty");
        }

        return (value, file);
    }

    private static NotifierConfig ReadSmtp(TableReader entry, NotifierConfig notifier)
    {
        string host = entry.OptionalString("host")
            ?? throw entry.Error("name", $"[[monitor.notify]] '{notifier.Name}' (smtp) is missing 'host'");
        if (host.Length is 0 or > 253 || (host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '@' or ':') && !IPAddress.TryParse(host, out _)))
        {
            throw entry.Error("host", $"'host' must be a host name or address, not \"{Printable.Of(host)}\"");
        }

        string tlsText = entry.OptionalString("tls") ?? "starttls";
        SmtpTls tls = tlsText switch
        {
            "starttls" => SmtpTls.StartTls,
            "implicit" => SmtpTls.Implicit,
            "none" => SmtpTls.None,
            _ => throw entry.Error("tls", $"'tls' must be starttls, implicit or none, not \"{Printable.Of(tlsText)}\""),
        };
        int port = (int)(entry.OptionalInteger("port", 1, 65535) ?? NotifierConfig.DefaultPort(tls));
        string from = entry.OptionalString("from")
            ?? throw entry.Error("name", $"[[monitor.notify]] '{notifier.Name}' (smtp) is missing 'from', the sender's address");
        if (!SecretText.IsMailAddress(from))
        {
            throw entry.Error("from", $"'from' must be a mail address such as holt@example.com, not \"{Printable.Of(from)}\"");
        }

        List<string> to = entry.OptionalStringOrStrings("to") ?? [];
        if (to.Count == 0)
        {
            throw entry.Error(entry.Has("to") ? "to" : "name", $"[[monitor.notify]] '{notifier.Name}' (smtp) is missing 'to', the addresses to send to");
        }

        if (to.FirstOrDefault(a => !SecretText.IsMailAddress(a)) is string wrong)
        {
            throw entry.Error("to", $"'to' must list mail addresses such as ops@example.com, not \"{Printable.Of(wrong)}\"");
        }

        string? username = entry.OptionalString("username");
        (string? password, string? passwordFile) = ReadSecret(entry, "password", "password_file");
        if (username is null && (password ?? passwordFile) is not null)
        {
            throw entry.Error(password is null ? "password_file" : "password", "a password needs 'username' too");
        }

        if (username is not null)
        {
            if (username.Length == 0 || username.Any(char.IsControl))
            {
                throw entry.Error("username", "'username' must be a non-empty line");
            }

            if ((password ?? passwordFile) is null)
            {
                throw entry.Error("username", $"[[monitor.notify]] '{notifier.Name}' (smtp) has 'username' but is missing 'password' (or 'password_file')");
            }

            if (tls == SmtpTls.None && !IsLoopback(host))
            {
                throw entry.Error("tls", "tls = \"none\" would send the password in clear; use starttls or implicit (none is for a relay on this host)");
            }
        }

        if (password is not null && password.Any(char.IsControl))
        {
            throw entry.Error("password", "'password' must not contain control characters");
        }

        return notifier with
        {
            Host = host,
            Port = port,
            Tls = tls,
            From = from,
            To = to,
            Username = username,
            Password = password,
            PasswordFile = passwordFile,
        };
    }

    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address));
}
