using System.Text;
using System.Text.RegularExpressions;

namespace Holt.Quick;

/// <summary>
/// DNS while the interface is up, through resolvconf(8) as wg-quick does it: the nameservers and search domains are
/// registered under the interface's record and removed with it.
/// </summary>
internal static partial class ResolvConf
{
    public const string Program = "resolvconf";

    /// <summary>Debian's resolvconf orders records by the patterns in this file.</summary>
    public const string InterfaceOrderFile = "/etc/resolvconf/interface-order";

    /// <summary>
    /// The record's name: the interface's, behind the first "PREFIX*" pattern of resolvconf's interface-order
    /// (Debian's lists "tun*", so the record is "tun.wg0" and ranks with VPNs), as wg-quick names it.
    /// </summary>
    public static string RecordName(string interfaceName, string? interfaceOrder)
    {
        foreach (string line in (interfaceOrder ?? "").Split('\n'))
        {
            if (PrefixPattern().Match(line.TrimEnd('\r')) is { Success: true } match)
            {
                return match.Groups[1].Value + "." + interfaceName;
            }
        }

        return interfaceName;
    }

    /// <summary>What <c>resolvconf -a</c> reads: one nameserver line per server, then the search domains.</summary>
    public static string Record(QuickConfig config)
    {
        var text = new StringBuilder();
        foreach (System.Net.IPAddress server in config.DnsServers)
        {
            text.Append("nameserver ").Append(server).Append('\n');
        }

        if (config.DnsSearch.Count > 0)
        {
            text.Append("search ").Append(string.Join(' ', config.DnsSearch)).Append('\n');
        }

        return text.ToString();
    }

    [GeneratedRegex(@"^([A-Za-z0-9-]+)\*$")]
    private static partial Regex PrefixPattern();
}
