using System.Net;
using System.Net.Sockets;
using Holt.Firewall;

namespace Holt.Audit;

/// <summary>Who can open a socket, as far as the firewall and the address it is bound to decide.</summary>
internal enum ReachKind
{
    /// <summary>Bound to loopback: only this machine.</summary>
    Local,

    /// <summary>Bound only to a VPN address: only peers.</summary>
    Vpn,

    /// <summary>Any host on the internet.</summary>
    Internet,

    /// <summary>Only the networks an input chain lets in by source address (allow_from, a pending apply's SSH session).</summary>
    AllowFrom,

    /// <summary>An input chain drops it.</summary>
    Blocked,

    /// <summary>Another firewall decides and Holt cannot read all of it.</summary>
    Unknown,
}

/// <summary>The answer and why, naming the table, chain and rule (or the bound address) that decide it.</summary>
internal sealed record Reach(ReachKind Kind, string Reason);

/// <summary>
/// Could a host on the internet open a socket? The bound address answers first (loopback, a VPN address); then
/// every input base chain the kernel holds, walked for a new connection from a stranger (<see cref="NftChainWalk"/>).
/// nftables accepts a packet only when every base chain on the hook accepts it, so a drop anywhere is final: Holt's
/// own chain decides even when ufw's accepts, and the other way round. Holt's chain is judged from the kernel, not
/// from holt.toml, so a pending apply or a hand edit counts as loaded; holt.toml is the fallback only for rules in
/// Holt's chain that the walk cannot read.
/// </summary>
internal sealed class Reachability
{
    private readonly NftRuleset _ruleset;
    private readonly AuditGateway _gateway;
    private readonly string? _holtTable;
    private readonly string? _vpnInterface;

    public Reachability(NftRuleset ruleset, AuditGateway gateway)
    {
        _ruleset = ruleset;
        _gateway = gateway;

        // Without holt.toml, a Holt table still in the kernel (from a gateway whose file moved) still filters.
        _holtTable = gateway.Table ?? ruleset.Chains.FirstOrDefault(c => c.Family == "inet" && c.Table.StartsWith("holt-", StringComparison.Ordinal) && c.Hook == "input")?.Table;
        _vpnInterface = gateway.Gateway?.Interface ?? (_holtTable is null ? null : InterfaceOf(_holtTable));
    }

    /// <exception cref="AuditAreaException">nft is missing or cannot be read.</exception>
    public static Reachability Of(AuditMachine machine) =>
        machine.Shared("reachability", () => new Reachability(NftRuleset.Of(machine), AuditGateway.Of(machine)));

    /// <summary>Holt's table (<c>inet holt-INTERFACE</c>): holt.toml's, or without one any Holt table in the kernel; null when neither.</summary>
    public string? HoltTable => _holtTable;

    /// <summary>Holt's own input chain when it is loaded and filters (policy drop), or null.</summary>
    public NftChain? HoltInput => _holtTable is null ? null
        : _ruleset.Chains.FirstOrDefault(c => c.Family == "inet" && c.Table == _holtTable && c.Hook == "input" && c.Policy == "drop");

    public Reach For(Protocol protocol, IPAddress bound, int port)
    {
        IPAddress address = bound.IsIPv4MappedToIPv6 ? bound.MapToIPv4() : bound;
        if (IPAddress.IsLoopback(address))
        {
            return new Reach(ReachKind.Local, $"bound to {address}: only this machine reaches it");
        }

        if (_gateway.IsVpnAddress(address))
        {
            return new Reach(ReachKind.Vpn, $"bound to the VPN address {address}: only peers reach it");
        }

        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        bool any = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

        // A socket on :: takes IPv4 too unless it set IPV6_V6ONLY, which /proc does not show: judge both. IPv6 comes
        // first, so that when both families come out the same the reason given is the one that surely applies.
        List<(string Family, Reach Reach)> families = [];
        if (v6)
        {
            families.Add(("IPv6", ForFamily(protocol, port, ipv6: true)));
        }

        if (!v6 || any)
        {
            families.Add(("IPv4", ForFamily(protocol, port, ipv6: false)));
        }

        (string family, Reach worst) = families.MaxBy(f => Rank(f.Reach.Kind));
        return families.Count == 1 ? worst : worst with { Reason = $"over {family}: {worst.Reason}" };
    }

