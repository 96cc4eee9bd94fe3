using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Holt.WireGuard.Device;

/// <summary>
/// The receiver-index table (section 5.4.2): random 32-bit local indices, each naming a handshake in progress or
/// a keypair. Incoming responses and transport packets find their state by index, never by source address.
/// </summary>
internal sealed class IndexTable
{
    private readonly ConcurrentDictionary<uint, Entry> _entries = new();

    public int Count => _entries.Count;

    /// <summary>Allocates a fresh random index for a handshake of <paramref name="peer"/>.</summary>
    public uint NewHandshakeIndex(Peer peer)
    {
        var entry = new Entry(peer, null);
        Span<byte> random = stackalloc byte[4];
        while (true)
        {
            RandomNumberGenerator.Fill(random);
            uint index = BitConverter.ToUInt32(random);
            if (_entries.TryAdd(index, entry))
            {
                return index;
            }
        }
    }

    /// <summary>Turns a handshake's index into the keypair it produced.</summary>
    public void SwapToKeypair(uint index, Keypair keypair) => _entries[index] = new Entry(keypair.Peer, keypair);

    public void Remove(uint index) => _entries.TryRemove(index, out _);

    public bool TryGetHandshake(uint index, out Peer peer)
    {
        if (_entries.TryGetValue(index, out Entry? entry) && entry.Keypair is null)
        {
            peer = entry.Peer;
            return true;
        }

        peer = null!;
        return false;
    }

    public Keypair? GetKeypair(uint index) =>
        _entries.TryGetValue(index, out Entry? entry) ? entry.Keypair : null;

    private sealed record Entry(Peer Peer, Keypair? Keypair);
}
