using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Holt.Monitor.Checks;
using Holt.Tests.Support;

namespace Holt.Tests.Monitor.Checks;

/// <summary>
/// http and https checks against servers on loopback that misbehave: every one ends in a clean result within the
/// check's timeout, and a server that streams without end is cut off after the check's bounded read.
/// </summary>
public sealed class HttpCheckTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(2);

    private static CheckResult Run(string url, string? body = null, int? status = null, CheckType type = CheckType.Http, bool insecure = false) =>
        new CheckExecutor(TimeProvider.System).RunAsync(
            new CheckConfig { Name = "web", Type = type, Target = url, Timeout = s_timeout, Interval = TimeSpan.FromSeconds(10), Body = body, Status = status, Insecure = insecure },
            CancellationToken.None).GetAwaiter().GetResult();

    private static Action<Stream, HostileServer> Answer(string head, byte[]? body = null) => (stream, server) =>
    {
        server.Write(stream, head);
        if (body is not null)
        {
            server.Write(stream, body);
        }
    };

    [Fact]
    public void A200_WithTheText_Passes()
    {
        using var server = new HostileServer(Answer("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n", "all is well\r\n"u8.ToArray()));

        CheckResult result = Run(server.Url(), body: "is well");

        Assert.True(result.Ok, result.Error);
        Assert.Equal(200, result.HttpStatus);
        Assert.NotNull(result.Latency);
    }

    [Fact]
    public void A500_Fails_WithTheStatus()
    {
        using var server = new HostileServer(Answer("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"));

        CheckResult result = Run(server.Url());

        Assert.False(result.Ok);
        Assert.Equal(500, result.HttpStatus);
        Assert.Equal("HTTP 500, not 2xx or 3xx", result.Error);
    }

    [Fact]
    public void AnExpectedStatus_MustBeThatStatus()
    {
        using var server = new HostileServer(Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));

        Assert.Equal("HTTP 200, not 204", Run(server.Url(), status: 204).Error);
        Assert.True(Run(server.Url(), status: 200).Ok);
    }

    [Fact]
    public void ARedirect_IsNotFollowed()
    {
        using var server = new HostileServer(Answer("HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n"));

        CheckResult result = Run(server.Url());

        Assert.True(result.Ok, result.Error);
        Assert.Equal(302, result.HttpStatus);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public void ABodyWithoutTheText_Fails()
    {
        using var server = new HostileServer(Answer("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", "maintenan"u8.ToArray()));

        Assert.Equal("the body (9 bytes) does not contain \"healthy\"", Run(server.Url(), body: "healthy").Error);
    }

    [Fact]
    public void InvalidUtf8_IsOnlyABody_WhereTheTextIsFoundOrNot()
    {
        byte[] body = [0xFF, 0xFE, 0xC0, 0x80, 0xED, 0xA0, 0x80, .. "healthy"u8, 0xF8, 0x88];
        using var server = new HostileServer(Answer($"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\n\r\n", body));

        Assert.True(Run(server.Url(), body: "healthy").Ok);
        Assert.Equal($"the body ({body.Length} bytes) does not contain \"sick\"", Run(server.Url(), body: "sick").Error);
    }

    [Fact]
    public void ABodyThatNeverEnds_IsReadOnlyUpToTheLimit()
    {
        using var server = new HostileServer((stream, s) =>
        {
            s.Write(stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = Encoding.ASCII.GetBytes("1000\r\n" + new string('x', 4096) + "\r\n");
            while (!s.Stopping.IsCancellationRequested)
            {
                s.Write(stream, chunk);
            }
        });

        CheckResult result = Run(server.Url(), body: "healthy");

        Assert.Equal("the body's first 64 KiB do not contain \"healthy\"", result.Error);
        Assert.Equal(200, result.HttpStatus);
        Wait.Until(() => server.Requests == 1 && SentSettles(server), "the server stops sending");
        Assert.True(server.Sent < 64L * 1024 * 1024, $"the server got {server.Sent} bytes out");
    }

    [Fact]
    public void AGigabyteBody_IsCutOff_AndTheTextAtItsStartIsFound()
    {
        void Gigabyte(Stream stream, HostileServer s)
        {
            s.Write(stream, "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\nhealthy");
            byte[] block = new byte[64 * 1024];
            for (long sent = 7; sent < 1L << 30 && !s.Stopping.IsCancellationRequested; sent += block.Length)
            {
                s.Write(stream, block);
            }
        }

        using var server = new HostileServer(Gigabyte);

        Assert.True(Run(server.Url(), body: "healthy").Ok);
        Assert.Equal("the body's first 64 KiB do not contain \"absent\"", Run(server.Url(), body: "absent").Error);
        Assert.True(Run(server.Url()).Ok);
        Wait.Until(() => server.Requests == 3 && SentSettles(server), "the server stops sending");
        Assert.True(server.Sent < 256L * 1024 * 1024, $"the server got {server.Sent} bytes out");
    }

    [Fact]
    public void ABodyThatTrickles_FailsAtTheTimeout_WithWhatCame()
    {
        using var server = new HostileServer((stream, s) =>
        {
            s.Write(stream, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
            while (!s.Stopping.WaitHandle.WaitOne(100))
            {
                s.Write(stream, "."u8.ToArray());
            }
        });

        CheckResult result = Run(server.Url(), body: "healthy");

        Assert.False(result.Ok);
        Assert.StartsWith("the body did not contain \"healthy\" in the ", result.Error, StringComparison.Ordinal);
        Assert.EndsWith(" bytes that came within 2s", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void HeadersThatNeverCome_FailAtTheTimeout()
    {
        using var server = new HostileServer((_, s) => s.Stall());

        CheckResult result = Run(server.Url());

        Assert.Equal($"no answer from {server.Url()} within 2s", result.Error);
        Assert.Null(result.HttpStatus);
    }

    [Fact]
    public void HeadersThatNeverEnd_AreRefused()
    {
        using var server = new HostileServer((stream, s) =>
        {
            s.Write(stream, "HTTP/1.1 200 OK\r\n");
            byte[] line = Encoding.ASCII.GetBytes("X-Filler: " + new string('y', 1000) + "\r\n");
            while (!s.Stopping.IsCancellationRequested)
            {
                s.Write(stream, line);
            }
        });

        CheckResult result = Run(server.Url());

        Assert.False(result.Ok);
        Assert.Null(result.HttpStatus);
        Assert.DoesNotContain('\n', result.Error!);
    }

    [Fact]
    public void AnswerThatIsNotHttp_FailsInOneLine()
    {
        using var server = new HostileServer(Answer("SSH-2.0-OpenSSH_9.2\r\n\r\n\u0007\u001b[2J garbage\r\n"));

        CheckResult result = Run(server.Url());

        Assert.False(result.Ok);
        Assert.DoesNotContain('\n', result.Error!);
        Assert.DoesNotContain('\u001b', result.Error!);
    }

    [Fact]
    public void AClosedPort_Fails()
    {
        CheckResult result = Run($"http://127.0.0.1:{ClosedPort.Find()}/");

        Assert.False(result.Ok);
        Assert.Contains("refused", result.Error!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ASelfSignedCertificate_FailsUnlessInsecure()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=holt-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var server = new HostileServer(
            Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", "ok"u8.ToArray()),
            stream =>
            {
                var tls = new SslStream(stream);
                tls.AuthenticateAsServer(certificate);
                return tls;
            });

        CheckResult strict = Run(server.Url("https"), type: CheckType.Https);
        CheckResult insecure = Run(server.Url("https"), type: CheckType.Https, insecure: true, body: "ok");

        Assert.False(strict.Ok);
        Assert.Contains("SSL", strict.Error!, StringComparison.Ordinal);
        Assert.True(insecure.Ok, insecure.Error);
        Assert.Equal(200, insecure.HttpStatus);
    }

    /// <summary>Whether the server's count stays put for a moment: its writes ended with the connection.</summary>
    private static bool SentSettles(HostileServer server)
    {
        long before = server.Sent;
        Thread.Sleep(200);
        return server.Sent == before;
    }
}
