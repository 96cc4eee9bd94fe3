using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Holt.Tests.Monitor.Checks;

/// <summary>
/// A TCP server on 127.0.0.1 that reads each request's head and then does whatever the test says with the
/// connection: answers, stalls, or streams without end. Counts the requests and the bytes it got out.
/// </summary>
internal sealed class HostileServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private long _sent;
    private int _requests;

    public HostileServer(Action<Stream, HostileServer> behave, Func<Stream, Stream>? wrap = null)
    {
        _listener.Start();
        _thread = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    TcpClient client = _listener.AcceptTcpClient();
                    var connection = new Thread(() =>
                    {
                        using (client)
                        {
                            try
                            {
                                using Stream stream = wrap is null ? client.GetStream() : wrap(client.GetStream());
                                ReadHead(stream);
                                _ = Interlocked.Increment(ref _requests);
                                behave(stream, this);
                            }
                            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
                            {
                                // The check hung up, as it should.
                            }
                        }
                    })
                    {
                        IsBackground = true,
                    };
                    connection.Start();
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Disposed: a listener stopped before the thread's first accept says it is "not listening".
            }
        })
        {
            IsBackground = true,
        };
        _thread.Start();
    }

    public string Url(string scheme = "http") => $"{scheme}://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/health";

    public long Sent => Interlocked.Read(ref _sent);

    public int Requests => Volatile.Read(ref _requests);

    public CancellationToken Stopping => _stop.Token;

    public void Write(Stream stream, byte[] bytes)
    {
        stream.Write(bytes);
        stream.Flush();
        _ = Interlocked.Add(ref _sent, bytes.Length);
    }

    public void Write(Stream stream, string text) => Write(stream, Encoding.ASCII.GetBytes(text));

    /// <summary>Keeps the connection open, saying nothing, until the test ends.</summary>
    public void Stall() => _stop.Token.WaitHandle.WaitOne();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _thread.Join();
        _stop.Dispose();
    }

    private static void ReadHead(Stream stream)
    {
        var head = new List<byte>();
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                throw new IOException("closed before the request's end");
            }

            head.Add((byte)b);
        }
    }
}
