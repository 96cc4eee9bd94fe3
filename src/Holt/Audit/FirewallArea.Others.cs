using System.Globalization;
using System.Net;
using Holt.External;
using Holt.Firewall;

namespace Holt.Audit;

internal sealed partial class FirewallArea
{
    /// <summary>Firewalls besides Holt's: each may drop what Holt lets in (the WireGuard port: every peer cut off) or open what it closes.</summary>
    private void Others(AuditMachine machine, NftRuleset ruleset, Reachability reachability, AuditGateway gateway, List<Finding> findings)
    {
        if (machine.ReadLines("/etc/ufw/ufw.conf").Any(l => l.Trim().Replace(" ", "", StringComparison.Ordinal) is "ENABLED=yes" or "ENABLED=\"yes\""))
        {
            findings.Add(Other("firewall.ufw", "ufw is enabled beside Holt's firewall", "/etc/ufw/ufw.conf: ENABLED=yes",
                "two firewalls decide every packet: ufw's drop is final even where Holt accepts (the WireGuard port, a public port), and a ufw allow does not open what Holt drops, so changes in one surprise the other",
                "let one firewall decide: ufw disable (Holt's firewall covers SSH, the VPN and public ports), or keep ufw and allow the WireGuard port there too (ufw allow " + WireGuardPort(gateway) + "/udp)"));
        }

        if (FirewalldRunning(machine, ruleset) is string firewalld)
        {
            findings.Add(Other("firewall.firewalld", "firewalld is running beside Holt's firewall", firewalld,
                "firewalld rewrites its tables on every reload and its zones drop what they do not list, the WireGuard port included",
                "systemctl disable --now firewalld, or add the WireGuard port to its zone: firewall-cmd --permanent --add-port=" + WireGuardPort(gateway) + "/udp && firewall-cmd --reload"));
        }

        if (LegacyIptables(machine) is string legacy)
        {
            findings.Add(Other("firewall.iptables-legacy", "legacy iptables rules are loaded", legacy,
                "nft cannot see legacy iptables rules, yet the kernel applies them too: a second firewall that neither Holt nor nft list shows",
                "move the rules to nftables (iptables-legacy-save > rules.v4; iptables-restore-translate -f rules.v4) or remove them (iptables-legacy -F; iptables-legacy -P INPUT ACCEPT, and the same with ip6tables-legacy)"));
        }

        foreach (IGrouping<(string Family, string Table), NftChain> table in ruleset.BaseChains("input")
            .Where(c => !(c.Family == "inet" && c.Table == reachability.HoltTable))
            .GroupBy(c => (c.Family, c.Table)))
        {
            string? cut = WireGuardDrop(ruleset, gateway, table);
            List<NftChain> dropping = table.Where(c => c.Policy == "drop").ToList();
            if (cut is null && dropping.Count == 0)
            {
                continue;
            }

            string evidence = cut ?? string.Join("; ", dropping.Select(c => $"{c.Label} has policy drop"));
            findings.Add(Other($"firewall.other-table:{table.Key.Family}/{table.Key.Table}", $"table {table.Key.Family} {table.Key.Table} filters input beside Holt's firewall", evidence,
                cut is not null
                    ? "it drops the WireGuard port: no peer can connect, whatever Holt's firewall says"
                    : "its drop is final even where Holt's firewall accepts: it may drop the WireGuard port or a public port and cut every peer",
                $"remove it (nft delete table {table.Key.Family} {table.Key.Table}) if nothing needs it, or make sure it accepts the WireGuard port ({WireGuardPort(gateway)}/udp) and the public ports"));
        }
    }

    /// <summary>A DNAT of some other tool: open to anyone, past every input chain, like Docker's (<see cref="DockerArea"/>).</summary>
    private void ForeignDnat(NftRuleset ruleset, Reachability reachability, AuditGateway gateway, List<Finding> findings)
    {
        foreach (PublishedPort port in DnatScan.Find(ruleset, gateway, reachability.HoltTable).Where(p => !p.Docker))
        {
            foreach (string subject in port.Subjects)
            {
                string id = $"firewall.foreign-dnat:{subject}";
                if (!findings.Any(f => f.Id == id))
                {
                    findings.Add(new Finding
                    {
                        Id = id,
                        Severity = Severity.Critical,
                        Area = Name,
                        Title = $"a DNAT rule outside Holt's table forwards {subject} from every address",
                        Evidence = $"{port.Evidence}\nconnections to this machine on {subject} go to {port.Target}",
                        Why = "a DNAT in prerouting sends the connection on through forward before the input hook: no input firewall, Holt's included, sees or limits it",
                        Fix = $"limit the rule to the addresses that need it (ip daddr 127.0.0.1, or {gateway.VpnAddressHint}), or remove it and forward the port with holt expose, which Holt's firewall governs",
                    });
                }
            }
        }
    }

