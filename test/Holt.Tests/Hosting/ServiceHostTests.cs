using System.Collections.Concurrent;
using Holt.Config;
using Holt.Gateway;
using Holt.Guard;
using Holt.Hosting;
using Holt.Tests.Gateway;
using Holt.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Hosting;

/// <summary>
/// The daemon's host in virtual time: services start in order and stop in reverse, a failing service is restarted
/// with a growing pause while the others run on, and holt.toml's edits reach each service as its own section.
/// </summary>
public sealed class ServiceHostTests : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-host").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentQueue<string> _events = new();
    private readonly RecordingLogger _log = new();
    private readonly CancellationTokenSource _stop = new();

    public ServiceHostTests()
    {
        File.WriteAllText(ConfigPath, GatewayConfigRoundTripTests.Canonical);
    }

    private string ConfigPath => Path.Combine(_directory, "holt.toml");

    public void Dispose()
    {
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Services_StartInOrder_AndStopInReverse()
    {
        using var host = NewHost(out HoltConfig config);
        var first = new FakeService("first", _events);
        var second = new FakeService("second", _events);
        host.Add(first, c => c!.Gateway.Interface);
        host.Add(second, c => c!.Gateway.Interface);

        Thread running = Run(host, config);
        WaitFor(() => _events.Contains("second started hgw0"));
        _stop.Cancel();
        Assert.True(running.Join(s_patience));

        Assert.Equal(["first started hgw0", "second started hgw0", "second stopped", "first stopped"], _events);
    }

    [Fact]
    public void AFaultingService_IsRestartedWithAGrowingPause_AndTheOthersRunOn()
    {
        using var host = NewHost(out HoltConfig config);
        var steady = new FakeService("steady", _events);
        var flaky = new FakeService("flaky", _events);
        host.Add(steady, c => "s");
        host.Add(flaky, c => "f");
        Thread running = Run(host, config);
        WaitFor(() => flaky.Starts == 1);

        // A fault: stopped at once, started again after one second, not before.
        DateTimeOffset faultAt = _time.GetUtcNow();
        flaky.Context!.Fault(new InvalidOperationException("boom"));
        WaitFor(() => host.Health.View().Services.Any(s => s.LastFault is not null));
        Assert.Contains(host.Health.View().Services, s => s == new ServiceState("flaky", false, 0, faultAt));
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Settle();
        Assert.Equal(1, flaky.Starts);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        WaitFor(() => flaky.Starts == 2);

        // At once again: two seconds this time, then four.
        flaky.Context!.Fault(new InvalidOperationException("boom"));
        WaitFor(() => flaky.Stops == 2);
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Settle();
        Assert.Equal(2, flaky.Starts);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        WaitFor(() => flaky.Starts == 3);
        flaky.Context!.Fault(new InvalidOperationException("boom"));
        WaitFor(() => flaky.Stops == 3);
        _time.Advance(TimeSpan.FromSeconds(3));
        Settle();
        Assert.Equal(3, flaky.Starts);
        _time.Advance(TimeSpan.FromSeconds(1));
        WaitFor(() => flaky.Starts == 4);

        // After a healthy while, the next pause is the first again.
        _time.Advance(ServiceHost.StableAfter);
        flaky.Context!.Fault(new InvalidOperationException("boom"));
        WaitFor(() => flaky.Stops == 4);
        _time.Advance(TimeSpan.FromSeconds(1));
        WaitFor(() => flaky.Starts == 5);

        Assert.Equal(1, steady.Starts);
        Assert.Equal(0, steady.Stops);
        Assert.Contains(host.States, s => s is { Name: "flaky", Running: true, Restarts: 4 });
        Assert.Equal(host.States, host.Health.View().Services);
        Assert.Contains(_log.Lines, l => l.Contains("flaky failed: InvalidOperationException: boom; restarting it in 1 s", StringComparison.Ordinal));
        _stop.Cancel();
        Assert.True(running.Join(s_patience));
    }

    [Fact]
    public void AFailingStart_OfAnOrdinaryService_IsRetried_ButOfACriticalOne_StopsTheRest()
    {
        using (var host = NewHost(out HoltConfig config))
        {
            var late = new FakeService("late", _events) { FailingStarts = 2 };
            host.Add(late, c => "l");
            Thread running = Run(host, config);
            WaitFor(() => _events.Contains("late failed to start"));
            _time.Advance(TimeSpan.FromSeconds(1));
            WaitFor(() => _events.Count(e => e == "late failed to start") == 2);
            _time.Advance(TimeSpan.FromSeconds(2));
            WaitFor(() => late.Starts == 1);
            _stop.Cancel();
            Assert.True(running.Join(s_patience));
        }

        using (var host = NewHost(out HoltConfig config))
        {
            var first = new FakeService("first", _events);
            var vital = new FakeService("vital", _events) { FailingStarts = 1 };
            host.Add(first, c => "1");
            host.Add(vital, c => "2", critical: true);

            Assert.Throws<InvalidOperationException>(() => host.Run(config, CancellationToken.None));
            Assert.Equal(1, first.Stops);
        }
    }

    [Fact]
    public void AnEdit_ReachesEachServiceAsItsOwnSection_ABrokenOneChangesNothing()
    {
        using var host = NewHost(out HoltConfig config);
        var gateway = new FakeService("gateway", _events);
        var guard = new FakeService("guard", _events);
        host.Add(gateway, c => c!.Gateway.ListenPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        host.Add(guard, c => GuardSection.Text(c!.Guard));
        Thread running = Run(host, config);
        WaitFor(() => guard.Starts == 1);

        // A good hand edit of the port: the gateway's section changed, the guard's did not (it gets the same text).
        Edit(text => text.Replace("listen_port = 51821", "listen_port = 51999", StringComparison.Ordinal));
        _time.Advance(ServiceHost.DefaultWatchInterval);
        WaitFor(() => gateway.Reloads.Contains("51999"));
        Assert.Equal(GuardSection.Text(GuardConfig.Default), guard.Reloads.Single());

        // A broken edit: said once, whatever the rounds, and nobody is reloaded.
        Edit(text => text.Replace("listen_port = 51999", "listen_port = \"many\"", StringComparison.Ordinal));
        for (int i = 0; i < 3; i++)
        {
            _time.Advance(ServiceHost.DefaultWatchInterval);
            Settle();
        }

        Assert.Single(gateway.Reloads);
        Assert.Single(_log.Lines, l => l.Contains("'listen_port' must be a whole number; keeping the last good configuration", StringComparison.Ordinal));

        // The daemon's health says so, from the first refusal on, and counts the one edit once.
        DaemonView refused = host.Health.View();
        Assert.Contains("'listen_port' must be a whole number", refused.ConfigProblem, StringComparison.Ordinal);
        Assert.Equal(1, refused.ConfigRefused);
        Assert.Equal(_time.GetUtcNow() - (2 * ServiceHost.DefaultWatchInterval), refused.ConfigProblemSince);
        DateTimeOffset appliedBefore = refused.ConfigAppliedAt;

        // Fixed again: applied.
        Edit(text => text.Replace("listen_port = \"many\"", "listen_port = 52000", StringComparison.Ordinal));
        _time.Advance(ServiceHost.DefaultWatchInterval);
        WaitFor(() => gateway.Reloads.Contains("52000"));
        Assert.Equal(52000, host.Current!.Gateway.ListenPort);
        DaemonView fixedAgain = host.Health.View();
        Assert.Null(fixedAgain.ConfigProblem);
        Assert.Null(fixedAgain.ConfigProblemSince);
        Assert.Equal(1, fixedAgain.ConfigRefused);
        Assert.Equal(_time.GetUtcNow(), fixedAgain.ConfigAppliedAt);
        Assert.True(fixedAgain.ConfigAppliedAt > appliedBefore);
        _stop.Cancel();
        Assert.True(running.Join(s_patience));
    }

    [Fact]
    public void ABinaryEdit_IsRefusedAsNotText_AtItsLine_AndNobodyIsReloaded()
    {
        using var host = NewHost(out HoltConfig config);
        var gateway = new FakeService("gateway", _events);
        host.Add(gateway, c => c!.Gateway.ListenPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Thread running = Run(host, config);
        WaitFor(() => gateway.Starts == 1);

        // A hand edit that pasted bytes that are not UTF-8 at the end.
        byte[] text = File.ReadAllBytes(ConfigPath);
        int line = text.Count(b => b == (byte)'\n') + 1;
        File.WriteAllBytes(ConfigPath, [.. text, 0xc3, 0x28, 0xff, 0x00, (byte)'\n']);
        _time.Advance(ServiceHost.DefaultWatchInterval);
        WaitFor(() => host.Health.View().ConfigProblem is not null);

        Assert.Equal($"{ConfigPath}:{line}: not a text file (bytes that are not UTF-8)", host.Health.View().ConfigProblem);
        Assert.Empty(gateway.Reloads);
        Assert.Equal(1, gateway.Starts);
        _stop.Cancel();
        Assert.True(running.Join(s_patience));
    }

    [Fact]
    public void AReloadThatThrows_IsAFault_AndTheServiceStartsAgainWithTheNewSection()
    {
        using var host = NewHost(out HoltConfig config);
        var picky = new FakeService("picky", _events) { FailingReloads = 1 };
        host.Add(picky, c => c!.Gateway.Mtu.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Thread running = Run(host, config);
        WaitFor(() => picky.Starts == 1);

        Edit(text => text.Replace("mtu = 1380", "mtu = 1400", StringComparison.Ordinal));
        _time.Advance(ServiceHost.DefaultWatchInterval);
        WaitFor(() => picky.Stops == 1);
        _time.Advance(ServiceHost.FirstRestartDelay);
        WaitFor(() => picky.Starts == 2);

        Assert.Equal("picky started 1400", _events.Last());
        _stop.Cancel();
        Assert.True(running.Join(s_patience));
    }

    private ServiceHost NewHost(out HoltConfig config)
    {
        ConfigStore store = TestConfig.Store(ConfigPath);
        config = store.Load();
        return new ServiceHost(store, _log, _time);
    }

    private Thread Run(ServiceHost host, HoltConfig config)
    {
        var thread = new Thread(() => host.Run(config, _stop.Token)) { IsBackground = true };
        thread.Start();
        return thread;
    }

    private void Edit(Func<string, string> change) => File.WriteAllText(ConfigPath, change(File.ReadAllText(ConfigPath)));

    /// <summary>Waits for the host's thread to act on what just happened (real time, bounded; the test's timing is virtual).</summary>
    private static void WaitFor(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + s_patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the host did not act in time");
            Thread.Sleep(5);
        }
    }

    /// <summary>Gives the host's thread a moment to do anything it would (wrongly) do.</summary>
    private static void Settle() => Thread.Sleep(100);

    private sealed class FakeService(string name, ConcurrentQueue<string> events) : IDaemonService<string>
    {
        public string Name { get; } = name;

        public int FailingStarts { get; set; }

        public int FailingReloads { get; set; }

        public int Starts { get; private set; }

        public int Stops { get; private set; }

        public ConcurrentQueue<string> Reloads { get; } = new();

        public ServiceContext? Context { get; private set; }

        public void Start(string settings, ServiceContext context)
        {
            if (FailingStarts > 0)
            {
                FailingStarts--;
                events.Enqueue($"{Name} failed to start");
                throw new InvalidOperationException("not yet");
            }

            Context = context;
            Starts++;
            events.Enqueue($"{Name} started {settings}");
        }

        public void Reload(string settings)
        {
            Reloads.Enqueue(settings);
            if (FailingReloads > 0)
            {
                FailingReloads--;
                throw new InvalidOperationException("cannot take that");
            }
        }

        public void Stop()
        {
            Stops++;
            events.Enqueue($"{Name} stopped");
        }
    }

    private sealed class RecordingLogger : ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception));
    }
}
