namespace Holt.Nft;

/// <summary>
/// What changed in a table: one flag per kind of nftables object, created (NFT_MSG_NEW*) or deleted (NFT_MSG_DEL*,
/// NFT_MSG_DESTROY*). A message carries one flag; a table's summary of a transaction carries all it saw.
/// </summary>
/// <remarks>
/// "New" includes updates: a table's flags, a chain's policy, a set's timeout changed in place come as NEW
/// messages too. "Deleted" chain or flowtable messages also announce devices removed from a netdev hook whose
/// chain or flowtable stays.
/// </remarks>
[Flags]
internal enum NftChanges : ushort
{
    None = 0,
    NewTable = 1 << 0,
    DeletedTable = 1 << 1,
    NewChain = 1 << 2,
    DeletedChain = 1 << 3,
    NewRule = 1 << 4,
    DeletedRule = 1 << 5,
    NewSet = 1 << 6,
    DeletedSet = 1 << 7,
    NewElement = 1 << 8,
    DeletedElement = 1 << 9,
    NewFlowtable = 1 << 10,
    DeletedFlowtable = 1 << 11,
    NewObject = 1 << 12,
    DeletedObject = 1 << 13,

    AnyDeleted = DeletedTable | DeletedChain | DeletedRule | DeletedSet | DeletedElement | DeletedFlowtable | DeletedObject,
}
