using Holt.Audit;
using Holt.Hosting;
using Holt.Tests.Uapi.Support;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Audit;

/// <summary>
/// The daemon's periodic audit in virtual time: a run soon after the start, then one every six hours, each kept;
/// a run that throws is logged and the schedule goes on; runs asked for together are one run.
/// </summary>
public sealed class AuditServiceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-audit-service.").FullName;
    private readonly FakeTimeProvider _time = new(AuditReports.Time);
    private readonly RecordingLogger _logger = new();
    private readonly List<Exception> _faults = [];
    private readonly AuditStore _store;
    private int _runs;
    private Func<AuditReport>? _next;

    public AuditServiceTests() => _store = new AuditStore(Path.Combine(_directory, AuditStore.FileName));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private AuditReport Audit()
    {
        _ = Interlocked.Increment(ref _runs);
        return _next?.Invoke() ?? AuditReports.Sample(_time.GetUtcNow());
    }

    private AuditService Start(AuditSchedule? schedule = null)
    {
        var service = new AuditService(new AuditRunner(Audit, _store));
        service.Start(schedule ?? AuditSchedule.Default, new ServiceContext("audit", _time, _logger, (_, e) => _faults.Add(e)));
        return service;
    }

    [Fact]
    public void TheFirstRun_ComesAfterTheShortDelay_ThenEverySixHours_EachKept()
    {
        using AuditService service = Start();

        _time.Advance(AuditSchedule.Default.FirstDelay - TimeSpan.FromSeconds(1));
        Assert.Equal(0, _runs);
        Assert.Null(_store.Read());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _runs);
        DateTimeOffset first = _time.GetUtcNow();
        Assert.Equal(first, _store.Read()!.Time);
        Assert.Contains(_logger.Lines, l => l.Contains("audit: score 64/100 (1 critical, 2 warnings, 1 info), kept in " + _store.Path, StringComparison.Ordinal));

        _time.Advance(TimeSpan.FromHours(6) - TimeSpan.FromSeconds(1));
        Assert.Equal(1, _runs);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _runs);
        Assert.Equal(first + TimeSpan.FromHours(6), _store.Read()!.Time);

        _time.Advance(TimeSpan.FromHours(6));
        Assert.Equal(3, _runs);
        Assert.Empty(_faults);
    }

    [Fact]
    public void ARunThatThrows_IsLogged_TheLastReportStays_AndTheNextRunComes()
    {
        using AuditService service = Start();
        _time.Advance(AuditSchedule.Default.FirstDelay);
        AuditReport kept = _store.Read()!;

        _next = () => throw new InvalidOperationException("sshd -T hung\nsecond line");
        _time.Advance(AuditSchedule.Default.Interval);

        Assert.Equal(2, _runs);
        Assert.Contains(_logger.Lines, l => l.Contains("audit: the periodic audit failed: InvalidOperationException: sshd -T hung; the last report stays", StringComparison.Ordinal));
        Assert.Equal(kept.Time, _store.Read()!.Time);
        Assert.Empty(_faults);

        _next = null;
        _time.Advance(AuditSchedule.Default.Interval);
        Assert.Equal(3, _runs);
        Assert.Equal(_time.GetUtcNow(), _store.Read()!.Time);
    }

    [Fact]
    public void AReportThatCannotBeKept_IsLogged_AndTheServiceRunsOn()
    {
        // The state directory is a file: nothing can be written under it.
        string blocked = Path.Combine(_directory, "not-a-directory");
        File.WriteAllText(blocked, "");
        var store = new AuditStore(Path.Combine(blocked, AuditStore.FileName));
        using var service = new AuditService(new AuditRunner(Audit, store));
        service.Start(AuditSchedule.Default, new ServiceContext("audit", _time, _logger, (_, e) => _faults.Add(e)));

        _time.Advance(AuditSchedule.Default.FirstDelay);

        Assert.Equal(1, _runs);
        Assert.Contains(_logger.Lines, l => l.Contains($"audit: the periodic audit failed: the audit ran, but {store.Path} could not be written", StringComparison.Ordinal));
        Assert.Empty(_faults);
    }

    [Fact]
    public void AfterStop_NoRunComes()
    {
        AuditService service = Start();
        service.Stop();

        _time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(0, _runs);
        service.Dispose();
    }

    [Fact]
    public void ANewSchedule_CountsFromTheReload()
    {
        using AuditService service = Start();
        _time.Advance(AuditSchedule.Default.FirstDelay);

        service.Reload(AuditSchedule.Default with { Interval = TimeSpan.FromHours(1) });
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(2, _runs);
    }

    [Fact]
    public async Task RunsAskedForTogether_AreOneRun()
    {
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        _next = () =>
        {
            started.Set();
            Assert.True(release.Wait(TimeSpan.FromSeconds(30)));
            return AuditReports.Sample(_time.GetUtcNow());
        };
        var runner = new AuditRunner(Audit, _store);

        Task<AuditReport> first = runner.RunAsync();
        Assert.True(started.Wait(TimeSpan.FromSeconds(30)));
        Task<AuditReport> second = runner.RunAsync();
        release.Set();

        Assert.Same(first, second);
        Assert.Same(await first, await second);
        Assert.Equal(1, _runs);

        // Once it is over, the next request is a run of its own.
        _next = null;
        _ = await runner.RunAsync();
        Assert.Equal(2, _runs);
    }
}
