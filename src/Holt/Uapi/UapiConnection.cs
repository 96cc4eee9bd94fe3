using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Holt.Uapi;

/// <summary>
/// One client of the control socket. A client may send several requests in turn, as <c>wg</c> does; each gets
/// <c>errno=N</c> and a blank line. A connection that stops making sense (an unknown operation, a line or request
/// over the limits, a request cut off) is answered if possible and closed; other connections are not affected.
/// </summary>
internal sealed class UapiConnection(UapiServer server, Socket socket)
{
    private readonly UapiServer _server = server;
    private readonly Socket _socket = socket;

    private ILogger Logger => _server.Logger;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Owned here, on the task that reads: the buffer must not go back to the pool while a line is parsed.
        using var reader = new LineReader(_socket);
        try
        {
            while (await HandleRequestAsync(reader, cancellationToken).ConfigureAwait(false))
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            UapiLog.ConnectionEnded(Logger, e.Message);
        }
        catch (Exception e)
        {
            // Never let one client's failure reach the daemon.
            UapiLog.ConnectionFailed(Logger, e);
        }
        finally
        {
            _socket.Dispose();
        }
    }

    /// <summary>Closes the socket from outside (server shutdown); a pending read then ends RunAsync.</summary>
    public void Abort() => _socket.Dispose();

    /// <summary>Handles one request; false once the connection should close.</summary>
    private async Task<bool> HandleRequestAsync(LineReader reader, CancellationToken cancellationToken)
    {
        LineStatus status = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (status == LineStatus.End)
        {
            return false;
        }

        if (status == LineStatus.TooLong)
        {
            return await CloseWithAsync(UapiErrno.MessageTooLong, "operation line too long", cancellationToken).ConfigureAwait(false);
        }

        if (reader.Line.SequenceEqual("get=1"u8))
        {
            // wireguard-go reads one more byte and wants the blank line that ends the request.
            status = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (status == LineStatus.End)
            {
                return false;
            }

            if (status != LineStatus.Line || !reader.Line.IsEmpty)
            {
                return await CloseWithAsync(UapiErrno.Invalid, "get=1 not followed by a blank line", cancellationToken).ConfigureAwait(false);
            }

            await GetAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (reader.Line.SequenceEqual("set=1"u8))
        {
            return await SetAsync(reader, cancellationToken).ConfigureAwait(false);
        }

        // wireguard-go closes without a word; an answer costs nothing and tells a person at nc what happened.
        return await CloseWithAsync(UapiErrno.Invalid, "unknown operation", cancellationToken).ConfigureAwait(false);
    }

    private async Task GetAsync(CancellationToken cancellationToken)
    {
        using var response = new ResponseBuffer();
        _server.Read(response);
        WriteErrno(response, 0);
        await response.SendAsync(_socket, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> SetAsync(LineReader reader, CancellationToken cancellationToken)
    {
        using var parser = new SetRequestParser();
        long size = "set=1\n".Length;
        while (true)
        {
            LineStatus status = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (status == LineStatus.End)
            {
                // wireguard-go applies what it has read when the stream ends; a request cut off may be missing its
                // most important lines, so Holt applies none of it.
                UapiLog.SetRejected(Logger, new UapiError(UapiErrno.Protocol, "connection closed before the blank line ending the request", 0));
                await TryReplyAsync(UapiErrno.Protocol, cancellationToken).ConfigureAwait(false);
                return false;
            }

            if (status == LineStatus.TooLong)
            {
                UapiLog.SetRejected(Logger, new UapiError(UapiErrno.MessageTooLong, $"line over {SetRequestParser.MaxLineLength} bytes", 0));
                return await CloseWithAsync(UapiErrno.MessageTooLong, "line too long", cancellationToken).ConfigureAwait(false);
            }

            ReadOnlySpan<byte> line = reader.Line;
            size += line.Length + 1;
            if (size > _server.MaxRequestBytes)
            {
                UapiLog.SetRejected(Logger, new UapiError(UapiErrno.MessageTooLong, $"request over {_server.MaxRequestBytes} bytes", 0));
                return await CloseWithAsync(UapiErrno.MessageTooLong, "request too long", cancellationToken).ConfigureAwait(false);
            }

            if (line.IsEmpty)
            {
                break;
            }

            parser.Add(line);
        }

        int errno = _server.Apply(parser);
        await ReplyAsync(errno, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> CloseWithAsync(int errno, string reason, CancellationToken cancellationToken)
    {
        UapiLog.Closing(Logger, reason);
        await TryReplyAsync(errno, cancellationToken).ConfigureAwait(false);
        return false;
    }

    private async Task TryReplyAsync(int errno, CancellationToken cancellationToken)
    {
        try
        {
            await ReplyAsync(errno, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The client is gone or no longer reading; the connection closes either way.
        }
    }

    private async Task ReplyAsync(int errno, CancellationToken cancellationToken) =>
        await ResponseBuffer.SendAllAsync(_socket, ErrnoLine(errno), cancellationToken).ConfigureAwait(false);

    private static void WriteErrno(ResponseBuffer response, int errno)
    {
        byte[] line = ErrnoLine(errno);
        line.CopyTo(response.GetSpan(line.Length));
        response.Advance(line.Length);
    }

    /// <summary>The status that ends every answer: <c>errno=0</c> or the negated errno, then a blank line.</summary>
    private static byte[] ErrnoLine(int errno) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"errno={-errno}\n\n"));
}
