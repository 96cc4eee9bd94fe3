using System.Net;
using System.Text;
using Holt.Config;
using Holt.Gateway;
using Holt.Text;

namespace Holt.Monitor;

/// <summary>
/// holt.toml's <c>[monitor.metrics]</c>: the Prometheus endpoint. By default it listens on the gateway's own VPN
/// address (reachable through the tunnel, like SSH, never from the internet) on port 9586, the port of MindFlavor's
/// prometheus_wireguard_exporter, so a scrape config written for it keeps working.
/// </summary>
internal sealed record MetricsConfig
{
    public const int DefaultPort = 9586;

    public static MetricsConfig Default { get; } = new();

    public bool Enabled { get; init; } = true;

    /// <summary>Where to listen; null means the gateway's VPN address on <see cref="DefaultPort"/>.</summary>
    public IReadOnlyList<IPEndPoint>? Listen { get; init; }

    /// <summary>Whether <see cref="Listen"/> may name an address that is neither the gateway's VPN address nor loopback.</summary>
    public bool Public { get; init; }

    /// <summary>The bearer token a scrape must present, written in holt.toml; null for none (or a <see cref="TokenFile"/>).</summary>
    public BearerToken? Token { get; init; }

    /// <summary>A file whose content is the token, read when the endpoint starts or reloads.</summary>
    public string? TokenFile { get; init; }

    /// <summary>The addresses to listen on for <paramref name="gateway"/>: <see cref="Listen"/>, or the gateway's VPN address.</summary>
    public IReadOnlyList<IPEndPoint> ListenFor(GatewayConfig gateway) => Listen ?? [new IPEndPoint(gateway.Address, DefaultPort)];

    public bool Equals(MetricsConfig? other) =>
        other is not null && Enabled == other.Enabled && Public == other.Public && Equals(Token, other.Token) &&
        TokenFile == other.TokenFile && (Listen ?? []).SequenceEqual(other.Listen ?? []) && (Listen is null) == (other.Listen is null);

    public override int GetHashCode() => HashCode.Combine(Enabled, Public, Token, TokenFile, Listen?.Count);
}

/// <summary>
/// A bearer token. It prints as "(hidden)", so a record that holds it (and is logged or shown) never gives it away;
/// only <see cref="Value"/> has it.
/// </summary>
internal sealed class BearerToken(string value) : IEquatable<BearerToken>
{
    /// <summary>The shortest token accepted: a guessable one would make the check pointless.</summary>
    public const int MinLength = 16;

    public const int MaxLength = 512;

    private static readonly System.Buffers.SearchValues<char> s_tokenCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");

    public string Value { get; } = value;

    /// <summary>RFC 6750's b64token: letters, digits and <c>-._~+/</c>, then optional '=' padding.</summary>
    public static bool IsWellFormed(string text)
    {
        int end = text.Length;
        while (end > 0 && text[end - 1] == '=')
        {
            end--;
        }

        return text.Length is >= MinLength and <= MaxLength &&
            text.AsSpan(0, end).IndexOfAnyExcept(s_tokenCharacters) < 0;
    }

    public bool Equals(BearerToken? other) => other is not null && other.Value == Value;

    public override bool Equals(object? obj) => Equals(obj as BearerToken);

    public override int GetHashCode() => Value.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => "(hidden)";
}

/// <summary>Reads, checks and writes <c>[monitor.metrics]</c>, for <see cref="MonitorSection"/>.</summary>
internal static class MetricsConfigSection
{
    private const string Where = "monitor.metrics";

