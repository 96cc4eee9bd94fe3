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

    /// <summary>holt.toml on a machine that runs only the guard (<c>holt guard run</c>): [guard] alone, no [gateway].</summary>
    public static ConfigFormat GuardOnlyFormat { get; } = new([GuardSection.Instance]);

    /// <summary>The store named by <c>--config</c>, else <c>HOLT_CONFIG</c>, else <c>/etc/holt/holt.toml</c>.</summary>
    public static ConfigStore Resolve(string? option) => ConfigStore.Resolve(option, Format);

    /// <summary>
    /// The store for <c>holt guard run</c>: the whole format when the file has a gateway, else the guard's alone,
    /// so a server that runs no gateway needs no [gateway] to be guarded. A file that cannot be read or parsed
    /// gets the whole format, whose load then says what is wrong with it.
    /// </summary>
    public static ConfigStore ResolveForGuard(string? option)
    {
        ConfigStore store = Resolve(option);
        try
        {
            // Read as the store reads it: a FIFO or device as holt.toml is never waited on, only reported by Load.
            if (Storage.UnixFile.ReadRegular(store.Path, ConfigStore.MaxBytes, out _) is not byte[] bytes)
            {
                return store;
            }

            TomlTable root = TomlTree.Parse(new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes), store.Path);
            return root.Entries.Any(e => e.Key is "gateway" or "peer") ? store : ConfigStore.Resolve(store.Path, GuardOnlyFormat);
        }
        catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException or System.Text.DecoderFallbackException)
        {
            return store;
        }
    }
}
