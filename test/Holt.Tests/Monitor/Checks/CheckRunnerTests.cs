using System.Collections.Concurrent;
using Holt.Monitor.Checks;
using Holt.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Monitor.Checks;

/// <summary>The check runner in virtual time, with an executor and a tunnel the test controls.</summary>
public sealed class CheckRunnerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeExecutor _executor = new();
    private readonly FakeTunnel _tunnel = new();
    private readonly CheckRunner _runner;

    public CheckRunnerTests() => _runner = new CheckRunner(_executor, _tunnel, _time, parallel: 2);

    public void Dispose() => _runner.Dispose();

    internal static CheckConfig Check(string name, int intervalSeconds = 10) =>
        new() { Name = name, Type = CheckType.Tcp, Target = "10.8.0.2:22", Interval = TimeSpan.FromSeconds(intervalSeconds), Timeout = TimeSpan.FromSeconds(1) };

    [Fact]
    public void EachCheck_RunsAtItsOwnInterval()
    {
        _runner.Reload([Check("fast", 10), Check("slow", 30)]);
        WaitFor("fast", 1);
        WaitFor("slow", 1);

        for (int step = 1; step <= 6; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            WaitFor("fast", 1 + step);
            WaitFor("slow", 1 + (step / 3));
        }

        Assert.Equal(7, _executor.Calls("fast"));
        Assert.Equal(3, _executor.Calls("slow"));
    }

    [Fact]
    public void TheLatestResult_IsKept_WithThePeerAndWhetherItHandshook()
    {
        _executor.Outcome = _ => CheckResult.Failed(_time.GetUtcNow(), "connection refused");
        _tunnel.Handshaking = true;
        _runner.Reload([Check("ssh")]);

        CheckResult first = WaitForResult("ssh", r => r is not null);
        _tunnel.Handshaking = false;
        _time.Advance(TimeSpan.FromSeconds(10));
        CheckResult second = WaitForResult("ssh", r => r!.PeerHandshaking == false);

        Assert.Equal(("home", true), (first.Peer, first.PeerHandshaking));
        Assert.Equal("connection refused (the tunnel to home is up: the service itself fails)", first.Summary());
        Assert.Equal("connection refused (peer home is not handshaking: the tunnel is down)", second.Summary());
        Assert.Equal(_time.GetUtcNow(), second.At);
    }

    [Fact]
    public void ACheckStillRunning_SkipsItsTurn()
    {
        var release = new TaskCompletionSource();
        _executor.Gate = release.Task;
        _runner.Reload([Check("slow")]);
        Wait.Until(() => _executor.Calls("slow") == 1, "the first run starts");

        for (int i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(1, _executor.Calls("slow"));
        release.SetResult();
        WaitForResult("slow", r => r is not null);
        _time.Advance(TimeSpan.FromSeconds(10));
        WaitFor("slow", 2);
    }

    [Fact]
    public void OnlyAFewChecks_RunAtOnce()
    {
        var release = new TaskCompletionSource();
        _executor.Gate = release.Task;

        _runner.Reload([.. Enumerable.Range(0, 5).Select(i => Check("c" + i))]);
        Wait.Until(() => _executor.Running == 2, "two checks run");
        Thread.Sleep(100);

        Assert.Equal(2, _executor.Running);
        Assert.Equal(2, _executor.MostAtOnce);
        release.SetResult();
        Wait.Until(() => _runner.Latest().All(l => l.Result is not null), "every check has a result");
        Assert.Equal(2, _executor.MostAtOnce);
    }

    [Fact]
    public void Reload_KeepsWhatDidNotChange_RestartsWhatDid_AndDropsWhatWent()
    {
        _runner.Reload([Check("same"), Check("changed"), Check("gone")]);
        WaitForResult("gone", r => r is not null);
        WaitForResult("same", r => r is not null);
        WaitForResult("changed", r => r is not null);

        _runner.Reload([Check("same"), Check("changed", 20), Check("new")]);
        WaitFor("changed", 2);
        WaitFor("new", 1);

        Assert.Equal(["same", "changed", "new"], _runner.Latest().Select(l => l.Check.Name));
        Assert.Equal(1, _executor.Calls("same"));
        Assert.Equal(TimeSpan.FromSeconds(20), _runner.Latest()[1].Check.Interval);
        Assert.NotNull(_runner.Latest()[0].Result);
        _time.Advance(TimeSpan.FromSeconds(10));
        WaitFor("same", 2);
        Assert.Equal(1, _executor.Calls("gone"));
    }

    [Fact]
    public void AnExecutorThatThrows_GivesAFailedResult()
    {
        _executor.Outcome = _ => throw new InvalidOperationException("boom\nsecond line");
        _runner.Reload([Check("bad")]);

        CheckResult result = WaitForResult("bad", r => r is not null);

        Assert.False(result.Ok);
        Assert.Equal("the check failed to run: boom second line", result.Error);
    }

    [Fact]
    public void ATunnelThatCannotBeRead_LeavesItsPartUnknown()
    {
        _tunnel.Failure = new IOException("permission denied");
        _runner.Reload([Check("ssh")]);

        CheckResult result = WaitForResult("ssh", r => r is not null);

        Assert.True(result.Ok);
        Assert.Equal(("home", (bool?)null), (result.Peer, result.PeerHandshaking));
    }

    [Fact]
    public void Stop_EndsEveryCheck()
    {
        _runner.Reload([Check("a")]);
        WaitFor("a", 1);

        _runner.Stop();
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Empty(_runner.Latest());
        Assert.Equal(1, _executor.Calls("a"));
    }

    [Fact]
    public async Task RunOnce_RunsEveryCheck_AndKeepsTheirOrder()
    {
        _executor.Outcome = c => c.Name == "b" ? CheckResult.Failed(_time.GetUtcNow(), "down") : new CheckResult { Ok = true, At = _time.GetUtcNow() };

        IReadOnlyList<CheckResult> results = await _runner.RunOnceAsync([Check("a"), Check("b"), Check("c")], CancellationToken.None);

        Assert.Equal([true, false, true], results.Select(r => r.Ok));
        Assert.All(results, r => Assert.Equal("home", r.Peer));
        Assert.Empty(_runner.Latest());
    }

    /// <summary>Waits until the check's result is that of its call number <paramref name="calls"/>: that run is over.</summary>
    private void WaitFor(string name, int calls) =>
        Wait.Until(() => _runner.Latest().FirstOrDefault(l => l.Check.Name == name).Result?.Latency?.Ticks >= calls, $"{name} ran {calls} times");

    private CheckResult WaitForResult(string name, Func<CheckResult?, bool> condition)
    {
        CheckResult? found = null;
        Wait.Until(
            () =>
            {
                found = _runner.Latest().FirstOrDefault(l => l.Check.Name == name).Result;
                return condition(found);
            },
            $"{name} has the result");
        return found!;
    }
}

