using System.Net;
using Holt.WireGuard.IO;
using Holt.WireGuard.Noise;
using Microsoft.Extensions.Time.Testing;

namespace Holt.WireGuard.Tests.Noise;

public sealed class HandshakeRateLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    private static Endpoint At(string address, ushort port = 1000) => Endpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse(address), port));

    private static int Allowed(HandshakeRateLimiter limiter, Endpoint source, int attempts) =>
        Enumerable.Range(0, attempts).Count(_ => limiter.Allow(source));

    [Fact]
    public void Burst_ThenOneEveryFiftyMilliseconds()
    {
        var limiter = new HandshakeRateLimiter(_time);
        Endpoint source = At("198.51.100.1");
        Assert.Equal(Limits.HandshakeBurstPerSource, Allowed(limiter, source, 50));

        _time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.False(limiter.Allow(source));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(limiter.Allow(source));
        Assert.False(limiter.Allow(source));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(Limits.HandshakeBurstPerSource, Allowed(limiter, source, 50));
    }

    [Fact]
    public void Sources_AreIndependent_ButNotTheirPorts()
    {
        var limiter = new HandshakeRateLimiter(_time);
        Assert.Equal(Limits.HandshakeBurstPerSource, Allowed(limiter, At("198.51.100.1", 1), 20));
        Assert.Equal(0, Allowed(limiter, At("198.51.100.1", 2), 20));
        Assert.Equal(Limits.HandshakeBurstPerSource, Allowed(limiter, At("198.51.100.2", 1), 20));
    }

    [Fact]
    public void IPv6_IsLimitedPerSlash64()
    {
        var limiter = new HandshakeRateLimiter(_time);
        Assert.Equal(Limits.HandshakeBurstPerSource, Allowed(limiter, At("2001:db8:1:2::1"), 20));
        Assert.Equal(0, Allowed(limiter, At("2001:db8:1:2:ffff::9"), 20));
        Assert.Equal(Limits.HandshakeBurstPerSource, Allowed(limiter, At("2001:db8:1:3::1"), 20));
    }

    [Fact]
    public void IdleEntries_AreForgotten()
    {
        var limiter = new HandshakeRateLimiter(_time);
        for (int i = 0; i < 100; i++)
        {
            limiter.Allow(At($"198.51.100.{i}"));
        }

        Assert.Equal(100, limiter.Count);
        _time.Advance(TimeSpan.FromSeconds(2));
        limiter.Allow(At("203.0.113.1"));
        Assert.Equal(1, limiter.Count);
    }
}
