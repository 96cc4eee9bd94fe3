namespace Holt.WireGuard.IO;

/// <summary>
/// The inside of the tunnel: a TUN device, or an in-memory stand-in. Calls move batches of IP packets.
/// Packets sit in caller-owned buffers at a caller-chosen offset, so the engine can read a packet directly behind
/// the room it needs for the transport header and encrypt it in place.
/// </summary>
/// <remarks>
/// The device's buffers are pinned (pinned object heap), as for <see cref="IDatagramBind"/>; an implementation
/// that moves several packets per system call may rely on it. One that moves one packet per call pins each buffer
/// itself, so any array works there.
/// </remarks>
public interface IPacketDevice : IDisposable
{
    /// <summary>The largest IP packet the device carries.</summary>
    int Mtu { get; }

    /// <summary>How many packets one <see cref="Read"/> or <see cref="Write"/> call handles at best.</summary>
    int BatchSize { get; }

    /// <summary>
    /// Blocks until at least one packet is available. Packet i is copied to <c>buffers[i]</c> from
    /// <paramref name="offset"/>, and its length stored in <c>sizes[i]</c>. Returns the number of packets, at
    /// most <c>buffers.Length</c>, or 0 once the device is closed.
    /// </summary>
    int Read(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset);

    /// <summary>Writes packet i, <c>buffers[i][offset .. offset + sizes[i]]</c>, for every i.</summary>
    void Write(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset);
}