    /// <summary>A global IPv6 address while IPv4 alone is filtered: the same services, open over IPv6.</summary>
    private void Ipv6(AuditMachine machine, NftRuleset ruleset, List<Finding> findings)
    {
        List<string> global = GlobalIpv6(machine);
        List<NftChain> inputs = ruleset.BaseChains("input").Where(c => c.Policy == "drop").ToList();
        List<NftChain> v4 = inputs.Where(c => c.Sees(ipv6: false)).ToList();
        if (global.Count == 0 || v4.Count == 0 || inputs.Any(c => c.Sees(ipv6: true)))
        {
            return;
        }

        findings.Add(new Finding
        {
            Id = "firewall.ipv6-open",
            Severity = Severity.Critical,
            Area = Name,
            Title = "IPv4 is filtered but IPv6 is not",
            Evidence = $"global IPv6 {(global.Count == 1 ? "address" : "addresses")} {string.Join(", ", global)} (/proc/net/if_inet6); {string.Join("; ", v4.Select(c => $"{c.Label} has policy drop"))}; no ip6 or inet input chain drops",
            Why = "every service the IPv4 firewall closes is open over IPv6, and scanners try both",
            Fix = "use Holt's firewall (its table is inet: one policy for both families): holt lockdown ssh, " + ConfirmHint + "; or add the same rules for IPv6 (ip6tables, ufw's IPV6=yes)",
        });
    }

    private Finding Other(string id, string title, string evidence, string why, string fix) => new()
    {
        Id = id,
        Severity = Severity.Warning,
        Area = Name,
        Title = title,
        Evidence = evidence,
        Why = why,
        Fix = fix,
    };

    private static string WireGuardPort(AuditGateway gateway) =>
        (gateway.Gateway?.ListenPort ?? Gateway.GatewayConfig.DefaultPort).ToString(CultureInfo.InvariantCulture);

    /// <summary>Why the table's input chains drop a stranger's packet to the WireGuard port, or null when they do not (or there is no gateway).</summary>
    private static string? WireGuardDrop(NftRuleset ruleset, AuditGateway gateway, IEnumerable<NftChain> chains)
    {
        if (gateway.Gateway is null)
        {
            return null;
        }

        foreach (NftChain chain in chains)
        {
            foreach (bool ipv6 in new[] { false, true })
            {
                if (chain.Sees(ipv6))
                {
                    var packet = new NftPacket(Protocol.Udp, gateway.Gateway.ListenPort, ipv6, gateway.Gateway.Interface, gateway.VpnSubnets);
                    ChainOutcome outcome = NftChainWalk.Judge(ruleset, chain, packet);
                    if (outcome.Verdict == ChainVerdict.Drop)
                    {
                        return $"the WireGuard port {gateway.Gateway.ListenPort}/udp: {outcome.Reason}";
                    }
                }
            }
        }

        return null;
    }

    /// <summary>How firewalld shows it runs: its nftables table, or its pid file naming a live process.</summary>
    private static string? FirewalldRunning(AuditMachine machine, NftRuleset ruleset)
    {
        if (ruleset.Chains.Any(c => c.Table == "firewalld"))
        {
            return "nft -j list ruleset has firewalld's table (table inet firewalld)";
        }

        string? pid = machine.ReadText("/run/firewalld.pid")?.Trim();
        return pid is { Length: > 0 } && pid.All(char.IsAsciiDigit) && machine.StatusOf($"/proc/{pid}") is not null
            ? $"/run/firewalld.pid names process {pid}, which runs"
            : null;
    }

    /// <summary>What iptables-legacy-save and ip6tables-legacy-save list: rules, and policies other than ACCEPT; null when nothing (or the tools are missing).</summary>
    private static string? LegacyIptables(AuditMachine machine)
    {
        var found = new List<string>();
        foreach (string tool in new[] { "iptables-legacy-save", "ip6tables-legacy-save" })
        {
            if (machine.Run(tool, []) is not { ExitCode: 0 } result)
            {
                continue;
            }

            string[] lines = result.Output.Split('\n');
            int rules = lines.Count(l => l.StartsWith("-A ", StringComparison.Ordinal));
            List<string> policies = lines
                .Where(l => l.StartsWith(':'))
                .Select(l => l[1..].Split(' '))
                .Where(p => p.Length >= 2 && p[1] is not ("ACCEPT" or "-"))
                .Select(p => $"{p[0]} policy {p[1]}")
                .ToList();
            if (rules > 0 || policies.Count > 0)
            {
                string example = lines.FirstOrDefault(l => l.StartsWith("-A ", StringComparison.Ordinal)) is string first ? $", e.g. {first}" : "";
                found.Add($"{tool}: {rules} {(rules == 1 ? "rule" : "rules")}{(policies.Count > 0 ? ", " + string.Join(", ", policies) : "")}{example}");
            }
        }

        return found.Count > 0 ? string.Join("\n", found) : null;
    }

    /// <summary>The machine's global IPv6 addresses (scope 00 in /proc/net/if_inet6), loopback aside.</summary>
    private static List<string> GlobalIpv6(AuditMachine machine)
    {
        var addresses = new List<string>();
        foreach (string line in machine.ReadLines("/proc/net/if_inet6"))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 6 && fields[0].Length == 32 && fields[0].All(char.IsAsciiHexDigit) && fields[3] == "00"
                && Convert.FromHexString(fields[0]) is byte[] bytes && new IPAddress(bytes) is IPAddress address && !IPAddress.IsLoopback(address))
            {
                addresses.Add($"{address} ({fields[5]})");
            }
        }

        return addresses;
    }
}
