using Holt.Interop;
using Holt.Nft;
using static Holt.Tests.Nft.NftWire;

namespace Holt.Tests.Nft;

/// <summary>Folding notifications into transactions, on the message sequences the kernel was seen to send; needs no root.</summary>
public sealed class NftTransactionBuilderTests
{
    private readonly NftTransactionBuilder _builder = new();
    private readonly RecordingNftListener _listener = new();

    [Fact]
    public void FlushRuleset_ReportsEveryTableRemoved_WithWhoCommitted()
    {
        // What `nft flush ruleset` sent with an ip table (chain, rule, set, counter) and an inet one.
        _builder.Read(
            [
                .. Change(Libc.NFT_MSG_DELRULE, NftFamily.Ip, "y", "z"),
                .. Change(Libc.NFT_MSG_DELSET, NftFamily.Ip, "y", "q"),
                .. Change(Libc.NFT_MSG_DELOBJ, NftFamily.Ip, "y", "k"),
                .. Change(Libc.NFT_MSG_DELCHAIN, NftFamily.Ip, "y", "z", 3),
                .. Change(Libc.NFT_MSG_DELTABLE, NftFamily.Ip, "y"),
                .. Change(Libc.NFT_MSG_DELRULE, NftFamily.Inet, "holt", "input"),
                .. Change(Libc.NFT_MSG_DELRULE, NftFamily.Inet, "holt", "input"),
                .. Change(Libc.NFT_MSG_DELCHAIN, NftFamily.Inet, "holt", "input", 3),
                .. Change(Libc.NFT_MSG_DELTABLE, NftFamily.Inet, "holt"),
            ],
            _listener);
        Assert.Empty(_listener.Transactions);

        _builder.Read(Generation(29, 20521, "nft"), _listener);

        NftTransaction transaction = Assert.Single(_listener.Transactions);
        Assert.Equal(29u, transaction.Generation);
        Assert.Equal(20521, transaction.ProcessId);
        Assert.Equal("nft", transaction.ProcessName);
        Assert.Equal(
            [
                new NftTableChange(NftFamily.Ip, "y", NftChanges.DeletedRule | NftChanges.DeletedSet | NftChanges.DeletedObject | NftChanges.DeletedChain | NftChanges.DeletedTable, true, 5),
                new NftTableChange(NftFamily.Inet, "holt", NftChanges.DeletedRule | NftChanges.DeletedChain | NftChanges.DeletedTable, true, 4),
            ],
            transaction.Tables);
        Assert.True(transaction.Find(NftFamily.Inet, "holt")!.Removed);
        Assert.Null(transaction.Find(NftFamily.Ip, "holt"));
        Assert.False(_builder.HasPending);
    }

    [Fact]
    public void DeleteThenCreate_InOneTransaction_IsNotRemoved()
    {
        // Holt's own replace: table; delete table; table { ... }.
        _builder.Read(
            [
                .. Change(Libc.NFT_MSG_DELRULE, NftFamily.Inet, "holt", "c"),
                .. Change(Libc.NFT_MSG_DELCHAIN, NftFamily.Inet, "holt", "c", 3),
                .. Change(Libc.NFT_MSG_DELTABLE, NftFamily.Inet, "holt"),
                .. Change(Libc.NFT_MSG_NEWTABLE, NftFamily.Inet, "holt"),
                .. Change(Libc.NFT_MSG_NEWCHAIN, NftFamily.Inet, "holt", "c", 3),
                .. Change(Libc.NFT_MSG_NEWRULE, NftFamily.Inet, "holt", "c"),
                .. Generation(31, 20529, "nft"),
            ],
            _listener);

        NftTableChange holt = Assert.Single(Assert.Single(_listener.Transactions).Tables);
        Assert.False(holt.Removed);
        Assert.True(holt.Changes.HasFlag(NftChanges.DeletedTable | NftChanges.NewTable));
        Assert.Equal("inet holt changed (NewTable, DeletedTable, NewChain, DeletedChain, NewRule, DeletedRule)", holt.ToString());
    }

    [Fact]
    public void SameNameInTwoFamilies_IsTwoTables()
    {
        _builder.Read(
            [
                .. Change(Libc.NFT_MSG_NEWSETELEM, NftFamily.Inet, "holt_guard", "banned4"),
                .. Change(Libc.NFT_MSG_NEWSETELEM, NftFamily.Ip, "holt_guard", "banned4"),
                .. Change(Libc.NFT_MSG_NEWSETELEM, NftFamily.Inet, "holt_guard", "banned4"),
                .. Generation(5, 1, "holt"),
            ],
            _listener);

        NftTransaction transaction = Assert.Single(_listener.Transactions);
        Assert.Equal([2, 1], transaction.Tables.Select(t => t.Messages));
        Assert.Equal([NftFamily.Inet, NftFamily.Ip], transaction.Tables.Select(t => t.Family));
    }

    [Fact]
    public void AFloodOfChanges_KeepsOneEntryPerTable()
    {
        byte[] rule = Change(Libc.NFT_MSG_NEWRULE, NftFamily.Inet, "big", "c");
        for (int i = 0; i < 10_000; i++)
        {
            _builder.Read(rule, _listener);
        }

        _builder.Read(Generation(1, 2, "nft"), _listener);

        NftTableChange big = Assert.Single(Assert.Single(_listener.Transactions).Tables);
        Assert.Equal(10_000, big.Messages);
        Assert.Equal(NftChanges.NewRule, big.Changes);
    }

