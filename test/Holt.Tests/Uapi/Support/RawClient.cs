using System.Net.Sockets;
using System.Text;

namespace Holt.Tests.Uapi.Support;

/// <summary>Speaks the control protocol directly, to send what <c>wg</c> never would.</summary>
internal sealed class RawClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly List<byte> _pending = [];

    public RawClient(string path) => _socket.Connect(new UnixDomainSocketEndPoint(path));

    public void Send(string text) => Send(Encoding.ASCII.GetBytes(text));

    public void Send(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[_socket.Send(bytes)..];
        }
    }

    /// <summary>Half-closes: the server sees the end of the stream but can still answer.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads one answer, up to and including the blank line after errno; null if the server closed first.</summary>
    public string? ReadAnswer(int timeoutMs = 30_000)
    {
        _socket.ReceiveTimeout = timeoutMs;
        byte[] buffer = new byte[64 * 1024];
        int scanned = 0;
        while (true)
        {
            // An answer ends at the first "errno=..." line that starts a line and is followed by a blank line.
            for (int i = Math.Max(scanned, 0); i < _pending.Count; i++)
            {
                if (_pending[i] == '\n' && i > 0 && _pending[i - 1] == '\n' && IsErrnoLineEndingAt(i - 1))
                {
                    string answer = Encoding.ASCII.GetString([.. _pending.GetRange(0, i + 1)]);
                    _pending.RemoveRange(0, i + 1);
                    return answer;
                }
            }

            scanned = _pending.Count;
            int n = _socket.Receive(buffer);
            if (n == 0)
            {
                return null;
            }

            _pending.AddRange(buffer.AsSpan(0, n));
        }
    }

    private bool IsErrnoLineEndingAt(int newline)
    {
        int start = newline;
        while (start > 0 && _pending[start - 1] != '\n')
        {
            start--;
        }

        return newline - start > 6 && Encoding.ASCII.GetString([.. _pending.GetRange(start, 6)]) == "errno=";
    }

    public string Request(string text)
    {
        Send(text);
        return ReadAnswer() ?? throw new IOException("the server closed the connection without answering");
    }

    /// <summary>True once the server has closed its side (a read returns end of stream).</summary>
    public bool IsClosedByServer(int timeoutMs = 10_000)
    {
        _socket.ReceiveTimeout = timeoutMs;
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = _socket.Receive(buffer);
                if (n == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();
}
