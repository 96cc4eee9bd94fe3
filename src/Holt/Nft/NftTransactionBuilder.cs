using System.Text;

namespace Holt.Nft;

/// <summary>
/// Folds nf_tables notifications into transactions: the changes the kernel announces for a commit are gathered per
/// table until the NFT_MSG_NEWGEN that closes it, then reported as one <see cref="NftTransaction"/>. Memory stays
/// bounded whatever the commit: a table costs one entry however many rules or elements it gained, and a transaction
/// naming more than <see cref="MaxTables"/> tables is reported as lost instead. Pure: datagrams in, listener calls
/// out, no I/O.
/// </summary>
internal sealed class NftTransactionBuilder
{
    /// <summary>Tables one transaction may name before it is reported as lost rather than listed.</summary>
    public const int DefaultMaxTables = 256;

    private readonly List<PendingTable> _tables = [];
    private PendingTable? _last;

    // A message was unreadable or a table did not fit: the transaction can only be reported as lost.
    private bool _incomplete;

    // Messages were lost, perhaps the NFT_MSG_NEWGEN that ended a transaction; whatever arrives before the next one
    // may be the rest of it and must not be taken for part of the next transaction.
    private bool _resynchronizing;

    public NftTransactionBuilder(int maxTables = DefaultMaxTables)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTables, 1);
        MaxTables = maxTables;
    }

    public int MaxTables { get; }

    /// <summary>Changes have arrived that no NFT_MSG_NEWGEN has closed yet, or a loss left a transaction open.</summary>
    public bool HasPending => _tables.Count > 0 || _incomplete || _resynchronizing;

    /// <summary>Reads one datagram, reporting each transaction it closes and each loss it announces.</summary>
    public void Read(ReadOnlySpan<byte> datagram, INftListener listener)
    {
        var reader = new NftMessageReader(datagram);
        while (reader.TryRead(out NftMessage message))
        {
            switch (message.Type)
            {
                case NftMessageType.Change:
                    Add(message);
                    break;
                case NftMessageType.Generation:
                    Complete(listener, message.Generation, message.ProcessId, Encoding.UTF8.GetString(message.ProcessName));
                    break;
                case NftMessageType.Overrun:
                    Lose(listener);
                    break;
                default:
                    _incomplete = true;
                    break;
            }
        }
    }

    /// <summary>
    /// Reports the pending changes as a transaction without a generation or process: for changes the kernel made
    /// outside a commit, or whose NFT_MSG_NEWGEN never came. After a loss with nothing since, just ends the wait.
    /// </summary>
    public void Flush(INftListener listener)
    {
        if (_tables.Count > 0 || _incomplete)
        {
            Complete(listener, generation: null, processId: 0, processName: "");
        }

        _resynchronizing = false;
    }

    /// <summary>
    /// The socket dropped messages: forgets the pending changes, which tell only part of the story, reports the loss,
    /// and reports the transaction under way as lost too when its NFT_MSG_NEWGEN comes, since part of it may be missing.
    /// </summary>
    public void Lose(INftListener listener)
    {
        Discard();
        _resynchronizing = true;
        listener.OnLost();
    }

    /// <summary>Forgets the pending changes.</summary>
    public void Discard()
    {
        _tables.Clear();
        _last = null;
        _incomplete = false;
        _resynchronizing = false;
    }

    private void Add(NftMessage message)
    {
        PendingTable? table = _last is not null && _last.Is(message.Family, message.Table) ? _last : Find(message.Family, message.Table);
        if (table is null)
        {
            if (_tables.Count >= MaxTables)
            {
                _incomplete = true;
                return;
            }

            table = new PendingTable(message.Family, message.Table.ToArray());
            _tables.Add(table);
        }

        table.Changes |= message.Change;
        table.Messages = table.Messages == int.MaxValue ? int.MaxValue : table.Messages + 1;
        if (message.Change == NftChanges.DeletedTable)
        {
            table.Removed = true;
        }
        else if (message.Change == NftChanges.NewTable)
        {
            table.Removed = false;
        }

        _last = table;
    }

    private PendingTable? Find(NftFamily family, ReadOnlySpan<byte> name)
    {
        foreach (PendingTable table in _tables)
        {
            if (table.Is(family, name))
            {
                return table;
            }
        }

        return null;
    }

    private void Complete(INftListener listener, uint? generation, int processId, string processName)
    {
        bool incomplete = _incomplete || _resynchronizing;
        var tables = new NftTableChange[incomplete ? 0 : _tables.Count];
        for (int i = 0; i < tables.Length; i++)
        {
            PendingTable table = _tables[i];
            tables[i] = new NftTableChange(table.Family, Encoding.UTF8.GetString(table.Name), table.Changes, table.Removed, table.Messages);
        }

        // Reset before calling out: the listener may dispose the monitor that owns this builder.
        Discard();
        if (incomplete)
        {
            listener.OnLost();
        }
        else
        {
            listener.OnTransaction(new NftTransaction(generation, processId, processName, tables));
        }
    }

    private sealed class PendingTable
    {
        public PendingTable(NftFamily family, byte[] name)
        {
            Family = family;
            Name = name;
        }

        public NftFamily Family { get; }

        public byte[] Name { get; }

        public NftChanges Changes { get; set; }

        public bool Removed { get; set; }

        public int Messages { get; set; }

        public bool Is(NftFamily family, ReadOnlySpan<byte> name) => Family == family && name.SequenceEqual(Name);
    }
}
