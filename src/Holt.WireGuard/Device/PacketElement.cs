using System.Threading.Tasks.Sources;
using Holt.WireGuard.IO;

namespace Holt.WireGuard.Device;

/// <summary>
/// One packet on its way through the device, in a pooled buffer. A plain-text IP packet sits at
/// <see cref="Messages"/>.TransportHeaderSize so that it can be encrypted in place with its header written in
/// front; a received datagram sits at 0 and decrypts in place to the same offset.
/// </summary>
internal sealed class PacketElement
{
    /// <summary>Large enough for any UDP datagram.</summary>
    public const int BufferSize = 65536 + 64;

    /// <summary>
    /// On the pinned object heap: batched native I/O (recvmmsg, sendmmsg) hands the kernel the addresses of many
    /// buffers in one call, which a single <c>fixed</c> cannot pin. Pooled for the device's lifetime, so the
    /// heap's lack of compaction costs nothing.
    /// </summary>
    public byte[] Buffer { get; } = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);

    public int Offset { get; set; }

    public int Length { get; set; }

    public ulong Counter { get; set; }

    public Endpoint Endpoint { get; set; }

    /// <summary>After crypto: whether the packet survived; after encryption, whether it carried data.</summary>
    public bool Ok { get; set; }

    /// <summary>Why the crypto stage rejected the packet, when <see cref="Ok"/> is false.</summary>
    public DropReason Reason { get; set; }
}

/// <summary>
/// A batch of packets of one peer (and, when receiving, one keypair): the unit that crosses every queue. The
/// crypto workers process batches in parallel; each peer's ordered stage awaits its batches in order through
/// the allocation-free completion below.
/// </summary>
internal sealed class PacketBatch : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _completion = new() { RunContinuationsAsynchronously = true };

    public PacketBatch(int capacity)
    {
        Elements = new PacketElement[capacity];
        Buffers = new byte[capacity][];
        Sizes = new int[capacity];
    }

    public PacketElement[] Elements { get; }

    /// <summary>The elements' buffers, laid out for the batch I/O calls.</summary>
    public byte[][] Buffers { get; }

    public int[] Sizes { get; }

    public int Count { get; set; }

    public Peer? Peer { get; set; }

    public Keypair? Keypair { get; set; }

    public bool IsEncryption { get; set; }

    public void Add(PacketElement element)
    {
        Elements[Count] = element;
        Buffers[Count] = element.Buffer;
        Count++;
    }

    public ValueTask WaitAsync() => new(this, _completion.Version);

    public void Complete() => _completion.SetResult(true);

    public void Reset()
    {
        Array.Clear(Elements, 0, Count);
        Array.Clear(Buffers, 0, Count);
        Count = 0;
        Peer = null;
        Keypair = null;
        _completion.Reset();
    }

    void IValueTaskSource.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
