using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Holt.Interop;

namespace Holt.Nft;

internal enum NftMessageType : byte
{
    /// <summary>An object was created, updated or deleted: NFT_MSG_NEW* or NFT_MSG_DEL* (or DESTROY*).</summary>
    Change,

    /// <summary>NFT_MSG_NEWGEN: the transaction whose changes came before it is committed.</summary>
    Generation,

    /// <summary>NLMSG_OVERRUN: the kernel dropped notifications.</summary>
    Overrun,

    /// <summary>A message that could not be read: lengths that do not add up, or a change naming no table.</summary>
    Malformed,
}

/// <summary>One nf_tables notification; its spans point into the datagram it was read from.</summary>
internal readonly ref struct NftMessage
{
    public NftMessageType Type { get; init; }

    /// <summary>For a change: the one flag saying what kind of object was created or deleted.</summary>
    public NftChanges Change { get; init; }

    public NftFamily Family { get; init; }

    /// <summary>For a change: the table's name, UTF-8, without the NUL.</summary>
    public ReadOnlySpan<byte> Table { get; init; }

    /// <summary>For a change: the chain (of a chain or rule), set (of a set or element), object or flowtable; empty for a table.</summary>
    public ReadOnlySpan<byte> Name { get; init; }

    /// <summary>For a generation: NFTA_GEN_ID, the ruleset's generation after the commit.</summary>
    public uint Generation { get; init; }

    /// <summary>For a generation: NFTA_GEN_PROC_PID, the committing task in the initial PID namespace; 0 if absent.</summary>
    public int ProcessId { get; init; }

    /// <summary>For a generation: NFTA_GEN_PROC_NAME, the committing task's comm (<c>nft</c>); empty if absent.</summary>
    public ReadOnlySpan<byte> ProcessName { get; init; }
}

