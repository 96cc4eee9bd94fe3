namespace Holt.Nft;

/// <summary>
/// The address family of an nftables table, as nfgenmsg's nfgen_family carries it: the NFPROTO_* values of
/// linux/netfilter.h, which for ip and ip6 are AF_INET and AF_INET6.
/// </summary>
internal enum NftFamily : byte
{
    /// <summary>NFPROTO_UNSPEC: no family; NFT_MSG_NEWGEN carries it.</summary>
    Unspecified = 0,
    Inet = 1,
    Ip = 2,
    Arp = 3,
    Netdev = 5,
    Bridge = 7,
    Ip6 = 10,
}

internal static class NftFamilyNames
{
    /// <summary>The family as nft writes it (<c>inet</c>, <c>ip6</c>), or its number for one nft does not know.</summary>
    public static string ToNftName(this NftFamily family) => family switch
    {
        NftFamily.Inet => "inet",
        NftFamily.Ip => "ip",
        NftFamily.Ip6 => "ip6",
        NftFamily.Arp => "arp",
        NftFamily.Bridge => "bridge",
        NftFamily.Netdev => "netdev",
        NftFamily.Unspecified => "unspec",
        _ => $"family {(byte)family}",
    };
}
