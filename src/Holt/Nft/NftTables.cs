using Holt.External;

namespace Holt.Nft;

/// <summary>
/// Holt's nftables tables, each replaced whole in one <c>nft -f</c> transaction. Holt names its tables itself (plain
/// nft words: letters, digits, '_', '-' and '.') and never lists, flushes or edits anyone else's, so Docker's,
/// ufw's and fail2ban's rules stay as they are.
/// </summary>
internal static class NftTables
{
    public const string Family = "inet";
    private const string InstallHint = "apt-get install nftables";

    /// <summary>The script that swaps in <paramref name="ruleset"/>: declaring the table first makes the delete valid when it does not exist.</summary>
    public static string ReplaceScript(string table, string ruleset) =>
        $"table {Family} {table}\ndelete table {Family} {table}\n{ruleset}";

    /// <summary>Replaces <paramref name="table"/> with <paramref name="ruleset"/> (its whole definition) atomically.</summary>
    public static void Replace(string table, string ruleset) => Run(["-f", "-"], ReplaceScript(table, ruleset), "Holt's ruleset");

    /// <summary>Asks nft whether the ruleset would load (<c>nft -c</c>), without changing anything.</summary>
    public static void Check(string table, string ruleset) => Run(["-c", "-f", "-"], ReplaceScript(table, ruleset), "Holt's ruleset");

    /// <summary>Runs a script of Holt's own (bans, set elements) in one transaction.</summary>
    /// <param name="script">The script.</param>
    /// <param name="what">What it does, for the error.</param>
    /// <param name="started">Told the ID of the nft process that commits it, before the script is given to it.</param>
    public static void Script(string script, string what, Action<int>? started = null) => Run(["-f", "-"], script, what, started);

    /// <summary>Removes <paramref name="table"/>, if it is there.</summary>
    /// <remarks>Without the table there is no transaction at all, so removing nothing writes nothing.</remarks>
    public static void Remove(string table)
    {
        if (List(table) is null)
        {
            return;
        }

        Run(["-f", "-"], $"table {Family} {table}\ndelete table {Family} {table}\n", "the removal of Holt's table");
    }

    /// <summary>The table as it is loaded now, or null when there is none.</summary>
    /// <param name="table">The table's name.</param>
    /// <param name="terse">Leave out the sets' elements (<c>nft -t</c>): what a set of 10,000 bans would add is not needed.</param>
    public static string? List(string table, bool terse = false)
    {
        ToolResult result = ExternalTool.TryRun("nft", terse ? ["-t", "list", "table", Family, table] : ["list", "table", Family, table], installHint: InstallHint);
        return result.ExitCode == 0 ? result.Output : null;
    }

    /// <summary>The table as nft's JSON, or null when there is none.</summary>
    /// <param name="table">The table's name.</param>
    /// <param name="terse">Leave out the sets' elements (<c>nft -t</c>).</param>
    public static string? ListJson(string table, bool terse = false)
    {
        ToolResult result = ExternalTool.TryRun("nft", terse ? ["-t", "-j", "list", "table", Family, table] : ["-j", "list", "table", Family, table], installHint: InstallHint);
        return result.ExitCode == 0 ? result.Output : null;
    }

    /// <summary>
    /// Hands the table, as nft's JSON, to <paramref name="read"/> as nft writes it, so that a table of many elements
    /// never becomes one string; false (after <paramref name="read"/> has seen what nft wrote) when there is none.
    /// </summary>
    /// <param name="table">The table's name.</param>
    /// <param name="read">Reads the JSON to its end.</param>
    public static bool ReadJson(string table, Action<Stream> read) =>
        ExternalTool.TryRunReading("nft", ["-j", "list", "table", Family, table], read, InstallHint).ExitCode == 0;

    private static void Run(string[] arguments, string input, string what, Action<int>? started = null)
    {
        ToolResult result = ExternalTool.TryRun("nft", arguments, input, InstallHint, started);
        if (result.ExitCode == 0)
        {
            return;
        }

        string reason = result.FirstErrorLine;
        if (reason.Contains("Operation not supported", StringComparison.Ordinal) || reason.Contains("Protocol not supported", StringComparison.Ordinal))
        {
            throw new CommandException($"the kernel has no nf_tables support ({reason}); Holt's firewall needs it");
        }

        if (reason.Contains("Operation not permitted", StringComparison.Ordinal))
        {
            throw new CommandException("needs root (CAP_NET_ADMIN) to change nftables");
        }

        throw new CommandException($"nft refused {what}: {reason}");
    }
}