    /// <summary>What a stranger's packet of one address family meets.</summary>
    private Reach ForFamily(Protocol protocol, int port, bool ipv6)
    {
        var packet = new NftPacket(protocol, port, ipv6, _vpnInterface, _gateway.VpnSubnets);
        List<NftChain> chains = _ruleset.BaseChains("input").Where(c => c.Sees(ipv6) && c.Type is null or "filter").ToList();
        string family = ipv6 ? "IPv6" : "IPv4";
        if (chains.Count == 0)
        {
            return new Reach(ReachKind.Internet, $"no input chain filters {family} (nothing in nft -j list ruleset): the kernel accepts it");
        }

        NftChain? holt = HoltInput is NftChain own && own.Sees(ipv6) ? own : null;
        var outcomes = new List<(NftChain Chain, ChainOutcome Outcome)>();
        foreach (NftChain chain in chains)
        {
            ChainOutcome outcome = NftChainWalk.Judge(_ruleset, chain, packet);
            if (chain == holt && outcome.Verdict == ChainVerdict.Unsure)
            {
                outcome = FromConfig(protocol, port, outcome.Reason);
            }

            outcomes.Add((chain, outcome));
        }

        // Holt's drop first: it is the one the operator controls, and it is final whatever else accepts.
        foreach ((NftChain chain, ChainOutcome outcome) in outcomes.OrderBy(o => o.Chain == holt ? 0 : 1))
        {
            if (outcome.Verdict == ChainVerdict.Drop)
            {
                string who = chain == holt ? "Holt's firewall" : $"another firewall ({chain.Label})";
                return new Reach(ReachKind.Blocked, $"{who} drops it: {outcome.Reason}");
            }
        }

        if (outcomes.FirstOrDefault(o => o.Outcome.Verdict == ChainVerdict.Unsure) is { Chain: NftChain unsure } u)
        {
            return new Reach(ReachKind.Unknown, $"{unsure.Label} decides and Holt cannot tell: {u.Outcome.Reason}");
        }

        if (outcomes.FirstOrDefault(o => o.Outcome.Verdict == ChainVerdict.SomeSources) is { Chain: NftChain _ } s)
        {
            return new Reach(ReachKind.AllowFrom, s.Outcome.Reason);
        }

        (_, ChainOutcome accepted) = outcomes.FirstOrDefault(o => o.Chain == holt) is { Chain: NftChain } h ? h : outcomes[0];
        string note = outcomes.Any(o => o.Chain.Policy == "drop") ? "" : $"; no input chain drops by default ({family} is default accept)";
        return new Reach(ReachKind.Internet, $"{accepted.Reason}{note}");
    }

    /// <summary>Holt's chain has a rule the walk cannot read (a hand edit, a newer nft): judge the port from holt.toml as Holt would have written it.</summary>
    private ChainOutcome FromConfig(Protocol protocol, int port, string unread)
    {
        string basis = $"{unread}; judged from holt.toml instead";
        FirewallConfig firewall = _gateway.Firewall;
        if (_gateway.Gateway is null)
        {
            return new ChainOutcome(ChainVerdict.Unsure, unread);
        }

        if ((protocol == Protocol.Udp && port == _gateway.Gateway.ListenPort) || firewall.Public.Any(p => p.Protocol == protocol && p.Port == port))
        {
            return new ChainOutcome(ChainVerdict.Accept, $"{basis}: a public port");
        }

        if (protocol == Protocol.Tcp && firewall.AllowFrom.Count > 0 && (firewall.SshPorts.Contains(port) || firewall.AdminPorts.Contains(port)))
        {
            return new ChainOutcome(ChainVerdict.SomeSources, $"{basis}: only from allow_from ({string.Join(", ", firewall.AllowFrom)})");
        }

        return new ChainOutcome(ChainVerdict.Drop, $"{basis}: not a public port, so the policy drops it");
    }

    /// <summary>The interface of a Holt table's name, undoing <see cref="Ruleset.TableName"/>'s escapes: <c>holt-wg__0</c> is wg_0's.</summary>
    public static string InterfaceOf(string table)
    {
        var name = new System.Text.StringBuilder();
        for (int i = "holt-".Length; i < table.Length; i++)
        {
            if (table[i] == '_' && i + 1 < table.Length)
            {
                i++;
                name.Append(table[i] switch { 'p' => '+', 'e' => '=', _ => table[i] });
            }
            else
            {
                name.Append(table[i]);
            }
        }

        return name.ToString();
    }

    /// <summary>How open: the family or socket that is most open decides.</summary>
    public static int Rank(ReachKind kind) => kind switch
    {
        ReachKind.Internet => 5,
        ReachKind.Unknown => 4,
        ReachKind.AllowFrom => 3,
        ReachKind.Blocked => 2,
        ReachKind.Vpn => 1,
        _ => 0,
    };
}
