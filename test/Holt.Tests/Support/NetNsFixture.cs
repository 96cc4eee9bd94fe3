using Xunit.Abstractions;

namespace Holt.Tests.Support;

/// <summary>
/// One namespace per test class (<c>IClassFixture&lt;NetNsFixture&gt;</c>). Without root the namespace is not
/// created and each test reports the reason and returns, as xunit 2 has no runtime skip; on CI (CI=true), which
/// runs as root, that fails the test instead.
/// </summary>
public sealed class NetNsFixture : IDisposable
{
    private readonly NetNs? _ns = NetNs.Unavailable is null ? NetNs.Create() : null;

    /// <summary>The class's namespace, or null after reporting (or failing, on CI) why there is none.</summary>
    internal NetNs? GetOrSkip(ITestOutputHelper output)
    {
        if (_ns is not null)
        {
            return _ns;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(NetNs.Unavailable);
        }

        output.WriteLine("SKIPPED: " + NetNs.Unavailable);
        return null;
    }

    public void Dispose() => _ns?.Dispose();
}
