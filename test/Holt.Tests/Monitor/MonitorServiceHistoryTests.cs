using System.Net;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Monitor;
using Holt.Storage;
using Holt.Tests.Gateway;
using Holt.Tests.Uapi.Support;
using Holt.Uapi;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Monitor;

/// <summary>The monitor service with a store, in virtual time: its rounds become history, and a store that fails costs one line.</summary>
public sealed class MonitorServiceHistoryTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogger _logger = new();
    private readonly List<Exception> _faults = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-monitorservicehistory").FullName;
    private ulong _bytes;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string StorePath => Path.Combine(_directory, "monitor.db");

    [Fact]
    public void EveryRound_IsRecorded_AndStopWritesTheLastMinuteAndEndsTheOpenSession()
    {
        DateTimeOffset start = _time.GetUtcNow();
        using MonitorStore store = MonitorStore.Open(StorePath);
        var service = new MonitorService(Sample, new NoBoard(), history: store);

        service.Start(Settings(), Context(service));
        for (int i = 0; i < 30; i++)
        {
            _bytes += 1000;
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        service.Stop();

        (_, _, IReadOnlyList<HistoryPoint> points) = store.History("hmon0", TestKeys.LaptopPublic, start, start.AddHours(1), TimeSpan.FromMinutes(1));
        Assert.Equal([start, start.AddMinutes(1), start.AddMinutes(2)], points.Select(p => p.Start));
        Assert.Equal(30_000UL, (ulong)points.Sum(p => (long)p.RxBytes));
        Assert.Equal(150, points.Sum(p => p.States.Up));
        PeerSession session = Assert.Single(store.Sessions("hmon0", TestKeys.LaptopPublic, start));
        Assert.Equal((start, start.AddSeconds(150), 30_000UL), (session.Start, session.End!.Value, session.RxBytes));

        // The never-seen peer is recorded too, in its state; the disabled one as disabled.
        Assert.Equal(150, store.History("hmon0", TestKeys.PhonePublic, start, start.AddHours(1), TimeSpan.FromHours(1)).Points.Single().States.Never);
        Assert.Empty(_faults);
    }

    [Fact]
    public void AStoreThatCannotBeWritten_IsSaidOnce_AndTheMonitorGoesOn()
    {
        using MonitorStore store = MonitorStore.Open(StorePath);
        var board = new NoBoard();
        var service = new MonitorService(Sample, board, history: store);
        service.Start(Settings(), Context(service));

        // Another process breaks the file under the daemon: every minute's write fails from now on.
        using (SqliteDatabase other = SqliteDatabase.Open(StorePath, TimeSpan.FromSeconds(5)))
        {
            other.Execute("DROP TABLE minutes");
        }

        for (int i = 0; i < 60; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        service.Stop();

        string line = Assert.Single(_logger.Lines, l => l.Contains("cannot write the history", StringComparison.Ordinal));
        Assert.StartsWith($"Warning: monitor: cannot write the history: {StorePath}: no such table: minutes", line, StringComparison.Ordinal);
        Assert.Equal(61, board.Published);
        Assert.Empty(_faults);
    }

    private DeviceStatus Sample() => new(51820, 0, null,
        [new PeerStatus(TestKeys.LaptopPublic, null, "198.51.100.7:51820", _time.GetUtcNow().AddSeconds(-1), _bytes, 0, 25, ["10.8.0.2/32"])]);

    private static MonitorSettings Settings() => MonitorSettings.Of(
        new GatewayConfig
        {
            Interface = "hmon0",
            PrivateKey = TestKeys.GatewayPrivate,
            Endpoint = "vpn.example.com",
            Subnet = IPNetwork.Parse("10.8.0.0/24"),
            Address = IPAddress.Parse("10.8.0.1"),
            Peers =
            [
                new PeerConfig { Name = "home", PublicKey = TestKeys.LaptopPublic, Address = IPAddress.Parse("10.8.0.2"), Keepalive = 25 },
                new PeerConfig { Name = "phone", PublicKey = TestKeys.PhonePublic, Address = IPAddress.Parse("10.8.0.3") },
            ],
        },
        MonitorConfig.Default);

    private ServiceContext Context(MonitorService service) => new(service.Name, _time, _logger, (_, e) => _faults.Add(e));

    private sealed class NoBoard : IStatusBoard
    {
        public int Published { get; private set; }

        public void Publish(MonitorStatus status) => Published++;

        public void Withdraw(string interfaceName)
        {
        }
    }
}
