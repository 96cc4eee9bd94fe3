using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Holt.External;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Nft;

namespace Holt.Audit;

/// <summary>
/// The firewall: whether Holt's is on and loaded as holt.toml says, and whether another firewall contradicts it
/// (ufw, firewalld, legacy iptables that nft cannot see, another nft table that drops, a DNAT past the input hook,
/// IPv6 left open while IPv4 is filtered).
/// </summary>
internal sealed partial class FirewallArea : IAuditArea
{
    private const string ConfirmHint = "then, from a peer through the VPN, holt firewall confirm (an unconfirmed apply rolls itself back)";

    public string Name => "firewall";

    public IReadOnlyList<Finding> Check(AuditMachine machine)
    {
        NftRuleset ruleset = NftRuleset.Of(machine);
        Reachability reachability = Reachability.Of(machine);
        AuditGateway gateway = AuditGateway.Of(machine);
        var findings = new List<Finding>();
        Holt(machine, ruleset, reachability, gateway, findings);
        Others(machine, ruleset, reachability, gateway, findings);
        ForeignDnat(ruleset, reachability, gateway, findings);
        Ipv6(machine, ruleset, findings);
        return findings;
    }

    private void Holt(AuditMachine machine, NftRuleset ruleset, Reachability reachability, AuditGateway gateway, List<Finding> findings)
    {
        GatewayConfig? config = gateway.Gateway;
        (string Token, DateTimeOffset Deadline)? pending = config is null ? null : Pending(machine, config.Interface);
        if (config is null || (!gateway.Firewall.Enabled && pending is null))
        {
            string why = config is null
                ? gateway.Problem is string problem ? $"holt.toml does not read ({problem})" : "no holt.toml with a [gateway]: Holt runs no firewall here"
                : $"holt.toml has [firewall] enabled = false ({machine.Store?.Path})";
            findings.Add(new Finding
            {
                Id = "firewall.off",
                Severity = Severity.Critical,
                Area = Name,
                Title = "Holt's firewall is off",
                Evidence = $"{why}\n{InputChains(ruleset)}",
                Why = "without a drop policy on input every listening service is open to the internet, SSH included; Holt's firewall lets in only the VPN, the WireGuard port and the ports declared public",
                Fix = config is null
                    ? $"set up the gateway (holt init, holt up), then holt lockdown ssh, {ConfirmHint}"
                    : $"holt lockdown ssh (or holt firewall apply), {ConfirmHint}",
            });
            return;
        }

        string table = FirewallTable.NameFor(config);
        if (pending is (_, DateTimeOffset deadline))
        {
            findings.Add(new Finding
            {
                Id = "firewall.pending",
                Severity = Severity.Warning,
                Area = Name,
                Title = "a firewall apply awaits confirmation",
                Evidence = $"{FirewallRuntime.PendingPath(config.Interface)}: rolls back at {deadline.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC unless confirmed",
                Why = "unconfirmed, the firewall goes back to what it was (off, if it was off); meanwhile the SSH session that applied it is let in by a rule of its own",
                Fix = "from a peer through the VPN: holt firewall confirm (it proves the way in works); or let it roll back at the deadline",
            });
        }

        if (reachability.HoltInput is null)
        {
            findings.Add(new Finding
            {
                Id = "firewall.not-loaded",
                Severity = Severity.Critical,
                Area = Name,
                Title = "Holt's firewall is enabled but not in the kernel",
                Evidence = $"holt.toml enables it, but nft -j list ruleset has no table inet {table} with an input chain of policy drop\n{InputChains(ruleset)}",
                Why = "what holt.toml promises is not what the kernel does: every listening service is as open as if the firewall were off",
                Fix = "start the gateway (holt up, or systemctl restart holt): the daemon loads the table and restores it when someone removes it",
            });
            return;
        }

        if (Changed(machine, config.Interface, table) is string change)
        {
            findings.Add(new Finding
            {
                Id = "firewall.changed",
                Severity = Severity.Warning,
                Area = Name,
                Title = $"table inet {table} is not as Holt loaded it",
                Evidence = change,
                Why = "someone changed Holt's table by hand (nft add rule, a script): the kernel's policy is not holt.toml's, and the daemon will put holt.toml's back",
                Fix = "make the change in holt.toml (holt firewall, holt expose), then holt firewall apply and confirm; the daemon restores the table meanwhile",
            });
        }
    }

    /// <summary>The pending apply's token and deadline (<c>/run/holt/INTERFACE.firewall-pending</c>), read through the audit's root.</summary>
    private static (string Token, DateTimeOffset Deadline)? Pending(AuditMachine machine, string interfaceName)
    {
        string[]? parts = machine.ReadText(FirewallRuntime.PendingPath(interfaceName))?.Trim().Split(' ');
        return parts is { Length: 2 } && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            ? (parts[0], DateTimeOffset.FromUnixTimeSeconds(seconds))
            : null;
    }

    /// <summary>Why the loaded table differs from the one Holt recorded after its last load, or null when it does not (or cannot be told).</summary>
    private static string? Changed(AuditMachine machine, string interfaceName, string table)
    {
        ToolResult? listing = machine.Run("nft", ["-j", "list", "table", NftTables.Family, table]);
        if (listing is not { ExitCode: 0 } || NftCanonical.Digest(listing.Output) is not string loaded)
        {
            return null;
        }

        string statePath = StateStore.PathFor(interfaceName);
        string? recorded;
        try
        {
            recorded = machine.ReadText(statePath) is string text && JsonNode.Parse(text) is JsonObject state ? Json.Text(state["table_digest"]) : null;
        }
        catch (JsonException)
        {
            return $"{statePath} does not read, so Holt cannot tell whether the table is the one it loaded";
        }

        return recorded is null ? $"{statePath} records no table that Holt loaded, yet table inet {table} is there"
            : recorded != loaded ? $"nft -j list table inet {table} has digest {loaded[..12]}…; Holt recorded {recorded[..Math.Min(12, recorded.Length)]}… in {statePath} when it loaded it"
            : null;
    }

    /// <summary>The input base chains and their policies, or that there are none: what decides while Holt's firewall is off.</summary>
    private static string InputChains(NftRuleset ruleset)
    {
        List<NftChain> chains = ruleset.BaseChains("input").ToList();
        if (chains.Count == 0)
        {
            return "no input chain in nft -j list ruleset: the kernel accepts everything (default accept)";
        }

        string list = string.Join("; ", chains.Select(c => $"{c.Label} policy {c.Policy ?? "accept"}"));
        return chains.Any(c => c.Policy == "drop") ? $"input chains: {list}" : $"input chains: {list} (default accept)";
    }
}
