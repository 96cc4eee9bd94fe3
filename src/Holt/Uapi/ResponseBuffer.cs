using System.Buffers;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Holt.Uapi;

/// <summary>
/// A reply built in pooled 64 KiB chunks, so a <c>get</c> of 130,000 allowed IPs costs a few rented buffers rather
/// than one giant string, and the device's state is read in one go before the (possibly slow) client is written
/// to. A reply holds private and pre-shared keys, so every chunk is zeroed before it goes back to the pool.
/// </summary>
internal sealed class ResponseBuffer : IBufferWriter<byte>, IDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly List<(byte[] Buffer, int Length)> _full = [];
    private byte[]? _current;
    private int _written;

    /// <summary>Bytes written so far.</summary>
    public long Length { get; private set; }

    public void Advance(int count)
    {
        if (_current is null || count < 0 || _written + count > _current.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_written);

    public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_written);

    /// <summary>Sends everything written, in order.</summary>
    public async ValueTask SendAsync(Socket socket, CancellationToken cancellationToken)
    {
        foreach ((byte[] buffer, int length) in _full)
        {
            await SendAllAsync(socket, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }

        if (_current is not null && _written > 0)
        {
            await SendAllAsync(socket, _current.AsMemory(0, _written), cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        foreach ((byte[] buffer, int length) in _full)
        {
            Return(buffer, length);
        }

        _full.Clear();
        if (_current is not null)
        {
            Return(_current, _written);
            _current = null;
        }

        _written = 0;
        Length = 0;
    }

    internal static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int sent = await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    private byte[] Reserve(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_current is not null && _current.Length - _written >= sizeHint)
        {
            return _current;
        }

        if (_current is not null)
        {
            _full.Add((_current, _written));
        }

        _current = ArrayPool<byte>.Shared.Rent(Math.Max(ChunkSize, sizeHint));
        _written = 0;
        return _current;
    }

    private static void Return(byte[] buffer, int length)
    {
        CryptographicOperations.ZeroMemory(buffer.AsSpan(0, length));
        ArrayPool<byte>.Shared.Return(buffer);
    }
}
