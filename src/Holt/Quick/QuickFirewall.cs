using System.Globalization;
using System.Text;

namespace Holt.Quick;

/// <summary>
/// The nftables rules wg-quick adds with a default route through the tunnel, in a table of Holt's own
/// (<c>holt-quick-NAME</c>, one per family) so that down removes exactly them:
/// <list type="bullet">
/// <item>preraw: packets for the tunnel's addresses that arrive on another interface from a non-local source are
/// dropped, so no one on the underlay can reach into the tunnel by spoofing.</item>
/// <item>postmangle and premangle: the outer UDP packets carry the fwmark; the mark is saved on their connection
/// and restored on the replies, so that the replies pass the reverse-path check the rule set would otherwise fail
/// (with net.ipv4.conf.all.src_valid_mark=1).</item>
/// </list>
/// </summary>
internal static class QuickFirewall
{
    private const string TablePrefix = "holt-quick-";

    public static string TableName(string interfaceName) => TablePrefix + interfaceName;

    /// <summary>"ip" or "ip6": the nftables family of a prefix.</summary>
    public static string Family(IpPrefix prefix) => prefix.IsIPv6 ? "ip6" : "ip";

    /// <summary>The <c>nft -f</c> script for one family; <paramref name="addresses"/> are the interface's own.</summary>
    public static string Script(string family, string interfaceName, uint mark, IEnumerable<string> addresses)
    {
        string table = TableName(interfaceName);
        var script = new StringBuilder();
        script.Append(CultureInfo.InvariantCulture, $"add table {family} {table}\n");
        script.Append(CultureInfo.InvariantCulture, $"add chain {family} {table} preraw {{ type filter hook prerouting priority -300; }}\n");
        script.Append(CultureInfo.InvariantCulture, $"add chain {family} {table} premangle {{ type filter hook prerouting priority -150; }}\n");
        script.Append(CultureInfo.InvariantCulture, $"add chain {family} {table} postmangle {{ type filter hook postrouting priority -150; }}\n");
        foreach (string address in addresses)
        {
            script.Append(CultureInfo.InvariantCulture,
                $"add rule {family} {table} preraw iifname != \"{interfaceName}\" {family} daddr {address} fib saddr type != local drop\n");
        }

        script.Append(CultureInfo.InvariantCulture, $"add rule {family} {table} postmangle meta l4proto udp mark {mark} ct mark set mark\n");
        script.Append(CultureInfo.InvariantCulture, $"add rule {family} {table} premangle meta l4proto udp meta mark set ct mark\n");
        return script.ToString();
    }

    /// <summary>
    /// The <c>nft -f</c> script that deletes the interface's tables found in <c>nft list tables</c>, or null when
    /// there are none.
    /// </summary>
    public static string? DeleteScript(string listTables, string interfaceName)
    {
        string suffix = " " + TableName(interfaceName);
        var script = new StringBuilder();
        foreach (string line in listTables.Split('\n'))
        {
            string table = line.Trim();
            if (table.StartsWith("table ", StringComparison.Ordinal) && table.EndsWith(suffix, StringComparison.Ordinal))
            {
                script.Append("delete ").Append(table).Append('\n');
            }
        }

        return script.Length > 0 ? script.ToString() : null;
    }
}
