namespace Holt.Interop;

/// <summary>
/// nf_tables change notifications over nfnetlink (linux/netfilter/nfnetlink.h, linux/netfilter/nf_tables.h). The
/// message type of an nfnetlink message is the subsystem in its high byte and the subsystem's message in its low.
/// </summary>
internal static partial class Libc
{
    public const int NETLINK_NETFILTER = 12;

    /// <summary>The multicast group of nf_tables changes; bind(2) joins it as the bit 1 &lt;&lt; (7 - 1).</summary>
    public const int NFNLGRP_NFTABLES = 7;

    public const byte NFNL_SUBSYS_NFTABLES = 10;

    // enum nf_tables_msg_types. A commit announces each object it changed, then NFT_MSG_NEWGEN. The DESTROY
    // messages (kernel 6.3) are deletions that tolerate a missing object; the kernel announces them under their own
    // type. The GET messages never come as notifications.
    public const byte NFT_MSG_NEWTABLE = 0;
    public const byte NFT_MSG_DELTABLE = 2;
    public const byte NFT_MSG_NEWCHAIN = 3;
    public const byte NFT_MSG_DELCHAIN = 5;
    public const byte NFT_MSG_NEWRULE = 6;
    public const byte NFT_MSG_DELRULE = 8;
    public const byte NFT_MSG_NEWSET = 9;
    public const byte NFT_MSG_DELSET = 11;
    public const byte NFT_MSG_NEWSETELEM = 12;
    public const byte NFT_MSG_DELSETELEM = 14;
    public const byte NFT_MSG_NEWGEN = 15;
    public const byte NFT_MSG_NEWOBJ = 18;
    public const byte NFT_MSG_DELOBJ = 20;
    public const byte NFT_MSG_NEWFLOWTABLE = 22;
    public const byte NFT_MSG_DELFLOWTABLE = 24;
    public const byte NFT_MSG_DESTROYTABLE = 26;
    public const byte NFT_MSG_DESTROYCHAIN = 27;
    public const byte NFT_MSG_DESTROYRULE = 28;
    public const byte NFT_MSG_DESTROYSET = 29;
    public const byte NFT_MSG_DESTROYSETELEM = 30;
    public const byte NFT_MSG_DESTROYOBJ = 31;
    public const byte NFT_MSG_DESTROYFLOWTABLE = 32;

    // Each object message names its table, and most name the object, in attributes of their own enum; the kernel
    // numbers them alike (the table 1, the name 2), except that a chain's 2 is its handle and 3 its name.
    public const ushort NFTA_TABLE_NAME = 1;
    public const ushort NFTA_CHAIN_TABLE = 1;
    public const ushort NFTA_CHAIN_NAME = 3;
    public const ushort NFTA_RULE_TABLE = 1;
    public const ushort NFTA_RULE_CHAIN = 2;
    public const ushort NFTA_SET_TABLE = 1;
    public const ushort NFTA_SET_NAME = 2;
    public const ushort NFTA_SET_ELEM_LIST_TABLE = 1;
    public const ushort NFTA_SET_ELEM_LIST_SET = 2;
    public const ushort NFTA_OBJ_TABLE = 1;
    public const ushort NFTA_OBJ_NAME = 2;
    public const ushort NFTA_FLOWTABLE_TABLE = 1;
    public const ushort NFTA_FLOWTABLE_NAME = 2;

    // enum nft_gen_attributes: NFTA_GEN_ID and NFTA_GEN_PROC_PID are big-endian u32, NFTA_GEN_PROC_NAME the
    // committing task's comm (at most 15 bytes and a NUL).
    public const ushort NFTA_GEN_ID = 1;
    public const ushort NFTA_GEN_PROC_PID = 2;
    public const ushort NFTA_GEN_PROC_NAME = 3;
}
