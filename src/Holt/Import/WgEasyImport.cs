using System.Globalization;
using System.Text;
using System.Text.Json;
using Holt.Text;

namespace Holt.Import;

/// <summary>
/// Reads wg-easy's state file (wg0.json, wg-easy 14 and earlier) for <c>holt import --wg-easy</c>:
/// <c>{"server": {"privateKey", "publicKey", "address"}, "clients": {ID: {"name", "address", "privateKey",
/// "publicKey", "preSharedKey", "enabled", "createdAt", "expiredAt", ...}}}</c>. wg-easy gives the server
/// ADDRESS/24 and each client one address; the port, DNS and what clients route live in its environment
/// (WG_PORT, WG_DEFAULT_DNS, WG_ALLOWED_IPS), not in this file, so the options supply them.
/// </summary>
internal static class WgEasyImport
{
    public const string Format = "wg-easy";

    /// <summary>The prefix wg-easy writes after the server's address in the wg0.conf it generates.</summary>
    private const int WgEasyPrefix = 24;

    private static readonly JsonDocumentOptions s_options = new() { MaxDepth = 16 };

    /// <summary>The client fields wg-easy keeps for itself, which mean nothing to a gateway.</summary>
    private static readonly HashSet<string> s_ignored = new(StringComparer.Ordinal) { "id", "updatedAt", "oneTimeLink", "oneTimeLinkExpiresAt" };

