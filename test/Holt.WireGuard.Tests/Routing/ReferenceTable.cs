using System.Net;
using System.Net.Sockets;

namespace Holt.WireGuard.Tests.Routing;

/// <summary>
/// The slow, obviously right table the trie is checked against: a flat list scanned in full on every lookup.
/// Works on raw address bytes so it shares no code with the implementation.
/// </summary>
internal sealed class ReferenceTable
{
    private readonly List<Entry> _entries = [];

    public int Count => _entries.Count;

    public void Insert(IPNetwork prefix, Owner owner)
    {
        Entry entry = ToEntry(prefix, owner);
        int index = IndexOf(entry.Address, entry.Length);
        if (index >= 0)
        {
            _entries[index] = entry;
        }
        else
        {
            _entries.Add(entry);
        }
    }

    public bool Remove(IPNetwork prefix, Owner owner)
    {
        Entry entry = ToEntry(prefix, owner);
        int index = IndexOf(entry.Address, entry.Length);
        if (index < 0 || _entries[index].Owner != owner)
        {
            return false;
        }

        _entries.RemoveAt(index);
        return true;
    }

    public void RemoveAll(Owner owner) => _entries.RemoveAll(e => e.Owner == owner);

    public Owner? Lookup(byte[] address)
    {
        Entry? best = null;
        foreach (Entry entry in _entries)
        {
            if (entry.Address.Length == address.Length
                && (best is null || entry.Length > best.Value.Length)
                && Covers(entry.Address, entry.Length, address))
            {
                best = entry;
            }
        }

        return best?.Owner;
    }

    /// <summary>The owner's prefixes as text, IPv4 first, then by address bytes, then by length.</summary>
    public List<string> PrefixesOf(Owner owner) =>
        [.. _entries
            .Where(e => e.Owner == owner)
            .OrderBy(e => e.Address.Length)
            .ThenBy(e => Convert.ToHexString(e.Address), StringComparer.Ordinal)
            .ThenBy(e => e.Length)
            .Select(e => $"{new IPAddress(e.Address)}/{e.Length}")];

    /// <summary>The prefixes held, as (address bytes, length), for drawing lookups inside them.</summary>
    public IReadOnlyList<(byte[] Address, int Length)> Prefixes() => [.. _entries.Select(e => (e.Address, e.Length))];

    public static bool Covers(byte[] prefix, int length, byte[] address)
    {
        int whole = length / 8;
        if (!prefix.AsSpan(0, whole).SequenceEqual(address.AsSpan(0, whole)))
        {
            return false;
        }

        int rest = length % 8;
        int mask = (0xff << (8 - rest)) & 0xff;
        return rest == 0 || ((prefix[whole] ^ address[whole]) & mask) == 0;
    }

    public static byte[] Masked(byte[] address, int length)
    {
        var masked = new byte[address.Length];
        for (int bit = 0; bit < length; bit++)
        {
            masked[bit / 8] |= (byte)(BitAt(address, bit) << (7 - (bit % 8)));
        }

        return masked;
    }

    private static int BitAt(byte[] bytes, int bit) => (bytes[bit / 8] >> (7 - (bit % 8))) & 1;

    private static Entry ToEntry(IPNetwork prefix, Owner owner)
    {
        byte[] bytes = prefix.BaseAddress.GetAddressBytes();
        Assert.Equal(prefix.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 4 : 16, bytes.Length);
        return new Entry(Masked(bytes, prefix.PrefixLength), prefix.PrefixLength, owner);
    }

    private int IndexOf(byte[] address, int length) =>
        _entries.FindIndex(e => e.Length == length && e.Address.AsSpan().SequenceEqual(address));

    private readonly record struct Entry(byte[] Address, int Length, Owner Owner);
}
