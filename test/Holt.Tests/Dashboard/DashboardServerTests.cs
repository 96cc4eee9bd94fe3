using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Holt.Audit;
using Holt.Cli;
using Holt.Config;
using Holt.Dashboard;
using Holt.Gateway;
using Holt.Qr;
using Holt.Status;
using Holt.Tests.Support;
using Holt.Tests.Uapi.Support;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Dashboard;

/// <summary>
/// The dashboard over real HTTP on loopback, as a browser behind an SSH forward reaches it: a login link, the
/// session it opens, the headers every answer carries, the API's models (the same as the CLI's --json), and the
/// changes, which need the page's CSRF token and origin and go through holt.toml as one transaction each.
/// </summary>
public sealed partial class DashboardServerTests : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-dashboard-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly RecordingLogger _logger = new();
    private readonly ConfigStore _store;
    private readonly LoginLinks _links;
    private readonly DashboardAccess _access;
    private readonly int _port = FreePort();
    private DashboardServer? _server;
    private readonly HttpClient _http;

    public DashboardServerTests()
    {
        _store = TestConfig.Store(Path.Combine(_directory, "holt.toml"));
        _links = new LoginLinks(Path.Combine(_directory, "links"), _time);
        _access = new DashboardAccess(new DashboardSessions(_time));
        _http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(Base), Timeout = TimeSpan.FromSeconds(30) };
        _audits = new AuditStore(Path.Combine(_directory, AuditStore.FileName));
        _auditor = new AuditRunner(RunAudit, _audits);
    }

    private string Base => $"http://127.0.0.1:{_port}";

    private string Interface => _store.Load().Gateway.Interface;

    public Task InitializeAsync()
    {
        var options = new InitOptions { Endpoint = "vpn.example.com", Subnet = "10.8.0.0/24", Interface = "hdb" + Guid.NewGuid().ToString("N")[..8] };
        _store.Save(HoltConfig.Empty.WithGateway(GatewaySetup.Create(options)));
        _ = PeerOperations.Add(Editing.Gateway(_store, _time), new AddPeerRequest { Name = "laptop", Admin = true });
        _ = PeerOperations.Add(Editing.Gateway(_store, _time), new AddPeerRequest { Name = "phone" });
        _access.Update(_store.Load().Gateway);
        var sources = new DashboardSources(
            _store, _time, () => _store.Load(), () => StatusReader.Read(_store, _time.GetUtcNow(), tables: false), () => null, Editing.Gateway(_store, _time),
            (config, peer) => (Editing.ClientConfigOf(config, peer), []), _audits, _auditor);
        _sources = sources;
        _server = DashboardServer.Start([new IPEndPoint(IPAddress.Loopback, _port)], _access, new DashboardApi(sources, _access, _links, new CheckHistory()), _logger);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task WithoutASession_EveryPageAsksForALoginLink()
    {
        using HttpResponseMessage page = await _http.GetAsync("/");
        using HttpResponseMessage api = await _http.GetAsync("/api/peers");

        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        Assert.Contains("holt dashboard link", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.StartsWith("Log in with a link: ", Error(await api.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALink_OpensOneSession_Once()
    {
        string token = _links.Create();

        using HttpResponseMessage first = await _http.GetAsync("/login?token=" + token);
        using HttpResponseMessage again = await _http.GetAsync("/login?token=" + token);

        Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);
        Assert.Equal("/", first.Headers.Location!.ToString());
        string cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(DashboardServer.SessionCookie + "=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(token, cookie, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        using HttpResponseMessage session = await Send(HttpMethod.Get, "/api/session", CookieOf(first));
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        JsonNode view = JsonNode.Parse(await session.Content.ReadAsStringAsync())!;
        Assert.Equal("local-session", (string?)view["kind"]);
        Assert.Equal(Interface, (string?)view["interface"]);
        Assert.False(string.IsNullOrEmpty((string?)view["csrf"]));
        Assert.DoesNotContain(_logger.Lines, l => l.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnExpiredOrMadeUpLink_OpensNothing()
    {
        string token = _links.Create();
        _time.Advance(LoginLinks.Lifetime + TimeSpan.FromSeconds(1));

        foreach (string tried in (string[])[token, "A" + token[1..], "short", new string('x', 3000), "%00%0a"])
        {
            using HttpResponseMessage response = await _http.GetAsync("/login?token=" + tried);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Null(response.Headers.Contains("Set-Cookie") ? "a cookie" : null);
        }
    }

    [Fact]
    public async Task EveryAnswer_CarriesAStrictPolicy_EvenARefusal()
    {
        string cookie = await LogIn();
        foreach ((string path, string? session) in ((string, string?)[])[("/", cookie), ("/", null), ("/api/peers", cookie), ("/assets/app.js", cookie), ("/nothing", cookie)])
        {
            using HttpResponseMessage response = await Send(HttpMethod.Get, path, session);
            Assert.Equal(DashboardServer.ContentSecurityPolicy, string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("DENY", string.Join(",", response.Headers.GetValues("X-Frame-Options")));
            Assert.Equal("no-referrer", string.Join(",", response.Headers.GetValues("Referrer-Policy")));
            Assert.False(response.Headers.Contains("Server"));
        }

        Assert.Contains("script-src 'self'", DashboardServer.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", DashboardServer.ContentSecurityPolicy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherHostName_IsRefused_SoDnsRebindingReadsNothing()
    {
        string cookie = await LogIn();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/peers");
        request.Headers.Host = "attacker.example";
        request.Headers.Add("Cookie", $"{DashboardServer.SessionCookie}={cookie}");

        using HttpResponseMessage response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        Assert.DoesNotContain("laptop", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePeers_AreTheModelOfPeerListJson()
    {
        string cookie = await LogIn();

        using HttpResponseMessage response = await Send(HttpMethod.Get, "/api/peers", cookie);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        HoltConfig config = _store.Load();
        IReadOnlyList<PeerView> views = PeerView.Build(config.Gateway, new GatewayState(), null, _time.GetUtcNow());
        JsonNode cli = JsonNode.Parse(JsonSerializer.Serialize(views, ViewJson.Plain.IReadOnlyListPeerView))!;
        JsonNode api = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(JsonNode.DeepEquals(cli, api), $"the API:\n{api}\nholt peer list --json:\n{cli}");
        Assert.Equal(true, (bool?)api[0]!["admin"]);
    }

    [Fact]
    public async Task TheStatus_IsTheModelOfHoltStatusJson_SentWithoutIndentation()
    {
        string cookie = await LogIn();

        using HttpResponseMessage response = await Send(HttpMethod.Get, "/api/status", cookie);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        string printed = JsonSerializer.Serialize(StatusReader.Read(_store, _time.GetUtcNow(), tables: false), StatusJson.Default.HoltStatus);
        // Other tunnels on this machine (other tests') are in both, with counters that move between the two reads.
        Assert.True(JsonNode.DeepEquals(OwnInterfaceOnly(printed), OwnInterfaceOnly(text)), $"the API:\n{text}\nholt status --json:\n{printed}");

        // The CLI indents it for people; the page gets the same members without the whitespace.
        Assert.Contains('\n', printed);
        Assert.DoesNotContain('\n', text);
        Assert.True(text.Length < printed.Length * 3 / 4, $"{text.Length} characters against the CLI's {printed.Length}");
    }

    private JsonNode OwnInterfaceOnly(string status)
    {
        JsonNode node = JsonNode.Parse(status)!;
        JsonArray interfaces = node["interfaces"]!.AsArray();
        foreach (JsonNode? entry in interfaces.Where(i => (string?)i!["name"] != Interface).ToList())
        {
            _ = interfaces.Remove(entry);
        }

        Assert.Single(interfaces);
        return node;
    }

    [Fact]
    public async Task AChange_WithoutTheCsrfToken_OrFromAnotherOrigin_ChangesNothing()
    {
        string cookie = await LogIn();
        string csrf = await Csrf(cookie);
        string before = File.ReadAllText(_store.Path);

        using HttpResponseMessage noToken = await Send(HttpMethod.Post, "/api/peers", cookie, new { name = "tablet" }, origin: Base);
        using HttpResponseMessage wrongToken = await Send(HttpMethod.Post, "/api/peers", cookie, new { name = "tablet" }, csrf: csrf[..^2] + "xx", origin: Base);
        using HttpResponseMessage foreign = await Send(HttpMethod.Post, "/api/peers", cookie, new { name = "tablet" }, csrf: csrf, origin: "http://attacker.example");
        using HttpResponseMessage noOrigin = await Send(HttpMethod.Delete, "/api/peers/phone", cookie, csrf: csrf);
        using HttpResponseMessage crossSite = await Send(HttpMethod.Delete, "/api/peers/phone", cookie, csrf: csrf, origin: Base, site: "cross-site");
        using HttpResponseMessage withoutSession = await Send(HttpMethod.Delete, "/api/peers/phone", null, csrf: csrf, origin: Base);

        foreach (HttpResponseMessage refused in (HttpResponseMessage[])[noToken, wrongToken, foreign, noOrigin, crossSite])
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.DoesNotContain('\n', Error(await refused.Content.ReadAsStringAsync()));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, withoutSession.StatusCode);
        Assert.Equal(before, File.ReadAllText(_store.Path));
        Assert.Contains(_logger.Lines, l => l.Contains("refused a change by local session: POST /api/peers", StringComparison.Ordinal));
    }

    [Fact]
    public async Task APeerAddedInThePage_HasTheConfigAndQrCodeTheCliWouldPrint()
    {
        string cookie = await LogIn();

        using HttpResponseMessage response = await Change(HttpMethod.Post, "/api/peers", cookie, new { name = "tablet", admin = true, expires = "30d" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        JsonNode added = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        HoltConfig config = _store.Load();
        PeerConfig tablet = config.Gateway.FindPeer("tablet")!;
        string client = Editing.ClientConfigOf(config, tablet);
        Assert.Equal(client, (string?)added["config"]);
        Assert.Equal(QrCode.ToSvg(client), (string?)added["qr_svg"]);
        Assert.Equal("tablet", (string?)added["peer"]!["name"]);
        Assert.Equal("10.8.0.4", (string?)added["peer"]!["address"]);
        Assert.True(tablet.Admin);
        Assert.Equal(_time.GetUtcNow().AddDays(30).ToUnixTimeSeconds(), tablet.Expires!.Value.ToUnixTimeSeconds());
        Assert.Contains(tablet.PrivateKey!, client, StringComparison.Ordinal);
        Assert.DoesNotContain(_logger.Lines, l => l.Contains(tablet.PrivateKey!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ChangesToAPeer_ApplyAsOneEdit_OrNotAtAll()
    {
        string cookie = await LogIn();
        string before = File.ReadAllText(_store.Path);

        // A rename with an expiry that does not read: refused whole, the name too.
        using HttpResponseMessage refused = await Change(HttpMethod.Patch, "/api/peers/phone", cookie, new { name = "mobile", expires = "soon", enabled = false });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("soon", Error(await refused.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(_store.Path));

        using HttpResponseMessage changed = await Change(HttpMethod.Patch, "/api/peers/phone", cookie, new { name = "mobile", enabled = false, client_to_client = true });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        JsonNode view = JsonNode.Parse(await changed.Content.ReadAsStringAsync())!;
        Assert.Equal("mobile", (string?)view["name"]);
        Assert.Equal(false, (bool?)view["enabled"]);
        PeerConfig mobile = _store.Load().Gateway.FindPeer("mobile")!;
        Assert.False(mobile.Enabled);
        Assert.True(mobile.ClientToClient);
        Assert.Null(_store.Load().Gateway.FindPeer("phone"));

        using HttpResponseMessage nothing = await Change(HttpMethod.Patch, "/api/peers/mobile", cookie, new { });
        Assert.Equal(HttpStatusCode.BadRequest, nothing.StatusCode);
        using HttpResponseMessage missing = await Change(HttpMethod.Patch, "/api/peers/nobody", cookie, new { enabled = true });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("nobody", Error(await missing.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APeer_IsRemoved()
    {
        string cookie = await LogIn();

        using HttpResponseMessage removed = await Change(HttpMethod.Delete, "/api/peers/phone", cookie);
        using HttpResponseMessage again = await Change(HttpMethod.Delete, "/api/peers/phone", cookie);

        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Null(_store.Load().Gateway.FindPeer("phone"));
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
    }

    [Fact]
    public async Task HostileBodies_GetAOneLineRefusal_AndChangeNothing()
    {
        string cookie = await LogIn();
        string csrf = await Csrf(cookie);
        string before = File.ReadAllText(_store.Path);

        using HttpResponseMessage huge = await Raw(cookie, csrf, "application/json", "{\"name\":\"" + new string('a', 40_000) + "\"}");
        using HttpResponseMessage notJson = await Raw(cookie, csrf, "text/plain", "{\"name\":\"x\"}");
        using HttpResponseMessage broken = await Raw(cookie, csrf, "application/json", "{\"name\":");
        using HttpResponseMessage unknown = await Raw(cookie, csrf, "application/json", "{\"name\":\"x\",\"private_key\":\"y\"}");
        using HttpResponseMessage badName = await Raw(cookie, csrf, "application/json", "{\"name\":\"<script>\"}");
        using HttpResponseMessage nul = await Raw(cookie, csrf, "application/json", "{\"name\":\"a\\u0000b\"}");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
        foreach (HttpResponseMessage response in (HttpResponseMessage[])[broken, unknown, badName, nul])
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            string error = Error(await response.Content.ReadAsStringAsync());
            Assert.DoesNotContain('\n', error);
            Assert.DoesNotContain('\0', error);
        }

        Assert.Equal(before, File.ReadAllText(_store.Path));
    }

    [Fact]
    public async Task LoggingOut_EndsTheSession()
    {
        string cookie = await LogIn();

        using HttpResponseMessage logout = await Change(HttpMethod.Post, "/api/logout", cookie);
        using HttpResponseMessage after = await Send(HttpMethod.Get, "/api/peers", cookie);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task TheAssets_AreEmbedded_WithETags_AndNothingElseIsServed()
    {
        string cookie = await LogIn();

        using HttpResponseMessage script = await Send(HttpMethod.Get, "/assets/app.js", cookie);
        using HttpResponseMessage chart = await Send(HttpMethod.Get, "/assets/uplot.js", cookie);
        using HttpResponseMessage page = await Send(HttpMethod.Get, "/", cookie);
        using HttpResponseMessage escape = await Send(HttpMethod.Get, "/assets/..%2f..%2fholt.toml", cookie);
        using HttpResponseMessage missing = await Send(HttpMethod.Get, "/assets/nothing.js", cookie);

        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript; charset=utf-8", script.Content.Headers.ContentType!.ToString());
        Assert.Equal(HttpStatusCode.OK, chart.StatusCode);
        Assert.Contains("uPlot", await chart.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("<script src=\"/assets/app.js\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, escape.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/assets/app.js");
        conditional.Headers.Add("Cookie", $"{DashboardServer.SessionCookie}={cookie}");
        conditional.Headers.IfNoneMatch.Add(script.Headers.ETag!);
        using HttpResponseMessage cached = await _http.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);

        // No asset names a CDN or any other origin: the page works offline.
        foreach (string name in Assets.Names.Where(n => n.EndsWith(".html", StringComparison.Ordinal) || n.StartsWith("app.", StringComparison.Ordinal)))
        {
            Assert.DoesNotMatch("(src|href)=\"(https?:)?//", Encoding.UTF8.GetString(Assets.Find(name)!));
        }
    }

    [Fact]
    public async Task TheLiveStream_SendsEveryPeerFirst_ThenOnlyWhatChanged()
    {
        string cookie = await LogIn();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        request.Headers.Add("Cookie", $"{DashboardServer.SessionCookie}={cookie}");
        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        JsonNode first = await NextEvent(reader);
        Assert.Equal(true, (bool?)first["full"]);
        Assert.Equal(["laptop", "phone"], first["peers"]!.AsArray().Select(p => (string)p!["name"]!).Order());

        using HttpResponseMessage disabled = await Change(HttpMethod.Patch, "/api/peers/phone", cookie, new { enabled = false });
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        _time.Advance(LiveFeed.Interval);
        JsonNode second = await NextEvent(reader);

        Assert.Equal(false, (bool?)second["full"]);
        JsonNode phone = Assert.Single(second["peers"]!.AsArray())!;
        Assert.Equal("phone", (string?)phone["name"]);
        Assert.Equal(false, (bool?)phone["enabled"]);
    }

    private static async Task<JsonNode> NextEvent(StreamReader reader)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        string? line;
        while ((line = await reader.ReadLineAsync(deadline.Token)) is not null)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return JsonNode.Parse(line["data: ".Length..])!;
            }
        }

        throw new InvalidOperationException("the stream ended");
    }

    private async Task<string> LogIn()
    {
        using HttpResponseMessage response = await _http.GetAsync("/login?token=" + _links.Create());
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        return CookieOf(response);
    }

    private static string CookieOf(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single().Split(';')[0].Split('=', 2)[1];

    private async Task<string> Csrf(string cookie)
    {
        using HttpResponseMessage response = await Send(HttpMethod.Get, "/api/session", cookie);
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["csrf"]!;
    }

    /// <summary>A change as the page sends it: the session's CSRF token, and the page's own origin.</summary>
    private async Task<HttpResponseMessage> Change(HttpMethod method, string path, string cookie, object? body = null) =>
        await Send(method, path, cookie, body, await Csrf(cookie), Base);

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string? cookie, object? body = null, string? csrf = null, string? origin = null, string? site = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", $"{DashboardServer.SessionCookie}={cookie}");
        }

        if (csrf is not null)
        {
            request.Headers.Add(DashboardServer.CsrfHeader, csrf);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (site is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", site);
        }

        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        return _http.SendAsync(request);
    }

    private Task<HttpResponseMessage> Raw(string cookie, string csrf, string type, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/peers") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        request.Headers.Add("Cookie", $"{DashboardServer.SessionCookie}={cookie}");
        request.Headers.Add(DashboardServer.CsrfHeader, csrf);
        request.Headers.Add("Origin", Base);
        return _http.SendAsync(request);
    }

    private static string Error(string json) => (string)JsonNode.Parse(json)!["error"]!;

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
