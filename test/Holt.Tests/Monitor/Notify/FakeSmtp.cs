using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Holt.Tests.Monitor.Notify;

/// <summary>
/// An SMTP server on 127.0.0.1 for the tests, scripted by its properties: what EHLO offers, what it answers to
/// STARTTLS, which recipient it refuses, or a hostile greeting. It records every command line and the DATA as
/// received (still dot-stuffed).
/// </summary>
internal sealed class FakeSmtp : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public FakeSmtp()
    {
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The greeting line, or null to say nothing at all.</summary>
    public string? Greeting { get; init; } = "220 fake.example ESMTP";

    /// <summary>Bytes sent instead of a greeting line (an endless line, say).</summary>
    public byte[]? RawGreeting { get; init; }

    public string[] Capabilities { get; init; } = ["AUTH PLAIN LOGIN", "8BITMIME"];

    /// <summary>What follows the 220 to STARTTLS instead of a TLS handshake.</summary>
    public string StartTlsGarbage { get; init; } = "this is not TLS\r\n";

    public string? RefusedRecipient { get; init; }

    /// <summary>The answer to AUTH; {0} is the command's argument, echoed back.</summary>
    public string AuthAnswer { get; init; } = "235 2.7.0 accepted";

    public ConcurrentQueue<string> Commands { get; } = new();

    public ConcurrentQueue<string> Messages { get; } = new();

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
                using var reader = new StreamReader(stream, Encoding.Latin1);
                async Task Say(string text) => await stream.WriteAsync(Encoding.Latin1.GetBytes(text + "\r\n"), _stop.Token);

                if (RawGreeting is byte[] raw)
                {
                    await stream.WriteAsync(raw, _stop.Token);
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }

                if (Greeting is null)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }

                await Say(Greeting);
                while (await reader.ReadLineAsync(_stop.Token) is string line)
                {
                    Commands.Enqueue(line);
                    string verb = line.Split(' ')[0].ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO":
                            await Say(string.Join("\r\n", new[] { "fake.example hello" }.Concat(Capabilities).Select((c, i) => (i == Capabilities.Length ? "250 " : "250-") + c)));
                            break;
                        case "STARTTLS":
                            await Say("220 2.0.0 ready");
                            await stream.WriteAsync(Encoding.Latin1.GetBytes(StartTlsGarbage), _stop.Token);
                            break;
                        case "AUTH" when line.StartsWith("AUTH LOGIN", StringComparison.Ordinal):
                            await Say("334 VXNlcm5hbWU6");
                            Commands.Enqueue(await reader.ReadLineAsync(_stop.Token) ?? "");
                            await Say("334 UGFzc3dvcmQ6");
                            Commands.Enqueue(await reader.ReadLineAsync(_stop.Token) ?? "");
                            await Say("235 2.7.0 accepted");
                            break;
                        case "AUTH":
                            await Say(AuthAnswer.Replace("{0}", line, StringComparison.Ordinal));
                            break;
                        case "MAIL":
                            await Say("250 2.1.0 ok");
                            break;
                        case "RCPT":
                            await Say(RefusedRecipient is string refused && line.Contains(refused, StringComparison.Ordinal) ? "550 5.1.1 no such user" : "250 2.1.5 ok");
                            break;
                        case "DATA":
                            await Say("354 go ahead");
                            var data = new StringBuilder();
                            while (await reader.ReadLineAsync(_stop.Token) is string dataLine && dataLine != ".")
                            {
                                data.Append(dataLine).Append("\r\n");
                            }

                            Messages.Enqueue(data.ToString());
                            await Say("250 2.0.0 queued");
                            break;
                        case "QUIT":
                            await Say("221 2.0.0 bye");
                            return;
                        default:
                            await Say("502 5.5.2 what");
                            break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }
}
