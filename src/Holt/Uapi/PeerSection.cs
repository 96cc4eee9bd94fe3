using System.Net;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;

namespace Holt.Uapi;

/// <summary>The keys a section of a set request has used, so a repeated one can be refused.</summary>
[Flags]
internal enum SeenKeys
{
    None = 0,
    PrivateKey = 1 << 0,
    ListenPort = 1 << 1,
    FirewallMark = 1 << 2,
    ReplacePeers = 1 << 3,
    Remove = 1 << 4,
    UpdateOnly = 1 << 5,
    PresharedKey = 1 << 6,
    Endpoint = 1 << 7,
    PersistentKeepalive = 1 << 8,
    ReplaceAllowedIps = 1 << 9,
    ProtocolVersion = 1 << 10,
    AllowedIp = 1 << 11,
}

/// <summary>One <c>public_key=</c> section of a set request as it is read, turned into a <see cref="PeerUpdate"/> at its end.</summary>
internal sealed class PeerSection(PublicKey publicKey)
{
    private readonly List<IPNetwork> _added = [];
    private HashSet<IPNetwork>? _removed;

    public PublicKey PublicKey { get; } = publicKey;

    public SeenKeys Seen { get; set; }

    public bool Remove { get; set; }

    public bool UpdateOnly { get; set; }

    /// <summary>Owned by the parser, which disposes it.</summary>
    public PresharedKey? PresharedKey { get; set; }

    public bool RemovePresharedKey { get; set; }

    public Endpoint? Endpoint { get; set; }

    public ushort? PersistentKeepaliveInterval { get; set; }

    public bool ReplaceAllowedIps { get; set; }

    public int AllowedIpLines { get; private set; }

    public void AddAllowedIp(IPNetwork prefix)
    {
        AllowedIpLines++;
        _added.Add(prefix);

        // Added after a removal in the same section: the peer ends up holding it, as line-by-line application
        // would leave it.
        _removed?.Remove(prefix);
    }

    /// <summary>
    /// A removal stays even if the prefix was added earlier in the section: the engine applies removals after
    /// additions, so the prefix ends up held by nobody, again as line-by-line application would leave it.
    /// </summary>
    public void RemoveAllowedIp(IPNetwork prefix)
    {
        AllowedIpLines++;
        (_removed ??= []).Add(prefix);
    }

    public PeerUpdate ToUpdate() => new()
    {
        PublicKey = PublicKey,
        Remove = Remove,
        UpdateOnly = UpdateOnly,
        PresharedKey = PresharedKey,
        RemovePresharedKey = RemovePresharedKey,
        Endpoint = Endpoint,
        PersistentKeepaliveInterval = PersistentKeepaliveInterval,
        ReplaceAllowedIps = ReplaceAllowedIps,
        AllowedIps = _added,
        RemoveAllowedIps = _removed is null ? [] : [.. _removed],
    };
}
