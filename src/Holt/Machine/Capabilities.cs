using System.Globalization;

namespace Holt.Machine;

/// <summary>
/// The capabilities this process holds, from the <c>CapEff</c> line of <c>/proc/self/status</c>. Holt asks for the
/// capability itself rather than for uid 0: a service given CAP_NET_ADMIN (systemd's AmbientCapabilities) works,
/// and root in a container that dropped it is told why it fails.
/// </summary>
internal static class Capabilities
{
    /// <summary>CAP_NET_ADMIN: interfaces, addresses, routes and nftables.</summary>
    public const int NetAdmin = 12;

    /// <summary>What the command line says when the process lacks <see cref="NetAdmin"/>.</summary>
    public const string NetAdminMissing = "needs root (CAP_NET_ADMIN)";

    /// <summary>
    /// Whether the process holds CAP_NET_ADMIN. True when the status cannot be read (no /proc): the kernel refuses
    /// then what it must, and Holt never blocks what might have worked.
    /// </summary>
    public static bool HasNetAdmin() => Has(NetAdmin);

    public static bool Has(int capability)
    {
        string text;
        try
        {
            text = File.ReadAllText("/proc/self/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }

        return EffectiveOf(text) is not ulong effective || (effective & (1UL << capability)) != 0;
    }

    /// <summary>The effective set of a /proc/PID/status text (a hexadecimal mask), or null when it has none.</summary>
    internal static ulong? EffectiveOf(string status)
    {
        foreach (string line in status.Split('\n'))
        {
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
            {
                return ulong.TryParse(line.AsSpan("CapEff:".Length).Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong mask)
                    ? mask
                    : null;
            }
        }

        return null;
    }
}
