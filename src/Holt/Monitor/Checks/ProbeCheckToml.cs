using System.Net;
using System.Text;
using Holt.Config;
using Holt.Gateway;
using Holt.Text;

namespace Holt.Monitor.Checks;

/// <summary>
/// The keys of a <c>type = "probe"</c> check: the other gateway's <c>server_key</c>, this monitoring peer's
/// <c>key_file</c> and optional <c>psk_file</c> (absolute paths; the keys themselves never enter holt.toml, the
/// status or a log), and an optional <c>ping</c> inside the other tunnel from <c>address</c>, this peer's own.
/// </summary>
internal static class ProbeCheckToml
{
    public static string[] Keys => ["server_key", "key_file", "psk_file", "ping", "address"];

    public static CheckConfig Read(TableReader table, CheckConfig check)
    {
        string name = Printable.Of(check.Name);
        if (table.Has("peer"))
        {
            throw table.Error("peer", $"check '{name}': 'peer' does not apply to a probe check (it probes an endpoint from outside the tunnel)");
        }

        string serverKey = table.RequiredString("server_key");
        if (GatewaySection.KeyProblem(serverKey, "server_key") is string badKey)
        {
            throw table.Error("server_key", $"check '{name}': {badKey}");
        }

        IPAddress? ping = table.OptionalAddress("ping");
        IPAddress? address = table.OptionalAddress("address");
        if (ping is null && address is not null)
        {
            throw table.Error("address", $"check '{name}': 'address' is the ping's source: give 'ping' too");
        }

        if (ping is not null && address is null)
        {
            throw table.Error("ping", $"check '{name}': 'ping' needs 'address', the monitoring peer's own tunnel address, as the ping's source");
        }

        if (ping is not null && address!.AddressFamily != ping.AddressFamily)
        {
            throw table.Error("address", $"check '{name}': 'ping' and 'address' must both be IPv4 or both IPv6");
        }

        return check with
        {
            ServerKey = serverKey,
            KeyFile = AbsolutePath(table, name, "key_file", required: true),
            PskFile = AbsolutePath(table, name, "psk_file", required: false),
            Ping = ping,
            Address = address,
        };
    }

    public static void Write(StringBuilder text, CheckConfig check)
    {
        TomlWriter.Key(text, "server_key", check.ServerKey!);
        TomlWriter.Key(text, "key_file", check.KeyFile!);
        if (check.PskFile is string psk)
        {
            TomlWriter.Key(text, "psk_file", psk);
        }

        if (check.Ping is IPAddress ping)
        {
            TomlWriter.Key(text, "ping", ping.ToString());
            TomlWriter.Key(text, "address", check.Address!.ToString());
        }
    }

    /// <summary>The daemon's working directory is no place to look for a key: a file is named from the root.</summary>
    private static string? AbsolutePath(TableReader table, string name, string key, bool required)
    {
        string? path = required ? table.RequiredString(key) : table.OptionalString(key);
        if (path is not null && (!Path.IsPathFullyQualified(path) || path.Any(char.IsControl)))
        {
            throw table.Error(key, $"check '{name}': '{key}' must be an absolute path, not '{Printable.Of(path)}'");
        }

        return path;
    }
}
