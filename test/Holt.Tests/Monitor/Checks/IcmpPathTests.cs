using Holt.Monitor.Checks;
using Holt.Tests.Support;
using Xunit.Abstractions;

namespace Holt.Tests.Monitor.Checks;

/// <summary>
/// The icmp check's size on a real path between two namespaces of the test's own: a link whose far end takes
/// smaller frames than the near end sends is an MTU black hole, where a small ping passes and a sized one loses
/// everything; and a near end with a small MTU proves Don't Fragment, since without it the kernel would fragment
/// the sized ping and the far end would answer it.
/// </summary>
public sealed class IcmpPathTests(ITestOutputHelper output) : IDisposable
{
    private readonly NetNs? _near = NetNs.Unavailable is null ? NetNs.Create() : null;
    private readonly NetNs? _far = NetNs.Unavailable is null ? NetNs.Create() : null;

    public void Dispose()
    {
        _near?.Dispose();
        _far?.Dispose();
    }

    [Fact]
    public void ABlackHole_FailsTheSizedPing_WhileASmallOnePasses()
    {
        if (Skipped())
        {
            return;
        }

        Link(nearMtu: 1500, farMtu: 1280);

        CheckResult small = Ping(size: null);
        CheckResult sized = Ping(size: 1400, silence: true);
        CheckResult fits = Ping(size: 1280);

        Assert.True(small.Ok, small.Error);
        Assert.True(fits.Ok, fits.Error);
        Assert.False(sized.Ok);
        Assert.Equal("10.77.0.2 answered none of 2 pings of 1400 bytes with Don't Fragment: nothing came back within 2s (an MTU black hole, if a small ping passes)", sized.Error);
    }

    [Fact]
    public void ASizedPing_IsNeverFragmented()
    {
        if (Skipped())
        {
            return;
        }

        Link(nearMtu: 1280, farMtu: 1500);

        CheckResult sized = Ping(size: 1400);

        Assert.False(sized.Ok);
        Assert.Equal("10.77.0.2 answered none of 2 pings of 1400 bytes with Don't Fragment: sending to 10.77.0.2: message too long for the path (Don't Fragment)", sized.Error);
    }

    private void Link(int nearMtu, int farMtu)
    {
        _near!.Ip($"link add v0 mtu {nearMtu} type veth peer name v1 mtu {farMtu} netns {_far!.Name}");
        _near.Ip("addr add 10.77.0.1/24 dev v0");
        _near.Ip("link set v0 up");
        _far.Ip("addr add 10.77.0.2/24 dev v1");
        _far.Ip("link set v1 up");
    }

    /// <summary>
    /// Pings through the test's link. Only a ping that must meet silence waits the short timeout; the others get a
    /// long one, which they never use up unless the machine is too busy to answer in time.
    /// </summary>
    private CheckResult Ping(int? size, bool silence = false) => _near!.Run(() => new CheckExecutor(TimeProvider.System).RunAsync(
        new CheckConfig
        {
            Name = "ping",
            Type = CheckType.Icmp,
            Target = "10.77.0.2",
            Count = 2,
            Size = size,
            Timeout = TimeSpan.FromSeconds(silence ? 2 : 20),
            Interval = TimeSpan.FromSeconds(60),
        },
        CancellationToken.None).GetAwaiter().GetResult());

    private bool Skipped()
    {
        if (NetNs.Unavailable is null)
        {
            return false;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(NetNs.Unavailable);
        }

        output.WriteLine("SKIPPED: " + NetNs.Unavailable);
        return true;
    }
}
