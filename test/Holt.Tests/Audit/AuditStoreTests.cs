using System.Text.Json;
using System.Text.Json.Nodes;
using Holt.Audit;

namespace Holt.Tests.Audit;

/// <summary>audit.json: kept as holt audit --json prints it, private, and read without ever throwing.</summary>
public sealed class AuditStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-audit-store.").FullName;
    private readonly AuditStore _store;

    public AuditStoreTests() => _store = new AuditStore(Path.Combine(_directory, "state", AuditStore.FileName));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void NoFile_IsNoReport()
    {
        Assert.Null(_store.Read());
        Assert.Null(_store.Latest());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json at all")]
    [InlineData("{\"time\": \"2026-03-14T09:26:53Z\", \"host\": \"gw1\", \"areas\": [")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"score\": 100}")]
    [InlineData("{\"time\":\"2026-03-14T09:26:53Z\",\"host\":\"gw1\",\"areas\":[],\"findings\":null,\"score\":100,\"critical\":0,\"warnings\":0,\"info\":0,\"summary\":\"s\"}")]
    [InlineData("{\"time\":\"2026-03-14T09:26:53Z\",\"host\":\"gw1\",\"areas\":[null],\"findings\":[],\"score\":100,\"critical\":0,\"warnings\":0,\"info\":0,\"summary\":\"s\"}")]
    [InlineData("{\"time\":\"2026-03-14T09:26:53Z\",\"host\":\"gw1\",\"areas\":[],\"findings\":[{\"id\":\"x\",\"severity\":\"dreadful\"}],\"score\":1,\"critical\":0,\"warnings\":0,\"info\":0,\"summary\":\"s\"}")]
    public void ACorruptFile_IsNoReport_NeverAnException(string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_store.Path)!);
        File.WriteAllText(_store.Path, text);

        Assert.Null(_store.Read());
        Assert.Null(_store.Latest());
    }

    [Fact]
    public void ADirectoryInItsPlace_IsNoReport()
    {
        Directory.CreateDirectory(_store.Path);

        Assert.Null(_store.Read());
    }

    [Fact]
    public void AReport_RoundTrips_AsHoltAuditJsonPrintsIt_Private()
    {
        AuditReport report = AuditReports.Sample();

        _store.Save(report);

        string printed = JsonSerializer.Serialize(report, AuditJson.Plain.AuditReport) + "\n";
        Assert.Equal(printed, File.ReadAllText(_store.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_store.Path));
        AuditReport read = Assert.IsType<AuditReport>(_store.Read());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(printed), JsonNode.Parse(JsonSerializer.Serialize(read, AuditJson.Plain.AuditReport))));
        Assert.Equal(report.Time, read.Time);
        Assert.Equal(Severity.Critical, read.Findings[0].Severity);
        Assert.Equal("docker is not installed", read.Areas[1].Note);
        Assert.Contains("\"severity\": \"critical\"", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void Latest_FollowsTheFile_WhoeverReplacesIt()
    {
        _store.Save(AuditReports.Sample(host: "first"));
        Assert.Equal("first", _store.Latest()!.Host);
        Assert.Same(_store.Latest(), _store.Latest());

        // Another writer (holt audit, the daemon's other store) replaces the file.
        new AuditStore(_store.Path).Save(AuditReports.Sample(host: "second, a longer name"));
        Assert.Equal("second, a longer name", _store.Latest()!.Host);

        File.Delete(_store.Path);
        Assert.Null(_store.Latest());
    }
}
