using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Holt.Config;
using Holt.Machine;
using Holt.Nft;

namespace Holt.Guard;

/// <summary>One ban as the kernel holds it.</summary>
internal sealed record Ban(IPNetwork Network, string? Jail, TimeSpan? Remaining);

/// <summary>
/// The guard's bans: elements of nftables sets with a timeout each, so the kernel lifts a ban by itself when its time
/// is up, whether or not Holt still runs. They live in a table of their own, <c>inet holt_guard</c>, which the
/// firewall's whole-table replacements never touch, with a base chain hooked before the firewall's (so a ban also
/// cuts an established connection) on input and on forward (exposed services). IPv4 and IPv6 addresses, and
/// subnets in interval sets.
/// </summary>
internal static class BanTable
{
    public const string Table = "holt_guard";

    /// <summary>The canonical digest of the table as Holt defines it, learned when this process last created it.</summary>
    private static string? s_definitionDigest;

    /// <summary>The nft processes that ran this process's latest ban scripts (see <see cref="IsOwnBans"/>).</summary>
    private static readonly int[] s_committers = new int[16];
    private static readonly Lock s_committersLock = new();
    private static int s_nextCommitter;

    private const string Definition = """
        table inet holt_guard {
        	set ban_v4 {
        		type ipv4_addr
        		flags timeout
        	}
        	set ban_v6 {
        		type ipv6_addr
        		flags timeout
        	}
        	set bannet_v4 {
        		type ipv4_addr
        		flags interval,timeout
        	}
        	set bannet_v6 {
        		type ipv6_addr
        		flags interval,timeout
        	}
        	chain input {
        		type filter hook input priority filter - 10; policy accept;
        		ip saddr @ban_v4 drop
        		ip6 saddr @ban_v6 drop
        		ip saddr @bannet_v4 drop
        		ip6 saddr @bannet_v6 drop
        	}
        	chain forward {
        		type filter hook forward priority filter - 10; policy accept;
        		ip saddr @ban_v4 drop
        		ip6 saddr @ban_v6 drop
        		ip saddr @bannet_v4 drop
        		ip6 saddr @bannet_v6 drop
        	}
        }

        """;

    /// <summary>Creates the table if it is missing; an existing one keeps its bans.</summary>
    public static void Ensure()
    {
        // Terse: this runs before every batch of bans, and a full listing would print every ban in force.
        if (NftTables.List(Table, terse: true) is null)
        {
            Run(Definition);
        }
    }

    /// <summary>
    /// Whether the table is there with its sets, chains and rules as Holt defines them (its elements aside, which
    /// come and go with the bans): false after a <c>nft flush ruleset</c>, or when someone edited its rules.
    /// </summary>
    public static bool IsIntact()
    {
        if (NftTables.ListJson(Table, terse: true) is not string json)
        {
            return false;
        }

        string? expected = Volatile.Read(ref s_definitionDigest);
        return expected is null || NftCanonical.Digest(json, withElements: false) == expected;
    }

    /// <summary>
    /// Deletes the table and creates it afresh, empty, when it was removed or tampered with (the bans are then put
    /// back from the store, with the time they have left).
    /// </summary>
    public static void Recreate()
    {
        NftTables.Remove(Table);
        Run(Definition);
    }

    /// <summary>
    /// Learns what the table looks like as Holt defines it, from a scratch copy under a name of this process's own
    /// (created, listed, deleted), so the real table, and the bans in it, are never touched to learn it.
    /// </summary>
    public static void LearnDefinition()
    {
        string scratch = $"{Table}_probe_{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";
        NftTables.Remove(scratch);
        Run(Definition.Replace($"table inet {Table} {{", $"table inet {scratch} {{", StringComparison.Ordinal));
        try
        {
            string? json = NftTables.ListJson(scratch, terse: true)?.Replace($"\"{scratch}\"", $"\"{Table}\"", StringComparison.Ordinal);
            Volatile.Write(ref s_definitionDigest, json is null ? null : NftCanonical.Digest(json, withElements: false));
        }
        finally
        {
            NftTables.Remove(scratch);
        }
    }

    /// <summary>Bans <paramref name="network"/> for <paramref name="time"/>, replacing any ban it has (a new time).</summary>
    public static void Add(IPNetwork network, TimeSpan time, string jail) => AddAll([(network, time, jail)]);

