using System.Globalization;
using System.Text.RegularExpressions;

namespace Holt.Quick;

/// <summary>
/// wg-quick's routing decisions as pure functions over its inputs and over ip(8)'s output, so each rule is tested
/// on its own: the order routes go in, the MTU chosen, and which policy rules belong to the tunnel.
/// </summary>
internal static partial class QuickRouting
{
    /// <summary>The first table wg-quick tries for a default route's policy routing, and the fwmark it then sets.</summary>
    public const uint FirstPolicyTable = 51820;

    /// <summary>What wg-quick leaves for WireGuard's own headers: 80 bytes (IPv6 40, UDP 8, WireGuard 32).</summary>
    public const int Overhead = 80;

    /// <summary>The MTU assumed when no route says anything.</summary>
    public const int DefaultUnderlayMtu = 1500;

    /// <summary>
    /// The routes for the peers' allowed IPs, in the order wg-quick adds them: each network once, longest prefix
    /// first. wg-quick sorts <c>wg show allowed-ips</c> with <c>sort -nr -k 2 -t /</c>, which breaks ties by
    /// comparing whole lines in reverse, so "::/0" comes before "0.0.0.0/0"; this does the same.
    /// </summary>
    public static IReadOnlyList<IpPrefix> RouteOrder(IEnumerable<QuickPeer> peers) =>
        [.. peers.SelectMany(p => p.AllowedIps)
            .Select(p => p.Network)
            .Distinct()
            .OrderByDescending(p => p.Length)
            .ThenByDescending(p => p.ToString(), StringComparer.Ordinal)];

    /// <summary>
    /// The underlay MTU one line of <c>ip route get</c> or <c>ip route show default</c> implies, as wg-quick reads
    /// it: the route's own "mtu N" if it has one, else the MTU of its "dev" as <paramref name="linkShow"/> (the
    /// output of <c>ip link show dev DEV</c>) reports it. Null when neither says.
    /// </summary>
    public static int? UnderlayMtu(string route, Func<string, string> linkShow)
    {
        if (MtuPattern().Match(route) is { Success: true } own)
        {
            return ParseMtu(own.Groups[1].Value);
        }

        if (DevPattern().Match(route) is { Success: true } dev && MtuPattern().Match(linkShow(dev.Groups[1].Value)) is { Success: true } link)
        {
            return ParseMtu(link.Groups[1].Value);
        }

        return null;
    }

    /// <summary>
    /// The tunnel's MTU without an MTU key: the largest underlay MTU towards the endpoints, else the default
    /// route's, else 1500; less <see cref="Overhead"/>.
    /// </summary>
    public static int TunnelMtu(IEnumerable<int?> endpointMtus, Func<int?> defaultRouteMtu)
    {
        int mtu = endpointMtus.Max() ?? 0;
        if (mtu <= 0)
        {
            mtu = defaultRouteMtu() ?? 0;
        }

        return (mtu > 0 ? mtu : DefaultUnderlayMtu) - Overhead;
    }

    /// <summary>The addresses <c>ip -o addr show dev NAME</c> lists, without their prefix lengths.</summary>
    public static IReadOnlyList<string> InterfaceAddresses(string ipAddrShow) =>
        [.. AddressPattern().Matches(ipAddrShow).Select(m => m.Groups[1].Value)];

    /// <summary>Whether a line of <c>ip rule show</c> sends lookups to <paramref name="table"/> (the tunnel's rule).</summary>
    public static bool HasTableRule(string ruleShow, uint table)
    {
        string lookup = "lookup " + table.ToString(CultureInfo.InvariantCulture);
        return ruleShow.Split('\n').Any(line => line.TrimEnd().EndsWith(lookup, StringComparison.Ordinal) || line.Contains(lookup + " ", StringComparison.Ordinal));
    }

    /// <summary>Whether <c>ip rule show</c> has the rule that makes the main table ignore its default routes.</summary>
    public static bool HasSuppressRule(string ruleShow) =>
        ruleShow.Contains("from all lookup main suppress_prefixlength 0", StringComparison.Ordinal);

    /// <summary>Whether some peer routes everything of a family, which makes wg-quick set up policy routing.</summary>
    public static bool HasDefaultRoute(IEnumerable<string> allowedIps) =>
        allowedIps.Any(p => p.EndsWith("/0", StringComparison.Ordinal));

    private static int? ParseMtu(string digits) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int mtu) ? mtu : null;

    [GeneratedRegex(@"mtu ([0-9]+)")]
    private static partial Regex MtuPattern();

    [GeneratedRegex(@"dev ([^ \n]+)")]
    private static partial Regex DevPattern();

    [GeneratedRegex(@"inet6? ([0-9a-f:.]+)/[0-9]+")]
    private static partial Regex AddressPattern();
}
