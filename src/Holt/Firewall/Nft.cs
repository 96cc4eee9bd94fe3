using Holt.External;

namespace Holt.Firewall;

/// <summary>
/// Holt's nftables table, <c>inet holt</c>, replaced whole in one <c>nft -f</c> transaction. Holt never lists,
/// flushes or edits any other table, so Docker's, ufw's and fail2ban's rules stay as they are.
/// </summary>
internal static class Nft
{
    public const string Family = "inet";
    public const string Table = "holt";
    private const string InstallHint = "apt-get install nftables";

    /// <summary>The script that swaps in <paramref name="ruleset"/>: declaring the table first makes the delete valid when it does not exist.</summary>
    public static string ReplaceScript(string ruleset) => $"table {Family} {Table}\ndelete table {Family} {Table}\n{ruleset}";

    /// <summary>Replaces Holt's table with <paramref name="ruleset"/> (a <c>table inet holt { ... }</c>) atomically.</summary>
    public static void Apply(string ruleset) => Run(["-f", "-"], ReplaceScript(ruleset));

    /// <summary>Asks nft whether the ruleset would load (<c>nft -c</c>), without changing anything.</summary>
    public static void Check(string ruleset) => Run(["-c", "-f", "-"], ReplaceScript(ruleset));

    /// <summary>Removes Holt's table, if it is there.</summary>
    /// <remarks>Without a table there is no transaction at all, so an edit that changes nothing in nftables writes nothing there.</remarks>
    public static void Remove()
    {
        ToolResult listed = ExternalTool.TryRun("nft", ["list", "table", Family, Table], installHint: InstallHint);
        if (listed.ExitCode != 0 && listed.FirstErrorLine.Contains("No such file or directory", StringComparison.Ordinal))
        {
            return;
        }

        Run(["-f", "-"], $"table {Family} {Table}\ndelete table {Family} {Table}\n");
    }

    /// <summary>Holt's table as it is loaded now, or null when there is none.</summary>
    public static string? ListTable()
    {
        ToolResult result = ExternalTool.TryRun("nft", ["list", "table", Family, Table], installHint: InstallHint);
        return result.ExitCode == 0 ? result.Output : null;
    }

    private static void Run(string[] arguments, string input)
    {
        ToolResult result = ExternalTool.TryRun("nft", arguments, input, InstallHint);
        if (result.ExitCode == 0)
        {
            return;
        }

        string reason = result.FirstErrorLine;
        if (reason.Contains("Operation not supported", StringComparison.Ordinal) || reason.Contains("Protocol not supported", StringComparison.Ordinal))
        {
            throw new CommandException($"the kernel has no nf_tables support ({reason}); Holt's firewall needs it");
        }

        throw new CommandException($"nft refused Holt's ruleset: {reason}");
    }
}
