using System.Net;
using System.Text;
using Holt.Config;
using Holt.Gateway;
using Holt.Monitor;

namespace Holt.Dashboard;

/// <summary>
/// holt.toml's <c>[dashboard]</c>: the web page of the daemon. It listens on the gateway's own VPN addresses
/// (reachable through the tunnel, never from the internet) and on loopback (for an SSH port forward), on one port.
/// </summary>
internal sealed record DashboardConfig
{
    /// <summary>Next to the metrics' 9586; a high port, so a web server on 0.0.0.0:80 does not stand in its way.</summary>
    public const int DefaultPort = 9587;

    public static DashboardConfig Default { get; } = new();

    public bool Enabled { get; init; } = true;

    public int Port { get; init; } = DefaultPort;

    /// <summary>Where the dashboard listens for <paramref name="gateway"/>: its VPN addresses and loopback.</summary>
    public IReadOnlyList<IPEndPoint> ListenFor(GatewayConfig gateway)
    {
        var listen = new List<IPEndPoint> { new(gateway.Address, Port) };
        if (gateway.Address6 is IPAddress six)
        {
            listen.Add(new IPEndPoint(six, Port));
        }

        listen.Add(new IPEndPoint(IPAddress.Loopback, Port));
        return listen;
    }
}

/// <summary>
/// The <c>[dashboard]</c> table. Optional: without it the dashboard runs with <see cref="DashboardConfig.Default"/>,
/// and the file is written without it.
/// </summary>
internal sealed class DashboardSection : ConfigSection<DashboardConfig>
{
    public static DashboardSection Instance { get; } = new();

    public override IReadOnlyList<SectionKey> Keys { get; } = [new("dashboard", IsArray: false)];

    public override object? Read(SectionTables tables)
    {
        if (tables.Table("dashboard") is not TableReader table)
        {
            return null;
        }

        table.RefuseUnknown("enabled", "port");
        return new DashboardConfig
        {
            Enabled = table.OptionalBoolean("enabled") ?? true,
            Port = (int)(table.OptionalInteger("port", 1, 65535) ?? DashboardConfig.DefaultPort),
        };
    }

    /// <summary>The dashboard and the metrics cannot share a port on an address both listen on.</summary>
    public override void Check(HoltConfig config, ConfigChecker checker)
    {
        DashboardConfig dashboard = config.Dashboard;
        MetricsConfig metrics = config.Monitor.Metrics;
        if (!dashboard.Enabled || !metrics.Enabled || config.Find<GatewayConfig>() is not GatewayConfig gateway)
        {
            return;
        }

        IReadOnlyList<IPEndPoint> scraped = metrics.ListenFor(gateway);
        foreach (IPEndPoint endpoint in dashboard.ListenFor(gateway))
        {
            if (scraped.Any(s => s.Port == endpoint.Port && (s.Address.Equals(endpoint.Address) || s.Address.Equals(IPAddress.Any) || s.Address.Equals(IPAddress.IPv6Any))))
            {
                checker.Fail(ConfigPlace.Of("dashboard", "port"), $"[dashboard] port {dashboard.Port} is the port the metrics listen on at {endpoint.Address}; give the dashboard another one");
                return;
            }
        }
    }

    public override void Write(HoltConfig config, StringBuilder text)
    {
        if (config.Find<DashboardConfig>() is not DashboardConfig dashboard || dashboard.Equals(DashboardConfig.Default))
        {
            return;
        }

        text.Append("\n# The web dashboard at http://VPN-ADDRESS:PORT/, for admin peers (and over an SSH forward to 127.0.0.1).\n");
        text.Append("[dashboard]\n");
        TomlWriter.Flag(text, "enabled", dashboard.Enabled);
        TomlWriter.Number(text, "port", dashboard.Port);
    }
}

/// <summary>The dashboard's part of holt.toml, as <c>config.Dashboard</c>.</summary>
internal static class DashboardSectionAccess
{
    extension(HoltConfig config)
    {
        /// <summary>What the dashboard runs with: the [dashboard] section, or its defaults when the file has none.</summary>
        public DashboardConfig Dashboard => config.Find<DashboardConfig>() ?? DashboardConfig.Default;
    }
}
