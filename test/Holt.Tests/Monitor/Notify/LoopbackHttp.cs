using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Holt.Tests.Monitor.Notify;

/// <summary>One request as the receiver read it.</summary>
internal sealed record HttpCall(string Method, string Target, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}

/// <summary>What the receiver answers: a status and body, silence, or an endless body.</summary>
internal sealed record HttpAnswer(int Status, string Body = "", bool Silent = false, long EndlessBytes = 0, string? Location = null)
{
    public static HttpAnswer Ok { get; } = new(200, "ok");
}

/// <summary>
/// A small HTTP/1.1 server on 127.0.0.1 written for these tests: it records every request (method, target,
/// headers, body by Content-Length) and answers what the test says, including never, or with a body of a
/// gigabyte that it writes until the client goes away.
/// </summary>
internal sealed class LoopbackHttp : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<HttpCall, HttpAnswer> _answer;
    private long _bytesWritten;

    public LoopbackHttp(Func<HttpCall, HttpAnswer>? answer = null)
    {
        _answer = answer ?? (_ => HttpAnswer.Ok);
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Url(string path = "/") => new($"http://127.0.0.1:{Port}{path}");

    public ConcurrentQueue<HttpCall> Calls { get; } = new();

    /// <summary>How many bytes of body the endless answers wrote before their client went away.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public HttpCall Single() => Assert.Single(Calls);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                var reader = new BufferedReader(stream);
                while (await ReadAsync(reader) is HttpCall call)
                {
                    Calls.Enqueue(call);
                    HttpAnswer answer = _answer(call);
                    if (answer.Silent)
                    {
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                    }

                    if (answer.EndlessBytes > 0)
                    {
                        await WriteEndlessAsync(stream, answer);
                        return;
                    }

                    byte[] body = Encoding.UTF8.GetBytes(answer.Body);
                    string head = $"HTTP/1.1 {answer.Status.ToString(CultureInfo.InvariantCulture)} Test\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n" +
                        (answer.Location is string location ? $"Location: {location}\r\n" : "") + "\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                    await stream.WriteAsync(body, _stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task WriteEndlessAsync(NetworkStream stream, HttpAnswer answer)
    {
        string head = $"HTTP/1.1 {answer.Status.ToString(CultureInfo.InvariantCulture)} Test\r\nContent-Length: {answer.EndlessBytes}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
        byte[] chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'x');
        for (long sent = 0; sent < answer.EndlessBytes; sent += chunk.Length)
        {
            await stream.WriteAsync(chunk, _stop.Token);
            _ = Interlocked.Add(ref _bytesWritten, chunk.Length);
        }
    }

    private static async Task<HttpCall?> ReadAsync(BufferedReader reader)
    {
        string? requestLine = await reader.ReadLineAsync();
        if (string.IsNullOrEmpty(requestLine))
        {
            return null;
        }

        string[] parts = requestLine.Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadLineAsync() is string line && line.Length > 0)
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        int length = headers.TryGetValue("Content-Length", out string? text) ? int.Parse(text, CultureInfo.InvariantCulture) : 0;
        byte[] body = await reader.ReadBytesAsync(length);
        return new HttpCall(parts[0], parts[1], headers, body);
    }

    /// <summary>Lines and counted bytes from one stream.</summary>
    private sealed class BufferedReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync()
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync())
                {
                    return line.Count > 0 ? Encoding.Latin1.GetString([.. line]) : null;
                }

                byte b = _buffer[_start++];
                if (b == '\n')
                {
                    return Encoding.Latin1.GetString([.. line]).TrimEnd('\r');
                }

                line.Add(b);
            }
        }

        public async Task<byte[]> ReadBytesAsync(int count)
        {
            byte[] bytes = new byte[count];
            int have = 0;
            while (have < count)
            {
                if (_start == _end && !await FillAsync())
                {
                    throw new IOException("the body ended early");
                }

                int take = Math.Min(count - have, _end - _start);
                Array.Copy(_buffer, _start, bytes, have, take);
                _start += take;
                have += take;
            }

            return bytes;
        }

        private async Task<bool> FillAsync()
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer);
            return _end > 0;
        }
    }
}