    public static ImportPlan Read(string file, string text, ImportOptions options)
    {
        var builder = new ImportBuilder(file);
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, s_options);
        }
        catch (JsonException e)
        {
            builder.Problem((int)(e.LineNumber ?? 0) + 1, $"this is not JSON as wg-easy writes it (at character {(e.BytePositionInLine ?? 0) + 1} of the line)");
            return builder.Failed(Format);
        }

        using (document)
        {
            Dictionary<string, int> lines = ClientLines(utf8, out int serverLine);
            var gateway = new GatewayDraft { PrivateKeyLine = serverLine };
            var peers = new List<PeerDraft>();
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("server", out JsonElement server) || server.ValueKind != JsonValueKind.Object)
            {
                builder.Problem(1, "this is not wg-easy's wg0.json: it has no \"server\" object");
                return builder.Failed(Format);
            }

            ReadServer(builder, gateway, server, serverLine);
            if (root.TryGetProperty("clients", out JsonElement clients))
            {
                if (clients.ValueKind != JsonValueKind.Object)
                {
                    builder.Problem(1, "\"clients\" must be an object of wg-easy's clients by id");
                }
                else
                {
                    foreach (JsonProperty client in clients.EnumerateObject())
                    {
                        int line = lines.GetValueOrDefault(client.Name, 1);
                        if (client.Value.ValueKind != JsonValueKind.Object)
                        {
                            builder.Problem(line, $"client {Quote(client.Name)} is not an object");
                            continue;
                        }

                        peers.Add(ReadClient(builder, client.Name, client.Value, line));
                    }
                }
            }

            if (options.Port is null && gateway.ListenPort is null)
            {
                builder.Note(0, $"wg0.json does not hold the port (WG_PORT): Holt listens on {Gateway.GatewayConfig.DefaultPort}, wg-easy's default; give --port if yours was another");
            }

            if (!options.FullTunnel)
            {
                builder.Note(0, "client configs Holt prints route the VPN only; wg-easy's (WG_ALLOWED_IPS) route everything by default: give --full-tunnel to keep that");
            }

            return builder.Build(Format, gateway, peers, options, "wg0");
        }
    }

    private static void ReadServer(ImportBuilder builder, GatewayDraft gateway, JsonElement server, int line)
    {
        gateway.PrivateKey = String(builder, server, "privateKey", line, "the server");
        gateway.KeyReported = gateway.PrivateKey is null && server.TryGetProperty("privateKey", out JsonElement key) && key.ValueKind != JsonValueKind.Null;
        string? address = String(builder, server, "address", line, "the server");
        gateway.AddressReported = address is null && server.TryGetProperty("address", out JsonElement given) && given.ValueKind != JsonValueKind.Null;
        if (address is not null)
        {
            if (AddressEntry.TryParse(address, line) is AddressEntry entry && !address.Contains('/', StringComparison.Ordinal))
            {
                gateway.Addresses.Add(entry with { Prefix = entry.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? WgEasyPrefix : 64 });
            }
            else
            {
                builder.Problem(line, $"the server's address {Quote(address)} is not an IP address");
                gateway.AddressReported = true;
            }
        }

        if (server.TryGetProperty("listenPort", out JsonElement port))
        {
            // Not in wg-easy 14 itself, but some of its forks keep the port here.
            if (port.ValueKind == JsonValueKind.Number && port.TryGetInt32(out int number) && number is >= 1 and <= 65535)
            {
                gateway.ListenPort = number;
            }
            else
            {
                builder.Problem(line, "the server's listenPort is not a port from 1 to 65535");
            }
        }

        foreach (JsonProperty property in server.EnumerateObject())
        {
            if (property.Name is not ("privateKey" or "publicKey" or "address" or "listenPort"))
            {
                builder.NotCarried(line, $"the server's \"{Printable.Of(property.Name)}\" is not something Holt knows of wg-easy's");
            }
        }

        if (String(builder, server, "publicKey", line, "the server") is string publicKey && gateway.PrivateKey is string privateKey &&
            ImportBuilder.IsKey(privateKey) && ImportBuilder.IsKey(publicKey) && Gateway.GatewaySection.PublicKeyOf(privateKey) != publicKey)
        {
            builder.Problem(line, "the server's publicKey does not belong to its privateKey");
        }
    }

    private static PeerDraft ReadClient(ImportBuilder builder, string id, JsonElement client, int line)
    {
        string who = $"client {Quote(id)}";
        var peer = new PeerDraft(line)
        {
            NameText = String(builder, client, "name", line, who) is { Length: > 0 } name ? name : null,
            PublicKey = String(builder, client, "publicKey", line, who),
            PublicKeyLine = line,
            PrivateKey = String(builder, client, "privateKey", line, who),
            PresharedKey = String(builder, client, "preSharedKey", line, who) is { Length: > 0 } psk ? psk : null,
        };
        if (peer.NameText is not null)
        {
            who = $"client '{Printable.Of(peer.NameText)}'";
        }

        if (String(builder, client, "address", line, who) is string address)
        {
            if (AddressEntry.TryParse(address, line) is AddressEntry entry && entry.IsHost)
            {
                peer.AllowedIps.Add(entry);
            }
            else
            {
                builder.Problem(line, $"{who}: its address {Quote(address)} is not an IP address");
            }
        }

        if (client.TryGetProperty("enabled", out JsonElement enabled))
        {
            if (enabled.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                peer.Enabled = enabled.GetBoolean();
            }
            else
            {
                builder.Problem(line, $"{who}: \"enabled\" must be true or false");
            }
        }

        peer.Created = Date(builder, client, "createdAt", line, who);
        peer.Expires = Date(builder, client, "expiredAt", line, who);
        foreach (JsonProperty property in client.EnumerateObject())
        {
            if (!s_ignored.Contains(property.Name) &&
                property.Name is not ("name" or "publicKey" or "privateKey" or "preSharedKey" or "address" or "enabled" or "createdAt" or "expiredAt"))
            {
                builder.NotCarried(line, $"{who}: \"{Printable.Of(property.Name)}\" is not something Holt knows of wg-easy's");
            }
        }

        return peer;
    }

    /// <summary>A string property; null when absent or null, and a problem when it is something else.</summary>
    private static string? String(ImportBuilder builder, JsonElement owner, string name, int line, string who)
    {
        if (!owner.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            builder.Problem(line, $"{who}: \"{name}\" must be a string");
            return null;
        }

        return value.GetString();
    }

    private static DateTimeOffset? Date(ImportBuilder builder, JsonElement owner, string name, int line, string who)
    {
        if (owner.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number)
        {
            // Some versions keep milliseconds since 1970, as JavaScript's Date.now() gives them.
            return value.TryGetInt64(out long ms) && ms is >= 0 and <= 253402300799999
                ? DateTimeOffset.FromUnixTimeSeconds(ms / 1000)
                : Refused(builder, line, $"{who}: \"{name}\" is not a date");
        }

        if (String(builder, owner, name, line, who) is not string text)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset when))
        {
            // holt.toml keeps whole seconds.
            return new DateTimeOffset(when.Ticks - (when.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        }

        return Refused(builder, line, $"{who}: \"{name}\" {Quote(text)} is not a date");
    }

    private static DateTimeOffset? Refused(ImportBuilder builder, int line, string problem)
    {
        builder.Problem(line, problem);
        return null;
    }

    /// <summary>The line of each client's entry (by its id) and of "server", found by reading the file's tokens.</summary>
    private static Dictionary<string, int> ClientLines(byte[] utf8, out int serverLine)
    {
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        serverLine = 1;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = s_options.MaxDepth });
        bool inClients = false;
        int line = 1;
        long counted = 0;
        int LineAt(long offset)
        {
            line += utf8.AsSpan((int)counted, (int)(offset - counted)).Count((byte)'\n');
            counted = offset;
            return line;
        }

        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.CurrentDepth == 1)
            {
                inClients = reader.ValueTextEquals("clients"u8);
                if (reader.ValueTextEquals("server"u8))
                {
                    serverLine = LineAt(reader.TokenStartIndex);
                }
            }
            else if (reader.CurrentDepth == 2 && inClients)
            {
                lines.TryAdd(reader.GetString()!, LineAt(reader.TokenStartIndex));
            }
        }

        return lines;
    }

    private static string Quote(string value) => ImportBuilder.Quote(value);
}
