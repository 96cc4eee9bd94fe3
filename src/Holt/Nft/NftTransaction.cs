using System.Text;

namespace Holt.Nft;

/// <summary>What one transaction did to one table: every message naming the table, folded into one summary.</summary>
/// <param name="Changes">Every kind of change the transaction made in the table.</param>
/// <param name="Removed">
/// The transaction left the table deleted: its last table message was a deletion. <c>nft flush ruleset</c> and
/// <c>nft delete table</c> do that; Holt's own replace (delete, then create, in one transaction) does not.
/// </param>
/// <param name="Messages">How many messages named the table (rules, elements, ... each count).</param>
internal sealed record NftTableChange(NftFamily Family, string Table, NftChanges Changes, bool Removed, int Messages)
{
    public override string ToString() => $"{Family.ToNftName()} {Table} {(Removed ? "removed" : $"changed ({Changes})")}";
}

/// <summary>
/// One committed nftables transaction: the tables it touched, and who committed it (NFT_MSG_NEWGEN).
/// </summary>
internal sealed class NftTransaction
{
    public NftTransaction(uint? generation, int processId, string processName, IReadOnlyList<NftTableChange> tables)
    {
        Generation = generation;
        ProcessId = processId;
        ProcessName = processName;
        Tables = tables;
    }

    /// <summary>
    /// NFTA_GEN_ID, the ruleset's generation once committed; null for changes that no NFT_MSG_NEWGEN closed (see
    /// <see cref="NftMonitor"/>).
    /// </summary>
    public uint? Generation { get; }

    /// <summary>
    /// NFTA_GEN_PROC_PID: the task that committed, as the initial PID namespace numbers it (the PID of an <c>nft</c>
    /// child, for a daemon that is not in a PID namespace of its own); 0 if unknown.
    /// </summary>
    public int ProcessId { get; }

    /// <summary>NFTA_GEN_PROC_NAME: the committing task's name as the kernel keeps it (at most 15 bytes), or empty.</summary>
    public string ProcessName { get; }

    /// <summary>One entry per table the transaction touched, in the order the kernel first named them.</summary>
    public IReadOnlyList<NftTableChange> Tables { get; }

    /// <summary>What the transaction did to the table, or null if it did not touch it.</summary>
    public NftTableChange? Find(NftFamily family, string table)
    {
        foreach (NftTableChange change in Tables)
        {
            if (change.Family == family && string.Equals(change.Table, table, StringComparison.Ordinal))
            {
                return change;
            }
        }

        return null;
    }

    /// <summary>"generation 42 by nft (pid 1234): inet holt removed, ip nat changed (NewRule)", for log lines.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Generation is uint generation ? $"generation {generation}" : "changes without a generation");
        if (ProcessId != 0 || ProcessName.Length > 0)
        {
            text.Append($" by {(ProcessName.Length > 0 ? ProcessName : "?")} (pid {ProcessId})");
        }

        text.Append(": ");
        text.Append(Tables.Count == 0 ? "no tables" : string.Join(", ", Tables));
        return text.ToString();
    }
}