    [Fact]
    public void MoreTablesThanTheBound_IsReportedAsLost()
    {
        var builder = new NftTransactionBuilder(maxTables: 3);
        for (int i = 0; i < 4; i++)
        {
            builder.Read(Change(Libc.NFT_MSG_DELTABLE, NftFamily.Inet, $"t{i}"), _listener);
        }

        builder.Read(Generation(1, 2, "nft"), _listener);

        Assert.Empty(_listener.Transactions);
        Assert.Equal(1, _listener.Lost);
        Assert.False(builder.HasPending);
    }

    [Fact]
    public void MalformedMessage_TurnsItsTransactionIntoALoss_AndTheNextIsReportedAgain()
    {
        _builder.Read([.. Message(Libc.NFT_MSG_DELRULE, NftFamily.Inet), .. Generation(1, 2, "nft")], _listener);
        _builder.Read([.. Change(Libc.NFT_MSG_NEWTABLE, NftFamily.Inet, "holt"), .. Generation(2, 2, "nft")], _listener);

        Assert.Equal(1, _listener.Lost);
        Assert.Equal(2u, Assert.Single(_listener.Transactions).Generation);
    }

    [Fact]
    public void Overrun_DropsWhatWasPending_AndReportsLost_AndTheTransactionItCutAsLostToo()
    {
        _builder.Read(Change(Libc.NFT_MSG_DELTABLE, NftFamily.Inet, "holt"), _listener);
        _builder.Read(Raw(Libc.NLMSG_OVERRUN, []), _listener);
        Assert.Equal(1, _listener.Lost);

        // The rest of a transaction the loss cut into, then its NEWGEN: not to be reported as that transaction.
        _builder.Read([.. Change(Libc.NFT_MSG_NEWRULE, NftFamily.Inet, "big", "c"), .. Generation(3, 4, "nft")], _listener);
        Assert.Equal(2, _listener.Lost);
        Assert.Empty(_listener.Transactions);

        _builder.Read([.. Change(Libc.NFT_MSG_NEWTABLE, NftFamily.Inet, "next"), .. Generation(4, 5, "nft")], _listener);
        Assert.Equal("next", Assert.Single(Assert.Single(_listener.Transactions).Tables).Table);
    }

    [Fact]
    public void Lose_WithNothingAfter_EndsQuietlyAtTheFlush()
    {
        _builder.Lose(_listener);
        Assert.True(_builder.HasPending);

        _builder.Flush(_listener);

        Assert.False(_builder.HasPending);
        Assert.Equal(1, _listener.Lost);
        _builder.Read([.. Change(Libc.NFT_MSG_NEWTABLE, NftFamily.Inet, "next"), .. Generation(4, 5, "nft")], _listener);
        Assert.Single(_listener.Transactions);
    }

    [Fact]
    public void Lose_ThenChangesWithoutGeneration_FlushAsLost()
    {
        _builder.Lose(_listener);
        _builder.Read(Change(Libc.NFT_MSG_NEWRULE, NftFamily.Inet, "big", "c"), _listener);

        _builder.Flush(_listener);

        Assert.Equal(2, _listener.Lost);
        Assert.Empty(_listener.Transactions);
        Assert.False(_builder.HasPending);
    }

    [Fact]
    public void Discard_ForgetsPendingChanges()
    {
        _builder.Read(Change(Libc.NFT_MSG_DELTABLE, NftFamily.Inet, "holt"), _listener);
        Assert.True(_builder.HasPending);

        _builder.Discard();
        _builder.Read(Generation(3, 4, "nft"), _listener);

        Assert.Empty(Assert.Single(_listener.Transactions).Tables);
    }

    [Fact]
    public void Flush_ReportsChangesNoGenerationClosed()
    {
        _builder.Read(Change(Libc.NFT_MSG_DELSETELEM, NftFamily.Inet, "holt_guard", "banned4"), _listener);

        _builder.Flush(_listener);
        _builder.Flush(_listener);

        NftTransaction orphan = Assert.Single(_listener.Transactions);
        Assert.Null(orphan.Generation);
        Assert.Equal(0, orphan.ProcessId);
        Assert.Equal("changes without a generation: inet holt_guard changed (DeletedElement)", orphan.ToString());
    }

    [Fact]
    public void ToString_NamesGenerationProcessAndTables()
    {
        _builder.Read([.. Change(Libc.NFT_MSG_DELTABLE, NftFamily.Inet, "holt"), .. Change(Libc.NFT_MSG_NEWRULE, NftFamily.Ip, "nat", "post"), .. Generation(42, 1234, "nft")], _listener);

        Assert.Equal("generation 42 by nft (pid 1234): inet holt removed, ip nat changed (NewRule)", Assert.Single(_listener.Transactions).ToString());
    }

    [Fact]
    public void RandomDatagrams_NeverThrow()
    {
        var random = new Random(20260302);
        byte[] template =
        [
            .. Change(Libc.NFT_MSG_NEWRULE, NftFamily.Inet, "holt", "forward"),
            .. Change(Libc.NFT_MSG_DELTABLE, NftFamily.Inet, "holt"),
            .. Generation(12, 345, "nft"),
        ];
        var builder = new NftTransactionBuilder(maxTables: 4);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] datagram = template[..random.Next(0, template.Length + 1)];
            for (int flips = random.Next(1, 4); flips > 0 && datagram.Length > 0; flips--)
            {
                datagram[random.Next(datagram.Length)] = (byte)random.Next(256);
            }

            builder.Read(datagram, _listener);
        }

        Assert.True(_listener.Transactions.Count + _listener.Lost > 0);
    }
}
