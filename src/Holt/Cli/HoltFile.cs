using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Guard;
using Holt.Monitor;

namespace Holt.Cli;

/// <summary>
/// holt.toml's sections in the order they are written: the one place that knows every owner of the file. Each
/// section (reader, checks, writer) lives in its subsystem's folder; Config/ only dispatches between them.
/// </summary>
internal static class HoltFile
{
    public static ConfigFormat Format { get; } = new([GatewaySection.Instance, FirewallSection.Instance, GuardSection.Instance, MonitorSection.Instance, Dashboard.DashboardSection.Instance]);

    /// <summary>The store named by <c>--config</c>, else <c>HOLT_CONFIG</c>, else <c>/etc/holt/holt.toml</c>.</summary>
    public static ConfigStore Resolve(string? option) => ConfigStore.Resolve(option, Format);
}
