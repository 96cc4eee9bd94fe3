using System.Net;
using Holt.External;
using Holt.Tunnel;
using Microsoft.Extensions.Logging;

namespace Holt.Gateway;

/// <summary>
/// The gateway's network interface while the daemon runs: created on the chosen backend, given its addresses and
/// MTU and brought up; disposing it deletes it.
/// </summary>
internal abstract class GatewayInterface : IDisposable
{
    /// <summary>Cancelled when the interface disappears from under the daemon.</summary>
    public abstract CancellationToken Gone { get; }

    /// <exception cref="CommandException">The interface could not be created; nothing is left behind.</exception>
    public static GatewayInterface Create(GatewayConfig config, ILogger logger) => config.Backend switch
    {
        Backend.Kernel => KernelInterface.Create(config.Interface),
        _ => new EngineBacked(EngineInterface.Start(config.Interface, config.Mtu, logger)),
    };

    /// <summary>Addresses, MTU and link up, after the WireGuard configuration is in place.</summary>
    public static void Configure(GatewayConfig config)
    {
        _ = ExternalTool.Run("ip", ["-4", "address", "replace", $"{config.Address}/{config.Subnet.PrefixLength}", "dev", config.Interface]);
        if (config.Address6 is IPAddress address6 && config.Subnet6 is IPNetwork subnet6)
        {
            // nodad: the address is ours alone on a point-to-point tunnel; duplicate detection would only delay it.
            _ = ExternalTool.Run("ip", ["-6", "address", "replace", $"{address6}/{subnet6.PrefixLength}", "dev", config.Interface, "nodad"]);
        }

        _ = ExternalTool.Run("ip", ["link", "set", "dev", config.Interface, "mtu", config.Mtu.ToString(System.Globalization.CultureInfo.InvariantCulture), "up"]);
    }

    public abstract void Dispose();

    /// <summary>The engine's drop counters; null for the kernel module, which has none to give.</summary>
    public virtual EngineDrops? Drops() => null;

    private sealed class EngineBacked(EngineInterface engine) : GatewayInterface
    {
        public override CancellationToken Gone => engine.Gone;

        public override void Dispose() => engine.Dispose();

        public override EngineDrops? Drops() => engine.Drops();
    }

    private sealed class KernelInterface(string name) : GatewayInterface
    {
        private readonly CancellationTokenSource _never = new();

        public override CancellationToken Gone => _never.Token;

        public static KernelInterface Create(string name)
        {
            ToolResult result = ExternalTool.TryRun("ip", ["link", "add", "dev", name, "type", "wireguard"]);
            if (result.ExitCode != 0)
            {
                string reason = result.FirstErrorLine;
                if (reason.Contains("Unknown device type", StringComparison.OrdinalIgnoreCase) ||
                    reason.Contains("not supported", StringComparison.OrdinalIgnoreCase))
                {
                    throw new CommandException($"the kernel has no WireGuard module ({result.CommandLine}: {reason}); set backend = \"engine\" in [gateway] to use Holt's own");
                }

                throw new CommandException($"{result.CommandLine} failed: {reason}");
            }

            return new KernelInterface(name);
        }

        public override void Dispose()
        {
            _ = ExternalTool.TryRun("ip", ["link", "del", "dev", name]);
            _never.Dispose();
        }
    }
}