/// <summary>An executor that counts its calls, can hold them at a gate, and answers what the test says.</summary>
internal sealed class FakeExecutor : ICheckExecutor
{
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private int _running;
    private int _most;

    public Func<CheckConfig, CheckResult>? Outcome { get; set; }

    public Task? Gate { get; set; }

    public int Running => Volatile.Read(ref _running);

    public int MostAtOnce => Volatile.Read(ref _most);

    public int Calls(string name) => _calls.GetValueOrDefault(name);

    public async Task<CheckResult> RunAsync(CheckConfig check, CancellationToken stop)
    {
        int call = _calls.AddOrUpdate(check.Name, 1, (_, n) => n + 1);
        int now = Interlocked.Increment(ref _running);
        int most;
        while (now > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, most) != most)
        {
        }

        try
        {
            if (Gate is Task gate)
            {
                await gate.WaitAsync(stop);
            }

            // The call's number rides in the latency, so a test can tell which run a result is from.
            return (Outcome is null ? new CheckResult { Ok = true, At = DateTimeOffset.UnixEpoch } : Outcome(check)) with { Latency = TimeSpan.FromTicks(call) };
        }
        finally
        {
            _ = Interlocked.Decrement(ref _running);
        }
    }
}

/// <summary>Every target sits behind "home", which handshakes as the test says.</summary>
internal sealed class FakeTunnel : ITunnelPeers
{
    public volatile bool Handshaking;

    public Exception? Failure { get; set; }

    public string? PeerOf(CheckConfig check) => check.Peer ?? "home";

    public bool? IsHandshaking(string peer) => Failure is Exception failure ? throw failure : Handshaking;
}
