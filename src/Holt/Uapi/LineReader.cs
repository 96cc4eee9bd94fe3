using System.Buffers;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Holt.Uapi;

internal enum LineStatus
{
    Line,

    /// <summary>The client closed its side; any partial line is dropped.</summary>
    End,

    /// <summary>No newline within <see cref="SetRequestParser.MaxLineLength"/> bytes.</summary>
    TooLong,
}

/// <summary>
/// Splits a control connection into lines without allocating: the current line is a span into one pooled
/// 64 KiB buffer, valid until the next read. Requests carry keys, so bytes are zeroed once consumed and the buffer
/// is zeroed before it goes back to the pool.
/// </summary>
internal sealed class LineReader(Socket socket) : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly Socket _socket = socket;
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _start;
    private int _end;
    private int _lineStart;
    private int _lineLength;

    /// <summary>The line read last, without its newline.</summary>
    public ReadOnlySpan<byte> Line => Buffer.AsSpan(_lineStart, _lineLength);

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(LineReader));

    /// <summary>Completes synchronously while whole lines are buffered, which is most calls for a big request.</summary>
    public async ValueTask<LineStatus> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            byte[] buffer = Buffer;
            int newline = buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                if (newline > SetRequestParser.MaxLineLength)
                {
                    return LineStatus.TooLong;
                }

                _lineStart = _start;
                _lineLength = newline;
                _start += newline + 1;
                return LineStatus.Line;
            }

            if (_end - _start > SetRequestParser.MaxLineLength)
            {
                return LineStatus.TooLong;
            }

            Compact(buffer);
            int received = await _socket.ReceiveAsync(buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (received == 0)
            {
                return LineStatus.End;
            }

            _end += received;
        }
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _end));
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    /// <summary>Moves the partial line to the front and zeroes what was consumed, so keys do not linger.</summary>
    private void Compact(byte[] buffer)
    {
        int pending = _end - _start;
        if (_start > 0)
        {
            buffer.AsSpan(_start, pending).CopyTo(buffer);
            CryptographicOperations.ZeroMemory(buffer.AsSpan(pending, _end - pending));
        }

        _start = 0;
        _end = pending;
        _lineStart = _lineLength = 0;
    }
}
