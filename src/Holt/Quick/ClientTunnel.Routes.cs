using System.Globalization;
using System.Net;

namespace Holt.Quick;

/// <summary>MTU, DNS, routes, and the policy routing and firewall of a full tunnel.</summary>
internal sealed partial class ClientTunnel
{
    // Each family's default route: enough rounds for any rule left over, bounded so a rule that cannot be
    // deleted ends the loop instead of spinning.
    private const int MaxRuleDeletions = 64;

    private void SetMtuAndUp(IEnumerable<IPEndPoint> endpoints)
    {
        int mtu = _config.Mtu ?? QuickRouting.TunnelMtu(
            endpoints.Select(e => QuickRouting.UnderlayMtu(Query("ip", "route", "get", e.Address.ToString()), LinkShow)),
            () => QuickRouting.UnderlayMtu(FirstLine(Query("ip", "route", "show", "default")), LinkShow));
        Check("ip", "link", "set", "mtu", mtu.ToString(CultureInfo.InvariantCulture), "up", "dev", _name);
    }

    private void SetDns()
    {
        if (!_config.HasDns)
        {
            return;
        }

        CheckWithInput(ResolvConf.Program, ResolvConf.Record(_config), "-a", DnsRecordName(), "-m", "0", "-x");
        _dnsSet = true;
    }

    private void UnsetDns() => Check(ResolvConf.Program, "-d", DnsRecordName(), "-f");

    private string DnsRecordName() => ResolvConf.RecordName(_name, _system.ReadFile(ResolvConf.InterfaceOrderFile));

    /// <summary>One allowed IP's route, as wg-quick's add_route places it.</summary>
    private void AddRoute(IpPrefix route)
    {
        switch (_config.Table.Kind)
        {
            case RouteTableKind.Off:
                return;
            case RouteTableKind.Explicit:
                Check("ip", route.IpFamilyOption, "route", "add", route.ToString(), "dev", _name, "table", _config.Table.Name!);
                return;
        }

        if (route.Length == 0)
        {
            AddDefaultRoute(route);
            return;
        }

        // A route of the interface that already covers this one (an Address's own subnet) is enough.
        if (Query("ip", route.IpFamilyOption, "route", "show", "dev", _name, "match", route.ToString()).Trim().Length == 0)
        {
            Check("ip", route.IpFamilyOption, "route", "add", route.ToString(), "dev", _name);
        }
    }

    /// <summary>
    /// A default route through the tunnel without losing the route to the endpoints: it goes into a table of its
    /// own, used by everything not carrying the interface's fwmark (the outer UDP packets carry it), and the main
    /// table is asked first for anything more specific than a default route (suppress_prefixlength 0).
    /// </summary>
    private void AddDefaultRoute(IpPrefix route)
    {
        if (_fwMark == 0)
        {
            uint table = QuickRouting.FirstPolicyTable;
            while (Query("ip", "-4", "route", "show", "table", Text(table)).Trim().Length > 0 ||
                   Query("ip", "-6", "route", "show", "table", Text(table)).Trim().Length > 0)
            {
                table++;
            }

            _system.Report($"[#] set {_name}: fwmark={Text(table)}");
            _system.Configure(_name, $"fwmark={Text(table)}\n");
            _fwMark = table;
        }

        uint mark = _fwMark;
        _policyTable = mark;
        string family = route.IpFamilyOption;
        Check("ip", family, "route", "add", route.ToString(), "dev", _name, "table", Text(mark));
        Check("ip", family, "rule", "add", "not", "fwmark", Text(mark), "table", Text(mark));
        Check("ip", family, "rule", "add", "table", "main", "suppress_prefixlength", "0");

        string nftFamily = QuickFirewall.Family(route);
        IReadOnlyList<string> addresses = QuickRouting.InterfaceAddresses(Query("ip", "-o", family, "address", "show", "dev", _name));
        if (!route.IsIPv6)
        {
            _system.Report("[#] sysctl -q net.ipv4.conf.all.src_valid_mark=1");
            _system.SetSysctl("net.ipv4.conf.all.src_valid_mark", "1");
        }

        _firewallSet = true;
        CheckWithInput("nft", QuickFirewall.Script(nftFamily, _name, mark, addresses), "-f", "-");
    }

    /// <summary>Deletes the tunnel's policy rules of both families, as often as they appear.</summary>
    private void DeletePolicyRules(uint table)
    {
        foreach (string family in (string[])["-4", "-6"])
        {
            for (int i = 0; i < MaxRuleDeletions && QuickRouting.HasTableRule(Query("ip", family, "rule", "show"), table); i++)
            {
                Check("ip", family, "rule", "delete", "table", Text(table));
            }

            for (int i = 0; i < MaxRuleDeletions && QuickRouting.HasSuppressRule(Query("ip", family, "rule", "show")); i++)
            {
                Check("ip", family, "rule", "delete", "table", "main", "suppress_prefixlength", "0");
            }
        }
    }

    private void RemoveFirewall()
    {
        if (!_system.HasProgram("nft"))
        {
            return;
        }

        if (QuickFirewall.DeleteScript(Query("nft", "list", "tables"), _name) is { } script)
        {
            CheckWithInput("nft", script, "-f", "-");
        }
    }

    /// <summary>A command that only reads; its output, or nothing when it fails (an unreachable endpoint).</summary>
    private string Query(string program, params string[] arguments)
    {
        ProcessResult result = _system.Run(program, arguments);
        return result.Succeeded ? result.Output : "";
    }

    private string LinkShow(string device) => Query("ip", "link", "show", "dev", device);

    private static string FirstLine(string text) => text.Split('\n')[0];

    private static string Text(uint value) => value.ToString(CultureInfo.InvariantCulture);
}