    /// <summary>The sub-table of <c>[monitor]</c>, or the defaults when it has none.</summary>
    public static MetricsConfig Read(TableReader monitor, SectionTables tables)
    {
        if (monitor.OptionalTable("metrics", $"[{Where}] ") is not TableReader table)
        {
            return MetricsConfig.Default;
        }

        _ = tables.Remember(Where, 0, table);
        table.RefuseUnknown("enabled", "listen", "public", "token", "token_file");
        if (table.Has("token") && table.Has("token_file"))
        {
            throw table.Error("token_file", "'token' and 'token_file' exclude each other; keep one");
        }

        BearerToken? token = null;
        if (table.OptionalString("token") is string text)
        {
            // The value is a secret: the refusal describes it, never repeats it.
            if (!BearerToken.IsWellFormed(text))
            {
                throw table.Error("token", $"'token' must be {BearerToken.MinLength} to {BearerToken.MaxLength} characters of letters, digits and -._~+/ (for example the output of `openssl rand -base64 32`)");
            }

            token = new BearerToken(text);
        }

        string? tokenFile = table.OptionalString("token_file");
        if (tokenFile is not null && !Path.IsPathFullyQualified(tokenFile))
        {
            throw table.Error("token_file", $"'token_file' must be an absolute path, not \"{Printable.Of(tokenFile)}\"");
        }

        List<IPEndPoint>? listen = null;
        if (table.OptionalStringOrStrings("listen") is List<string> addresses)
        {
            if (addresses.Count is 0 or > 8)
            {
                throw table.Error("listen", "'listen' must name 1 to 8 addresses");
            }

            listen = [];
            foreach (string address in addresses)
            {
                IPEndPoint endpoint = ParseListen(address) ?? throw table.Error("listen", $"'listen' must be an address with an optional port, such as \"10.8.0.1:{MetricsConfig.DefaultPort}\" or \"127.0.0.1\", not \"{Printable.Of(address)}\"");
                if (listen.Contains(endpoint))
                {
                    throw table.Error("listen", $"'listen' names {endpoint} twice");
                }

                listen.Add(endpoint);
            }
        }

        return new MetricsConfig
        {
            Enabled = table.OptionalBoolean("enabled") ?? true,
            Listen = listen,
            Public = table.OptionalBoolean("public") ?? false,
            Token = token,
            TokenFile = tokenFile,
        };
    }

    /// <summary>
    /// The endpoint may listen only where the internet cannot reach it: the gateway's own VPN addresses, or
    /// loopback (for an SSH port forward), unless <c>public = true</c> says the operator means it.
    /// </summary>
    public static void Check(HoltConfig config, MetricsConfig metrics, ConfigChecker checker)
    {
        if (metrics.Listen is null || metrics.Public || config.Find<GatewayConfig>() is not GatewayConfig gateway)
        {
            return;
        }

        foreach (IPEndPoint endpoint in metrics.Listen)
        {
            IPAddress address = endpoint.Address;
            if (!IPAddress.IsLoopback(address) && !address.Equals(gateway.Address) && !address.Equals(gateway.Address6))
            {
                string own = gateway.Address6 is IPAddress six ? $"{gateway.Address} or {six}" : gateway.Address.ToString();
                checker.Fail(ConfigPlace.Of(Where, "listen"), $"[{Where}] listen {endpoint} is not the gateway's VPN address ({own}) nor loopback: the internet must never see the metrics; set public = true to mean it");
            }
        }
    }

    /// <summary>The table's canonical text; nothing when every value is the default.</summary>
    public static void Write(StringBuilder text, MetricsConfig metrics)
    {
        if (metrics.Equals(MetricsConfig.Default))
        {
            return;
        }

        text.Append("\n# Prometheus metrics at http://ADDRESS:PORT/metrics (by default the gateway's VPN address, port 9586).\n");
        text.Append($"[{Where}]\n");
        TomlWriter.Flag(text, "enabled", metrics.Enabled);
        if (metrics.Listen is not null)
        {
            TomlWriter.List(text, "listen", metrics.Listen.Select(Format));
        }

        if (metrics.Public)
        {
            TomlWriter.Flag(text, "public", true);
        }

        if (metrics.Token is BearerToken token)
        {
            TomlWriter.Key(text, "token", token.Value);
        }

        if (metrics.TokenFile is string file)
        {
            TomlWriter.Key(text, "token_file", file);
        }
    }

    /// <summary>"ADDRESS", "ADDRESS:PORT", or "[IPV6]:PORT"; the port defaults to 9586. Null when it does not read.</summary>
    internal static IPEndPoint? ParseListen(string text)
    {
        if (AddressText.TryParse(text, out IPAddress? bare))
        {
            return new IPEndPoint(bare, MetricsConfig.DefaultPort);
        }

        int colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            return null;
        }

        string host = text[..colon];
        string port = text[(colon + 1)..];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            if (!host.Contains(':', StringComparison.Ordinal))
            {
                return null;
            }
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            // An IPv6 address with a port is written in brackets; without them the port cannot be told apart.
            return null;
        }

        return AddressText.TryParse(host, out IPAddress? address) && port.Length is > 0 and <= 5 && port.All(char.IsAsciiDigit) &&
            int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) is int number and > 0 and <= 65535
            ? new IPEndPoint(address, number)
            : null;
    }

    private static string Format(IPEndPoint endpoint) => endpoint.ToString();
}
