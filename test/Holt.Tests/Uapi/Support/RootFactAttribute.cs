namespace Holt.Tests.Uapi.Support;

/// <summary>
/// A test that needs root (to serve sockets in /var/run/wireguard, where <c>wg</c> looks) and the real <c>wg</c>.
/// Without them it is skipped with the reason, except when CI=true: CI runs as root, so there a missing
/// requirement is a failure, reported by <see cref="Require"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!IsCi && Missing() is string reason)
        {
            Skip = reason;
        }
    }

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fails the test if a requirement is missing (only reachable on CI, which does not skip).</summary>
    public static void Require()
    {
        if (Missing() is string reason)
        {
            Assert.Fail(reason);
        }
    }

    private static string? Missing()
    {
        if (!IsRoot())
        {
            return "needs root: the control socket interop tests serve /var/run/wireguard/*.sock for the real wg";
        }

        return File.Exists(WgCli.Path) ? null : $"needs wireguard-tools' wg at {WgCli.Path}";
    }

    /// <summary>The effective uid from /proc, so no interop is needed for the check.</summary>
    private static bool IsRoot()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                string[] ids = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                return ids.Length > 2 && ids[2] == "0";
            }
        }

        return false;
    }
}
