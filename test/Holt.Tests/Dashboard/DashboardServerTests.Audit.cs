using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Holt.Audit;
using Holt.Dashboard;
using Holt.Tests.Audit;

namespace Holt.Tests.Dashboard;

/// <summary>The Audit page's API: the kept report as holt audit --json prints it, and a fresh run, which is a change.</summary>
public sealed partial class DashboardServerTests
{
    private readonly AuditStore _audits;
    private readonly AuditRunner _auditor;
    private DashboardSources? _sources;
    private int _audited;

    private Exception? _auditFails;

    private AuditReport RunAudit()
    {
        _ = Interlocked.Increment(ref _audited);
        return _auditFails is Exception e ? throw e : AuditReports.Sample(_time.GetUtcNow(), host: "fresh");
    }

    [Fact]
    public async Task NoAuditYet_Is404_SayingHowToRunOne()
    {
        string cookie = await LogIn();

        using HttpResponseMessage response = await Send(HttpMethod.Get, "/api/audit", cookie);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("no audit has run yet: run it here, or holt audit on the gateway", Error(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task TheKeptReport_IsTheModelOfHoltAuditJson_SentWithoutIndentation()
    {
        string cookie = await LogIn();
        AuditReport report = AuditReports.Sample();
        _audits.Save(report);

        using HttpResponseMessage response = await Send(HttpMethod.Get, "/api/audit", cookie);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        string printed = JsonSerializer.Serialize(report, AuditJson.Plain.AuditReport);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(printed), JsonNode.Parse(text)), $"the API:\n{text}\nholt audit --json:\n{printed}");
        Assert.DoesNotContain('\n', text.TrimEnd());
        Assert.Equal("critical", (string?)JsonNode.Parse(text)!["findings"]![0]!["severity"]);
        Assert.Equal(0, _audited);
    }

    [Fact]
    public async Task RunningTheAudit_IsAChange_WithoutTheTokenOrOriginNothingRuns()
    {
        string cookie = await LogIn();
        string csrf = await Csrf(cookie);

        using HttpResponseMessage noToken = await Send(HttpMethod.Post, "/api/audit/run", cookie, new { }, origin: Base);
        using HttpResponseMessage foreign = await Send(HttpMethod.Post, "/api/audit/run", cookie, new { }, csrf: csrf, origin: "http://attacker.example");
        using HttpResponseMessage withoutSession = await Send(HttpMethod.Post, "/api/audit/run", null, new { }, csrf: csrf, origin: Base);

        Assert.Equal(HttpStatusCode.Forbidden, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutSession.StatusCode);
        Assert.Equal(0, _audited);
        Assert.False(File.Exists(_audits.Path));
    }

    [Fact]
    public async Task RunningTheAudit_WithTheToken_AnswersTheFreshReport_AndKeepsIt()
    {
        string cookie = await LogIn();
        _audits.Save(AuditReports.Sample(host: "old"));

        using HttpResponseMessage response = await Change(HttpMethod.Post, "/api/audit/run", cookie, new { });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonNode answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("fresh", (string?)answer["host"]);
        Assert.Equal(1, _audited);
        string kept = File.ReadAllText(_audits.Path);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(kept), answer), $"kept:\n{kept}\nanswered:\n{answer}");
        using HttpResponseMessage after = await Send(HttpMethod.Get, "/api/audit", cookie);
        Assert.Equal("fresh", (string?)JsonNode.Parse(await after.Content.ReadAsStringAsync())!["host"]);
    }

    [Fact]
    public async Task AnAuditThatFails_IsOneLineInThePage_AndTheKeptReportStays()
    {
        string cookie = await LogIn();
        _audits.Save(AuditReports.Sample(host: "kept"));
        string before = File.ReadAllText(_audits.Path);
        _auditFails = new InvalidOperationException("sshd -T hung\nsecond line");

        using HttpResponseMessage response = await Change(HttpMethod.Post, "/api/audit/run", cookie, new { });

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("the audit failed: InvalidOperationException: sshd -T hung second line", Error(await response.Content.ReadAsStringAsync()));
        Assert.Equal(1, _audited);
        Assert.Equal(before, File.ReadAllText(_audits.Path));
    }

    [Fact]
    public async Task ADaemonWithoutRoot_RunsNoAudit_AndSaysSo_ButShowsTheKeptReport()
    {
        string cookie = await LogIn();
        string csrf = await Csrf(cookie);
        _audits.Save(AuditReports.Sample());
        int port = FreePort();
        await using DashboardServer other = DashboardServer.Start(
            [new IPEndPoint(IPAddress.Loopback, port)], _access, new DashboardApi(_sources! with { Auditor = null }, _access, _links, new CheckHistory()), _logger);
        string origin = $"http://127.0.0.1:{port}";

        using var run = new HttpRequestMessage(HttpMethod.Post, origin + "/api/audit/run") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        run.Headers.Add("Cookie", $"{DashboardServer.SessionCookie}={cookie}");
        run.Headers.Add(DashboardServer.CsrfHeader, csrf);
        run.Headers.Add("Origin", origin);
        using HttpResponseMessage refused = await _http.SendAsync(run);
        using var get = new HttpRequestMessage(HttpMethod.Get, origin + "/api/audit");
        get.Headers.Add("Cookie", $"{DashboardServer.SessionCookie}={cookie}");
        using HttpResponseMessage shown = await _http.SendAsync(get);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.StartsWith("the daemon does not run as root", Error(await refused.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(0, _audited);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Equal("gw1", (string?)JsonNode.Parse(await shown.Content.ReadAsStringAsync())!["host"]);
    }
}
