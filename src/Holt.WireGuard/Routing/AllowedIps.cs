using System.Buffers.Binary;
using System.Net;

namespace Holt.WireGuard.Routing;

/// <summary>
/// Cryptokey routing (whitepaper section 2): the table from IP prefixes to the peer allowed to use them. Sending,
/// the longest prefix holding a packet's destination names the peer to encrypt for; receiving, a decrypted
/// packet's source must map back to the peer it came from.
/// </summary>
/// <remarks>
/// <para>
/// Lookups take no lock and allocate nothing: they walk whichever immutable trie was last published. Writers
/// serialize on a lock, build a new trie that shares all untouched subtrees with the old one (about one node per
/// prefix bit), and publish it with a single reference write, so a concurrent lookup sees the table entirely
/// before or entirely after each change.
/// </para>
/// <para>
/// IPv4 and IPv6 are separate tries; an IPv4-mapped IPv6 address is an IPv6 address here, as in WireGuard.
/// Owners are compared by reference.
/// </para>
/// </remarks>
/// <typeparam name="T">The owner of a prefix, in practice a peer.</typeparam>
public sealed partial class AllowedIps<T> where T : class
{
    private readonly Lock _writeLock = new();

    // Which prefixes each owner holds, so RemoveAll and PrefixesOf cost the owner's share, not the table's.
    // Only touched under _writeLock.
    private readonly Dictionary<T, HashSet<PrefixKey>> _prefixesByOwner = new(ReferenceEqualityComparer.Instance);

    private Node? _ipv4Root;
    private Node? _ipv6Root;
    private int _count;

    /// <summary>How many prefixes the table holds, both families together.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Gives <paramref name="prefix"/> to <paramref name="owner"/>. Host bits are ignored (10.0.0.5/24 is
    /// 10.0.0.0/24). If another owner held exactly this prefix, it moves to <paramref name="owner"/>.
    /// </summary>
    public void Insert(IPNetwork prefix, T owner) => Update(owner, [prefix], replace: false);

    /// <summary>
    /// Gives <paramref name="owner"/> every prefix in <paramref name="prefixes"/> (moving any another owner held),
    /// after first dropping all it held if <paramref name="replace"/> is set. The new table is published once per
    /// address family, so a lookup never sees the owner without routes halfway through a replacement.
    /// </summary>
    public void Update(T owner, IEnumerable<IPNetwork> prefixes, bool replace)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(prefixes);
        PrefixKey[] keys = [.. prefixes.Select(PrefixKey.FromNetwork)];