    /// <summary>Puts many bans in place in one transaction, each replacing any ban its address has.</summary>
    public static void AddAll(IReadOnlyList<(IPNetwork Network, TimeSpan Time, string Jail)> bans)
    {
        if (bans.Count == 0)
        {
            return;
        }

        var script = new StringBuilder();
        foreach ((IPNetwork network, TimeSpan time, string jail) in bans)
        {
            string set = SetFor(network);
            string element = ElementText(network);
            long seconds = Math.Max(1, (long)Math.Ceiling(time.TotalSeconds));

            // Make sure it exists, drop it, add it back with its new timeout (nft 1.0.6 has no "destroy", and adding
            // an existing element would keep its old timeout).
            script.Append(CultureInfo.InvariantCulture, $"add element inet {Table} {set} {{ {element} }}\n");
            script.Append(CultureInfo.InvariantCulture, $"delete element inet {Table} {set} {{ {element} }}\n");
            script.Append(CultureInfo.InvariantCulture, $"add element inet {Table} {set} {{ {element} timeout {seconds}s comment \"{jail}\" }}\n");
        }

        // One nft run in the usual case; the table is looked for (and created) only when the script fails, rather
        // than before every batch of bans.
        try
        {
            Run(script.ToString());
        }
        catch (CommandException) when (NftTables.List(Table, terse: true) is null)
        {
            Ensure();
            Run(script.ToString());
        }
    }

    /// <summary>
    /// Whether <paramref name="transaction"/> only put elements into the ban sets or took them out, and was committed
    /// by an nft that this process ran for its own bans: a table keeper has nothing to look at there, and a flood's
    /// bans would otherwise each cost it a listing of every ban in force. Where the guard runs in a PID namespace of
    /// its own, the kernel names another ID and every transaction is looked at, as before.
    /// </summary>
    public static bool IsOwnBans(NftTransaction transaction)
    {
        if (transaction.ProcessId <= 0)
        {
            return false;
        }

        lock (s_committersLock)
        {
            if (Array.IndexOf(s_committers, transaction.ProcessId) < 0)
            {
                return false;
            }
        }

        foreach (NftTableChange change in transaction.Tables)
        {
            if (change.Family == NftFamily.Inet && change.Table == Table &&
                (change.Removed || (change.Changes & ~(NftChanges.NewElement | NftChanges.DeletedElement)) != 0))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Lifts the ban of <paramref name="network"/>; false when it was not banned.</summary>
    public static bool Remove(IPNetwork network)
    {
        bool present = List().Any(b => b.Network == network);
        if (present)
        {
            Run($"delete element inet {Table} {SetFor(network)} {{ {ElementText(network)} }}\n");
        }

        return present;
    }

    /// <summary>The bans the kernel holds now, with their remaining time.</summary>
    /// <exception cref="CommandException">nft could not list the table because this process may not read nftables.</exception>
    public static IReadOnlyList<Ban> List()
    {
        var bans = new List<Ban>();
        return Read(bans.Add) ? bans : [];
    }

    /// <summary>The addresses and subnets the kernel holds banned now.</summary>
    /// <exception cref="CommandException">nft could not list the table because this process may not read nftables.</exception>
    public static HashSet<IPNetwork> Networks()
    {
        var networks = new HashSet<IPNetwork>();
        return Read(ban => networks.Add(ban.Network)) ? networks : [];
    }

    /// <summary>
    /// Hands each ban the kernel holds to <paramref name="found"/> as nft lists them; false when there is no table
    /// (what <paramref name="found"/> saw then is not the kernel's).
    /// </summary>
    private static bool Read(Action<Ban> found)
    {
        bool listed;
        try
        {
            listed = NftTables.ReadJson(Table, json => BanJson.Read(json, found));
        }
        catch (JsonException e)
        {
            throw new CommandException($"cannot read the guard's bans from nft -j list table inet {Table}: {e.Message}", e);
        }

        // nft fails alike when the table is not there and when the process may not look: only the first is "no
        // bans", and saying it for the second hides every ban from whoever asked.
        if (!listed && !Capabilities.HasNetAdmin())
        {
            throw new CommandException($"{Capabilities.NetAdminMissing} to read the guard's bans");
        }

        return listed;
    }

    private static bool IsHost(IPNetwork network) => network.PrefixLength == (Subnets.IsIPv4(network) ? 32 : 128);

    private static string SetFor(IPNetwork network) =>
        (IsHost(network) ? "ban_" : "bannet_") + (Subnets.IsIPv4(network) ? "v4" : "v6");

    private static string ElementText(IPNetwork network) => IsHost(network) ? network.BaseAddress.ToString() : network.ToString();

    private static void Run(string script) => NftTables.Script(script, "the ban", RememberCommitter);

    internal static void RememberCommitter(int processId)
    {
        lock (s_committersLock)
        {
            s_committers[s_nextCommitter] = processId;
            s_nextCommitter = (s_nextCommitter + 1) % s_committers.Length;
        }
    }
}
