using System.Net;
using System.Net.Sockets;
using Holt.WireGuard.IO;

namespace Holt.Monitor;

/// <summary>
/// The probe's UDP side: one socket connected to the probed endpoint. Connected, because that is how the one answer
/// besides WireGuard's that the wire can carry reaches the probe: a closed port or a REJECT rule sends ICMP
/// destination unreachable, which Linux reports on a connected UDP socket as an error of its next call
/// (ECONNREFUSED for "port unreachable", EHOSTUNREACH or ENETUNREACH for the others); an unconnected socket
/// never hears of it. It also takes datagrams from the endpoint only, so nothing else can pass for its answer.
/// </summary>
internal sealed class ProbeBind(IPEndPoint target) : IDatagramBind
{
    /// <summary>How long one receive waits (SO_RCVTIMEO) before it looks whether the bind was closed, in milliseconds.</summary>
    private const int ReceiveWait = 50;

    private readonly Lock _sync = new();
    private readonly Endpoint _source = Endpoint.FromIPEndPoint(target);
    private volatile Socket? _socket;
    private int _error;

    /// <summary>The first error ICMP reported for the endpoint (refused, unreachable), or null while none came.</summary>
    public SocketError? Error => Volatile.Read(ref _error) is int error and not 0 ? (SocketError)error : null;

    public int BatchSize => 1;

    public IReadOnlyList<DatagramReceiver> Open(ushort port, out ushort actualPort)
    {
        lock (_sync)
        {
            if (_socket is not null)
            {
                throw new InvalidOperationException("the probe's socket is already open");
            }

            var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                IPAddress any = target.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
                socket.Bind(new IPEndPoint(any, port));
                socket.Connect(target);
                socket.ReceiveTimeout = ReceiveWait;
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            _socket = socket;
            actualPort = (ushort)((IPEndPoint)socket.LocalEndPoint!).Port;
            return [Receive];
        }
    }

    public void Close()
    {
        lock (_sync)
        {
            _socket?.Dispose();
            _socket = null;
        }
    }

    /// <summary>The probe lives for one handshake and marks nothing.</summary>
    public void SetMark(uint mark)
    {
    }

    public bool Send(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset, Endpoint destination)
    {
        if (_socket is not Socket socket)
        {
            return false;
        }

        try
        {
            for (int i = 0; i < buffers.Length && i < sizes.Length; i++)
            {
                _ = socket.Send(buffers[i].AsSpan(offset, sizes[i]));
            }

            return true;
        }
        catch (SocketException e)
        {
            Note(e.SocketErrorCode);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose() => Close();

    private int Receive(ReadOnlySpan<byte[]> buffers, Span<int> sizes, Span<Endpoint> sources)
    {
        while (_socket is Socket socket)
        {
            try
            {
                // A pending ICMP error ends the receive as an error of its own; the wait's end as TimedOut.
                sizes[0] = socket.Receive(buffers[0]);
                sources[0] = _source;
                return 1;
            }
            catch (SocketException e)
            {
                Note(e.SocketErrorCode);
            }
            catch (ObjectDisposedException)
            {
                return 0;
            }
        }

        return 0;
    }

    private void Note(SocketError error)
    {
        if (error is SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
        {
            _ = Interlocked.CompareExchange(ref _error, (int)error, 0);
        }
    }
}