        lock (_writeLock)
        {
            Node? ipv4 = _ipv4Root;
            Node? ipv6 = _ipv6Root;
            if (replace && _prefixesByOwner.Remove(owner, out HashSet<PrefixKey>? held))
            {
                foreach (PrefixKey key in held)
                {
                    ref Node? root = ref key.IsIPv6 ? ref ipv6 : ref ipv4;
                    root = Remove(root, key, owner);
                }

                _count -= held.Count;
            }

            foreach (PrefixKey key in keys)
            {
                ref Node? root = ref key.IsIPv6 ? ref ipv6 : ref ipv4;
                Node updated = Insert(root, key, owner, out T? previous);
                if (ReferenceEquals(updated, root))
                {
                    continue;
                }

                root = updated;
                if (previous is null)
                {
                    _count++;
                }
                else
                {
                    Forget(previous, key);
                }

                if (!_prefixesByOwner.TryGetValue(owner, out HashSet<PrefixKey>? owned))
                {
                    owned = [];
                    _prefixesByOwner.Add(owner, owned);
                }

                owned.Add(key);
            }

            Volatile.Write(ref _ipv4Root, ipv4);
            Volatile.Write(ref _ipv6Root, ipv6);
        }
    }

    /// <summary>Removes <paramref name="prefix"/> if, and only if, <paramref name="owner"/> holds it.</summary>
    /// <returns>Whether the prefix was removed.</returns>
    public bool Remove(IPNetwork prefix, T owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        PrefixKey key = PrefixKey.FromNetwork(prefix);

        lock (_writeLock)
        {
            ref Node? root = ref RootOf(key);
            Node? updated = Remove(root, key, owner);
            if (ReferenceEquals(updated, root))
            {
                return false;
            }

            Volatile.Write(ref root, updated);
            _count--;
            Forget(owner, key);
            return true;
        }
    }

    /// <summary>Removes every prefix <paramref name="owner"/> holds, as when a peer is removed.</summary>
    public void RemoveAll(T owner)
    {
        ArgumentNullException.ThrowIfNull(owner);

        lock (_writeLock)
        {
            if (!_prefixesByOwner.Remove(owner, out HashSet<PrefixKey>? prefixes))
            {
                return;
            }

            // Build both new tries in full before publishing either, so each family changes in one step.
            Node? ipv4 = _ipv4Root;
            Node? ipv6 = _ipv6Root;
            foreach (PrefixKey key in prefixes)
            {
                if (key.IsIPv6)
                {
                    ipv6 = Remove(ipv6, key, owner);
                }
                else
                {
                    ipv4 = Remove(ipv4, key, owner);
                }
            }

            Volatile.Write(ref _ipv4Root, ipv4);
            Volatile.Write(ref _ipv6Root, ipv6);
            _count -= prefixes.Count;
        }
    }

    /// <summary>Empties the table.</summary>
    public void Clear()
    {
        lock (_writeLock)
        {
            Volatile.Write(ref _ipv4Root, null);
            Volatile.Write(ref _ipv6Root, null);
            _prefixesByOwner.Clear();
            _count = 0;
        }
    }

    /// <summary>
    /// The owner of the longest prefix containing <paramref name="address"/>, or null if none does. The address is
    /// 4 bytes (IPv4) or 16 bytes (IPv6) in network order; any other length matches nothing. Allocation-free and
    /// safe to call from any number of threads while the table changes.
    /// </summary>
    public T? Lookup(ReadOnlySpan<byte> address)
    {
        if (address.Length == 4)
        {
            ulong hi = (ulong)BinaryPrimitives.ReadUInt32BigEndian(address) << 32;
            return Find(Volatile.Read(ref _ipv4Root), hi, 0);
        }

        if (address.Length == 16)
        {
            ulong hi = BinaryPrimitives.ReadUInt64BigEndian(address);
            ulong lo = BinaryPrimitives.ReadUInt64BigEndian(address[8..]);
            return Find(Volatile.Read(ref _ipv6Root), hi, lo);
        }

        return null;
    }

    /// <summary>The owner of the longest prefix containing <paramref name="address"/>, or null if none does.</summary>
    public T? Lookup(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        return address.TryWriteBytes(bytes, out int written) ? Lookup(bytes[..written]) : null;
    }

    /// <summary>
    /// The prefixes <paramref name="owner"/> holds: IPv4 before IPv6, each ordered by address and then by prefix
    /// length, so output built from it (the control socket's <c>get</c>) is stable.
    /// </summary>
    public IReadOnlyList<IPNetwork> PrefixesOf(T owner)
    {
        ArgumentNullException.ThrowIfNull(owner);

        PrefixKey[] keys;
        lock (_writeLock)
        {
            if (!_prefixesByOwner.TryGetValue(owner, out HashSet<PrefixKey>? prefixes))
            {
                return [];
            }

            keys = [.. prefixes];
        }

        Array.Sort(keys, PrefixKey.Compare);
        var networks = new IPNetwork[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            networks[i] = keys[i].ToNetwork();
        }

        return networks;
    }

    private ref Node? RootOf(in PrefixKey key) => ref key.IsIPv6 ? ref _ipv6Root : ref _ipv4Root;

    private void Forget(T owner, in PrefixKey key)
    {
        HashSet<PrefixKey> prefixes = _prefixesByOwner[owner];
        prefixes.Remove(key);
        if (prefixes.Count == 0)
        {
            _prefixesByOwner.Remove(owner);
        }
    }
}
