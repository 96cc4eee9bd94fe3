using System.Net;
using System.Text;
using Holt.External;

namespace Holt.Gateway;

/// <summary>
/// The gateway's nftables table, <c>inet holt</c>: it decides which peers may talk to each other through the hub
/// (client-to-client, off unless both ends have it on) and masquerades VPN traffic that leaves through another
/// interface. Holt replaces only this table, in one <c>nft -f</c> transaction, and never touches another one.
/// </summary>
internal static class GatewayRuleset
{
    public const string Family = "inet";
    public const string Table = "holt";
    private const string InstallHint = "apt-get install nftables";

    public static string Build(GatewayConfig config, DateTimeOffset now)
    {
        List<PeerConfig> talkers = config.Peers.Where(p => p.IsActive(now) && p.ClientToClient).ToList();
        string wg = Quote(config.Interface);
        var text = new StringBuilder();
        text.Append($"table {Family} {Table} {{\n");
        Set(text, "c2c_v4", "ipv4_addr", talkers.Select(p => p.Address));
        Set(text, "c2c_v6", "ipv6_addr", talkers.Where(p => p.Address6 is not null).Select(p => p.Address6!));
        text.Append("\tchain forward {\n");
        text.Append("\t\ttype filter hook forward priority filter; policy accept;\n");
        text.Append($"\t\tiifname {wg} oifname {wg} ip saddr @c2c_v4 ip daddr @c2c_v4 accept\n");
        text.Append($"\t\tiifname {wg} oifname {wg} ip6 saddr @c2c_v6 ip6 daddr @c2c_v6 accept\n");
        text.Append($"\t\tiifname {wg} oifname {wg} counter drop comment \"client-to-client off\"\n");
        text.Append("\t}\n");
        if (config.Masquerade)
        {
            text.Append("\tchain postrouting {\n");
            text.Append("\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
            text.Append($"\t\tip saddr {config.Subnet} oifname != {wg} masquerade\n");
            if (config.Subnet6 is IPNetwork subnet6)
            {
                text.Append($"\t\tip6 saddr {subnet6} oifname != {wg} masquerade\n");
            }

            text.Append("\t}\n");
        }

        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>Replaces Holt's table with <paramref name="ruleset"/> in one transaction (created if absent).</summary>
    public static void Apply(string ruleset)
    {
        // Declaring the table first makes the delete valid when it does not exist yet; all three statements are
        // one transaction, so packets never see the table missing or half-built.
        string script = $"table {Family} {Table}\ndelete table {Family} {Table}\n{ruleset}";
        _ = ExternalTool.Run("nft", ["-f", "-"], script, InstallHint);
    }

    /// <summary>Removes Holt's table, if it is there.</summary>
    public static void Remove()
    {
        _ = ExternalTool.Run("nft", ["-f", "-"], $"table {Family} {Table}\ndelete table {Family} {Table}\n", InstallHint);
    }

    private static void Set(StringBuilder text, string name, string type, IEnumerable<IPAddress> elements)
    {
        text.Append($"\tset {name} {{\n\t\ttype {type}\n");
        List<string> items = elements.Select(e => e.ToString()).ToList();
        if (items.Count > 0)
        {
            text.Append("\t\telements = { ").AppendJoin(", ", items).Append(" }\n");
        }

        text.Append("\t}\n");
    }

    private static string Quote(string interfaceName) => "\"" + interfaceName + "\"";
}