/// <summary>
/// Reads nf_tables notifications out of an nfnetlink datagram, one message at a time, without allocating. The input
/// comes from the kernel but is read as if hostile: every length is checked against what is left. A message that does
/// not add up is returned as <see cref="NftMessageType.Malformed"/> and skipped; when the message lengths themselves
/// are wrong the walk cannot go on and ends there. Messages of other subsystems and types are skipped silently.
/// </summary>
/// <remarks>
/// Netlink headers are in host byte order, hence <see cref="MemoryMarshal.Read{T}"/>; nf_tables' integer attributes
/// are big-endian.
/// <code>
/// struct nlmsghdr { u32 nlmsg_len; u16 nlmsg_type; u16 nlmsg_flags; u32 nlmsg_seq; u32 nlmsg_pid; }   16 bytes
///                   nlmsg_type = NFNL_SUBSYS_NFTABLES &lt;&lt; 8 | NFT_MSG_*
/// struct nfgenmsg { u8 nfgen_family; u8 version; be16 res_id; }                                        4 bytes
/// struct nlattr   { u16 nla_len; u16 nla_type; payload, padded to 4 }                                  4 + n bytes
/// </code>
/// </remarks>
internal ref struct NftMessageReader
{
    public const int HeaderSize = 16;
    public const int NfGenMsgSize = 4;
    private const int AttributeHeaderSize = 4;

    // Netlink's own message types (NLMSG_NOOP .. NLMSG_OVERRUN) sit below NLMSG_MIN_TYPE.
    private const ushort NlmsgMinType = 0x10;

    // NLA_F_NESTED and NLA_F_NET_BYTEORDER ride in the top bits of nla_type.
    private const ushort AttributeTypeMask = 0x3fff;

    private ReadOnlySpan<byte> _rest;

    public NftMessageReader(ReadOnlySpan<byte> datagram) => _rest = datagram;

    /// <summary>The next nf_tables message; false when the datagram has no more.</summary>
    public bool TryRead(out NftMessage message)
    {
        while (!_rest.IsEmpty)
        {
            uint length = _rest.Length >= HeaderSize ? MemoryMarshal.Read<uint>(_rest) : 0;
            if (length < HeaderSize || length > (uint)_rest.Length)
            {
                _rest = default;
                message = new NftMessage { Type = NftMessageType.Malformed };
                return true;
            }

            ushort type = MemoryMarshal.Read<ushort>(_rest[4..]);
            ReadOnlySpan<byte> payload = _rest[HeaderSize..(int)length];
            int next = Align(length);
            _rest = next >= _rest.Length ? default : _rest[next..];
            if (Decode(type, payload, out message))
            {
                return true;
            }
        }

        message = default;
        return false;
    }

    /// <summary>The change a message type announces, or <see cref="NftChanges.None"/> for one that is no change.</summary>
    public static NftChanges ChangeOf(byte messageType) => messageType switch
    {
        Libc.NFT_MSG_NEWTABLE => NftChanges.NewTable,
        Libc.NFT_MSG_DELTABLE or Libc.NFT_MSG_DESTROYTABLE => NftChanges.DeletedTable,
        Libc.NFT_MSG_NEWCHAIN => NftChanges.NewChain,
        Libc.NFT_MSG_DELCHAIN or Libc.NFT_MSG_DESTROYCHAIN => NftChanges.DeletedChain,
        Libc.NFT_MSG_NEWRULE => NftChanges.NewRule,
        Libc.NFT_MSG_DELRULE or Libc.NFT_MSG_DESTROYRULE => NftChanges.DeletedRule,
        Libc.NFT_MSG_NEWSET => NftChanges.NewSet,
        Libc.NFT_MSG_DELSET or Libc.NFT_MSG_DESTROYSET => NftChanges.DeletedSet,
        Libc.NFT_MSG_NEWSETELEM => NftChanges.NewElement,
        Libc.NFT_MSG_DELSETELEM or Libc.NFT_MSG_DESTROYSETELEM => NftChanges.DeletedElement,
        Libc.NFT_MSG_NEWOBJ => NftChanges.NewObject,
        Libc.NFT_MSG_DELOBJ or Libc.NFT_MSG_DESTROYOBJ => NftChanges.DeletedObject,
        Libc.NFT_MSG_NEWFLOWTABLE => NftChanges.NewFlowtable,
        Libc.NFT_MSG_DELFLOWTABLE or Libc.NFT_MSG_DESTROYFLOWTABLE => NftChanges.DeletedFlowtable,
        _ => NftChanges.None,
    };

    /// <summary>The attributes that carry a change's table and the name of its object (0: a table has none).</summary>
    private static (ushort Table, ushort Name) AttributesOf(NftChanges change) => change switch
    {
        NftChanges.NewChain or NftChanges.DeletedChain => (Libc.NFTA_CHAIN_TABLE, Libc.NFTA_CHAIN_NAME),
        NftChanges.NewRule or NftChanges.DeletedRule => (Libc.NFTA_RULE_TABLE, Libc.NFTA_RULE_CHAIN),
        NftChanges.NewSet or NftChanges.DeletedSet => (Libc.NFTA_SET_TABLE, Libc.NFTA_SET_NAME),
        NftChanges.NewElement or NftChanges.DeletedElement => (Libc.NFTA_SET_ELEM_LIST_TABLE, Libc.NFTA_SET_ELEM_LIST_SET),
        NftChanges.NewObject or NftChanges.DeletedObject => (Libc.NFTA_OBJ_TABLE, Libc.NFTA_OBJ_NAME),
        NftChanges.NewFlowtable or NftChanges.DeletedFlowtable => (Libc.NFTA_FLOWTABLE_TABLE, Libc.NFTA_FLOWTABLE_NAME),
        _ => (Libc.NFTA_TABLE_NAME, 0),
    };

    /// <summary>False for a message that is not an nf_tables notification (skipped).</summary>
    private static bool Decode(ushort type, ReadOnlySpan<byte> payload, out NftMessage message)
    {
        message = default;
        if (type < NlmsgMinType)
        {
            if (type != Libc.NLMSG_OVERRUN)
            {
                return false;
            }

            message = new NftMessage { Type = NftMessageType.Overrun };
            return true;
        }

        if (type >> 8 != Libc.NFNL_SUBSYS_NFTABLES)
        {
            return false;
        }

        byte messageType = (byte)type;
        NftChanges change = ChangeOf(messageType);
        if (change == NftChanges.None && messageType != Libc.NFT_MSG_NEWGEN)
        {
            return false;
        }

        var malformed = new NftMessage { Type = NftMessageType.Malformed };
        if (payload.Length < NfGenMsgSize)
        {
            message = malformed;
            return true;
        }

        var family = (NftFamily)payload[0];
        ReadOnlySpan<byte> attributes = payload[NfGenMsgSize..];
        if (messageType == Libc.NFT_MSG_NEWGEN)
        {
            if (!TryFind(attributes, Libc.NFTA_GEN_ID, Libc.NFTA_GEN_PROC_PID, Libc.NFTA_GEN_PROC_NAME, out ReadOnlySpan<byte> id, out ReadOnlySpan<byte> pid, out ReadOnlySpan<byte> name))
            {
                message = malformed;
                return true;
            }

            message = new NftMessage
            {
                Type = NftMessageType.Generation,
                Family = family,
                Generation = id.Length >= sizeof(uint) ? BinaryPrimitives.ReadUInt32BigEndian(id) : 0,
                ProcessId = pid.Length >= sizeof(uint) ? (int)BinaryPrimitives.ReadUInt32BigEndian(pid) : 0,
                ProcessName = UntilNul(name),
            };
            return true;
        }

        (ushort tableAttribute, ushort nameAttribute) = AttributesOf(change);
        if (!TryFind(attributes, tableAttribute, nameAttribute, 0, out ReadOnlySpan<byte> table, out ReadOnlySpan<byte> objectName, out _)
            || UntilNul(table).IsEmpty)
        {
            message = malformed;
            return true;
        }

        message = new NftMessage
        {
            Type = NftMessageType.Change,
            Change = change,
            Family = family,
            Table = UntilNul(table),
            Name = UntilNul(objectName),
        };
        return true;
    }

    /// <summary>
    /// Walks the attributes and picks up to three by type (0: none); the first of each type wins. False if the walk
    /// runs into an attribute whose length does not fit.
    /// </summary>
    private static bool TryFind(
        ReadOnlySpan<byte> attributes,
        ushort type1,
        ushort type2,
        ushort type3,
        out ReadOnlySpan<byte> value1,
        out ReadOnlySpan<byte> value2,
        out ReadOnlySpan<byte> value3)
    {
        value1 = value2 = value3 = default;
        bool found1 = false, found2 = false, found3 = false;
        while (attributes.Length >= AttributeHeaderSize)
        {
            ushort length = MemoryMarshal.Read<ushort>(attributes);
            ushort type = (ushort)(MemoryMarshal.Read<ushort>(attributes[2..]) & AttributeTypeMask);
            if (length < AttributeHeaderSize || length > attributes.Length)
            {
                return false;
            }

            ReadOnlySpan<byte> value = attributes[AttributeHeaderSize..length];
            if (type != 0)
            {
                if (type == type1 && !found1)
                {
                    value1 = value;
                    found1 = true;
                }
                else if (type == type2 && !found2)
                {
                    value2 = value;
                    found2 = true;
                }
                else if (type == type3 && !found3)
                {
                    value3 = value;
                    found3 = true;
                }
            }

            int next = Align(length);
            if (next >= attributes.Length)
            {
                return true;
            }

            attributes = attributes[next..];
        }

        // Up to three stray bytes are the padding of a last attribute that nlmsg_len did not count.
        return true;
    }

    /// <summary>An NLA_STRING's text: up to its NUL, or all of it if the kernel (or a fuzzer) left the NUL out.</summary>
    private static ReadOnlySpan<byte> UntilNul(ReadOnlySpan<byte> value)
    {
        int nul = value.IndexOf((byte)0);
        return nul < 0 ? value : value[..nul];
    }

    private static int Align(uint length) => (int)Math.Min((length + 3) & ~3u, int.MaxValue);
}
