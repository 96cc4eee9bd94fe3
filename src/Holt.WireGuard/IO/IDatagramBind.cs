namespace Holt.WireGuard.IO;

/// <summary>
/// Receives a batch of datagrams: datagram i goes to <c>buffers[i]</c> from offset 0, its length to
/// <c>sizes[i]</c> and its source to <c>sources[i]</c>. Blocks until at least one arrives; returns how many, or 0
/// once the bind is closed.
/// </summary>
/// <remarks>
/// When more than one buffer is passed, every buffer must be pinned (allocated on the pinned object heap, as the
/// device's pooled buffers are): a native bind gives the kernel all their addresses in one call.
/// </remarks>
public delegate int DatagramReceiver(ReadOnlySpan<byte[]> buffers, Span<int> sizes, Span<Endpoint> sources);

/// <summary>
/// The outside of the tunnel: UDP sockets, or an in-memory network. Calls move batches of datagrams.
/// </summary>
/// <remarks>
/// Buffers of a batch (more than one buffer in a call to <see cref="Send"/> or a receiver) must be pinned, on the
/// pinned object heap like the device's pooled buffers: a native bind passes all their addresses to the kernel in
/// one system call. A single buffer may be any array; the bind pins it for the call.
/// </remarks>
public interface IDatagramBind : IDisposable
{
    /// <summary>How many datagrams one receive or send call handles at best.</summary>
    int BatchSize { get; }

    /// <summary>
    /// Opens the bind on <paramref name="port"/> (0 picks a free port) and returns one receiver per socket, each to
    /// be pumped by its own thread, with the port actually bound.
    /// </summary>
    IReadOnlyList<DatagramReceiver> Open(ushort port, out ushort actualPort);

    /// <summary>Closes the sockets; receivers then return 0. Open may be called again afterwards.</summary>
    void Close();

    /// <summary>Sets the firewall mark on outgoing datagrams (SO_MARK), 0 for none.</summary>
    void SetMark(uint mark);

    /// <summary>
    /// Sends datagram i, <c>buffers[i][offset .. offset + sizes[i]]</c>, to <paramref name="destination"/>.
    /// Returns false if the datagrams could not be sent (no route, closed); the packet path counts and drops them.
    /// </summary>
    bool Send(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset, Endpoint destination);
}
