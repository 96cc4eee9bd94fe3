using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Holt.Hosting;
using Holt.Metrics;
using Holt.Monitor;
using Holt.Tests.Uapi.Support;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Metrics;

/// <summary>
/// The endpoint over real HTTP on loopback: the token, the one path it serves, a reload that moves it or rotates
/// the token, and clients that send too much.
/// </summary>
public sealed class MetricsServiceTests : IDisposable
{
    private const string Token = "k9Vq2mZx7Lr4Tn8Wc1Yb5Hd3";

    private readonly FakeTimeProvider _time = new(MetricsModel.Now);
    private readonly RecordingLogger _logger = new();
    private readonly List<Exception> _faults = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-metrics-").FullName;
    private int _builds;
    private readonly MetricsService _service;
    private readonly IPEndPoint _listen = new(IPAddress.Loopback, FreePort());

    public MetricsServiceTests() =>
        _service = new MetricsService(() =>
        {
            _builds++;
            return MetricsModel.Snapshot();
        });

    public void Dispose()
    {
        _service.Dispose();
        _http.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task WithoutAToken_GetMetricsAnswersTheExposition()
    {
        Start(new MetricsConfig());

        using HttpResponseMessage response = await _http.GetAsync(Url("/metrics"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(Exposition.Write(MetricsModel.Snapshot(), []), await response.Content.ReadAsStringAsync());
        Assert.Empty(_faults);
    }

    [Fact]
    public async Task WithAToken_OnlyTheRightBearerGetsIn()
    {
        Start(new MetricsConfig { Token = new BearerToken(Token) });

        Assert.Equal(HttpStatusCode.Unauthorized, await Status("/metrics", authorization: null));
        Assert.Equal(HttpStatusCode.Unauthorized, await Status("/metrics", new AuthenticationHeaderValue("Bearer", Token + "x")));
        Assert.Equal(HttpStatusCode.Unauthorized, await Status("/metrics", new AuthenticationHeaderValue("Bearer", Token[..^1])));
        Assert.Equal(HttpStatusCode.Unauthorized, await Status("/metrics", new AuthenticationHeaderValue("Basic", Token)));
        Assert.Equal(HttpStatusCode.OK, await Status("/metrics", new AuthenticationHeaderValue("Bearer", Token)));
        Assert.Equal(HttpStatusCode.OK, await Status("/metrics", new AuthenticationHeaderValue("bearer", Token)));
        Assert.DoesNotContain(_logger.Lines, l => l.Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OnlyGetMetrics_IsServed()
    {
        Start(new MetricsConfig());

        Assert.Equal(HttpStatusCode.NotFound, await Status("/", authorization: null));
        Assert.Equal(HttpStatusCode.NotFound, await Status("/metrics/../status", authorization: null));
        Assert.Equal(HttpStatusCode.NotFound, await Status("/Metrics", authorization: null));
        using var post = new HttpRequestMessage(HttpMethod.Post, Url("/metrics")) { Content = new StringContent("x") };
        using HttpResponseMessage posted = await _http.SendAsync(post);
        Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);
    }

    [Fact]
    public async Task ScrapesWithinASecond_ShareOneBuild()
    {
        Start(new MetricsConfig());

        Assert.Equal(HttpStatusCode.OK, await Status("/metrics", authorization: null));
        Assert.Equal(HttpStatusCode.OK, await Status("/metrics", authorization: null));
        _time.Advance(MetricsService.MinRebuild);
        Assert.Equal(HttpStatusCode.OK, await Status("/metrics", authorization: null));

        Assert.Equal(2, _builds);
    }

    [Fact]
    public async Task Reload_RotatesTheToken_AndMovesTheListener_WithoutARestart()
    {
        Start(new MetricsConfig { Token = new BearerToken(Token) });
        string first = _service.Addresses[0];
        const string Rotated = "Zr8wQ3nV6pT1yL4kM7cX2bH5";

        _service.Reload(Settings(new MetricsConfig { Token = new BearerToken(Rotated) }));

        Assert.Equal(first, _service.Addresses[0]);
        Assert.Equal(HttpStatusCode.Unauthorized, await Status("/metrics", new AuthenticationHeaderValue("Bearer", Token)));
        Assert.Equal(HttpStatusCode.OK, await Status("/metrics", new AuthenticationHeaderValue("Bearer", Rotated)));

        int port = FreePort();
        _service.Reload(new MetricsSettings(new MetricsConfig { Token = new BearerToken(Rotated) }, [new IPEndPoint(IPAddress.Loopback, port)]));

        Assert.Equal($"http://127.0.0.1:{port}", _service.Addresses[0]);
        Assert.Equal(HttpStatusCode.OK, await Status("/metrics", new AuthenticationHeaderValue("Bearer", Rotated)));
        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(new Uri(first + "/metrics")));

        _service.Reload(new MetricsSettings(new MetricsConfig { Enabled = false }, [new IPEndPoint(IPAddress.Loopback, port)]));
        Assert.Empty(_service.Addresses);
    }

    [Fact]
    public async Task ATokenFile_IsReadAtStart_AndAgainAtEveryReload()
    {
        string file = Path.Combine(_directory, "token");
        File.WriteAllText(file, Token + "\n");
        var config = new MetricsConfig { TokenFile = file };
        Start(config);
        Assert.Equal(HttpStatusCode.OK, await Status("/metrics", new AuthenticationHeaderValue("Bearer", Token)));

        const string Rotated = "Zr8wQ3nV6pT1yL4kM7cX2bH5";
        File.WriteAllText(file, Rotated);
        _service.Reload(Settings(config));

        Assert.Equal(HttpStatusCode.Unauthorized, await Status("/metrics", new AuthenticationHeaderValue("Bearer", Token)));
        Assert.Equal(HttpStatusCode.OK, await Status("/metrics", new AuthenticationHeaderValue("Bearer", Rotated)));
    }

    [Fact]
    public void ATokenFileWithoutAToken_FailsTheStart_WithoutShowingItsContent()
    {
        string file = Path.Combine(_directory, "token");
        File.WriteAllText(file, "not a token at all");

        CommandException error = Assert.Throws<CommandException>(() => Start(new MetricsConfig { TokenFile = file }));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not a token", error.Message, StringComparison.Ordinal);
        Assert.Empty(_service.Addresses);
    }

    [Fact]
    public void AnAddressThatIsTaken_FailsTheStartWithAClearMessage()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int port = ((IPEndPoint)holder.LocalEndpoint).Port;

        CommandException error = Assert.Throws<CommandException>(() =>
            _service.Start(new MetricsSettings(new MetricsConfig(), [new IPEndPoint(IPAddress.Loopback, port)]), Context()));

        Assert.StartsWith($"metrics: cannot listen on 127.0.0.1:{port}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HugeHeaders_AreRefused_AndTheEndpointServesOn()
    {
        Start(new MetricsConfig());
        Uri url = Url("/metrics");

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, url.Port);
        NetworkStream stream = client.GetStream();
        var request = new StringBuilder("GET /metrics HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 200; i++)
        {
            request.Append("X-Filler-").Append(i).Append(": ").Append('a', 200).Append("\r\n");
        }

        request.Append("\r\n");
        string answer;
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
            byte[] buffer = new byte[4096];
            int read = await stream.ReadAsync(buffer);
            answer = Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (IOException)
        {
            // The server may close before it has read everything; a reset is a refusal too.
            answer = "HTTP/1.1 431 (reset)";
        }

        Assert.Matches("^HTTP/1.1 4(31|00) ", answer);
        Assert.Equal(HttpStatusCode.OK, await Status("/metrics", authorization: null));
    }

    private void Start(MetricsConfig config) => _service.Start(Settings(config), Context());

    private MetricsSettings Settings(MetricsConfig config) => new(config, [_listen]);

    private ServiceContext Context() => new("metrics", _time, _logger, (_, e) => _faults.Add(e));

    private Uri Url(string path) => new(_service.Addresses[0] + path);

    private async Task<HttpStatusCode> Status(string path, AuthenticationHeaderValue? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(path));
        request.Headers.Authorization = authorization;
        using HttpResponseMessage response = await _http.SendAsync(request);
        return response.StatusCode;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
