using System.Net;
using System.Net.Sockets;
using Holt.External;
using Holt.Machine;
using Holt.Tunnel;
using Holt.Uapi;
using Microsoft.Extensions.Logging;

namespace Holt.Gateway;

/// <summary>
/// A gateway's interface for as long as its daemon runs: checked against everything else on the machine first
/// (another gateway's interface, port or subnet, a program on the UDP port, an address already in the subnet),
/// then created, given its peers, addresses and MTU, with forwarding on and the daemon's claim written to
/// /run/holt. <see cref="TearDown"/> removes the interface and the claim; the nftables tables are not its business.
/// </summary>
internal sealed partial class GatewayRuntime : IDisposable
{
    private readonly GatewayInterface _network;

    private GatewayRuntime(GatewayConfig config, GatewayInterface network, WireGuardControl control)
    {
        Config = config;
        _network = network;
        Control = control;
    }

    public GatewayConfig Config { get; }

    public WireGuardControl Control { get; }

    /// <summary>The engine's drop counters (null on the kernel backend).</summary>
    public EngineDrops? Drops() => _network.Drops();

    /// <summary>Cancelled when the interface disappears from under the daemon.</summary>
    public CancellationToken Gone => _network.Gone;

    /// <summary>Creates and configures the interface. The caller holds the configuration lock.</summary>
    /// <exception cref="CommandException">Something holds what the gateway needs, or a step failed; nothing is left behind.</exception>
    public static GatewayRuntime BringUp(GatewayConfig config, string configPath, DateTimeOffset now, ILogger logger)
    {
        WireGuardControl control = WireGuardControl.For(config);
        if (control.TryGet() is not null)
        {
            if (config.Backend != Backend.Kernel || PidFile.ReadLive(config.Interface) is not null)
            {
                int? pid = config.Backend == Backend.Kernel ? PidFile.ReadLive(config.Interface) : UapiClient.ServerProcess(config.Interface);
                throw new CommandException($"the gateway interface {config.Interface} is already running{(pid is int p ? $" (pid {p})" : "")}");
            }

            // A kernel interface outlives a daemon killed with -9; without a live daemon it is a leftover.
            LogLeftover(logger, config.Interface);
            _ = ExternalTool.TryRun("ip", ["link", "del", "dev", config.Interface]);
        }

        CheckConflicts(config, configPath);
        GatewayInterface network = GatewayInterface.Create(config, logger);
        try
        {
            // A fresh interface counts from zero for every peer.
            GatewayState state = StateStore.Load(config.Interface);
            state.RulesetDigest = null;
            foreach (PeerTraffic traffic in state.Peers.Values)
            {
                traffic.DeviceRx = 0;
                traffic.DeviceTx = 0;
            }

            if (!StateStore.TrySave(config.Interface, state, out string? unsaved))
            {
                // A full disk must not keep the gateway down: the counters start afresh either way, and the totals
                // go on from the last saved sample once there is room.
                LogStateUnsaved(logger, unsaved);
            }

            DeviceStatus status = control.TryGet() ?? throw new CommandException($"interface {config.Interface} vanished while starting");
            GatewayApplier.ApplyPeers(config, control, status, now, problem => LogStateUnsaved(logger, problem));
            GatewayInterface.Configure(config);
            Forwarding.Enable(config, logger);
            Reconnect(config, control, state, now, logger);
            PidFile.Write(config.Interface);
            GatewayClaim.Write(config, configPath);
            return new GatewayRuntime(config, network, control);
        }
        catch
        {
            GatewayClaim.Delete(config.Interface);
            PidFile.Delete(config.Interface);
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A restart (after a crash, an OOM kill, holt down and up) leaves the peers with sessions this new interface
    /// does not know. They would find out only when a reply fails to come, about 15 s after they next send. So the
    /// gateway starts the handshakes itself for the peers that handshook within a session's lifetime (Reject-After-Time,
    /// 180 s): it gives each the endpoint the last run saw, and sends one datagram to its VPN address (the discard
    /// port), which the engine holds while it initiates. A peer that moved meanwhile is only asked in vain.
    /// </summary>
    private static void Reconnect(GatewayConfig config, WireGuardControl control, GatewayState state, DateTimeOffset now, ILogger logger)
    {
        List<(PeerConfig Peer, string Endpoint)> recent = config.Peers
            .Where(p => p.IsActive(now) && state.Peers.TryGetValue(p.PublicKey, out PeerTraffic? t) &&
                t.LastEndpoint is not null && t.LastHandshake is DateTimeOffset seen && now - seen <= s_sessionLifetime && now >= seen)
            .Select(p => (p, state.Peers[p.PublicKey].LastEndpoint!))
            .ToList();
        if (recent.Count == 0)
        {
            return;
        }

        try
        {
            control.SetEndpoints(recent.Select(r => (r.Peer.PublicKey, r.Endpoint)).ToList());
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            foreach ((PeerConfig peer, _) in recent)
            {
                _ = socket.SendTo([0], new IPEndPoint(peer.Address, DiscardPort));
            }

            LogReconnecting(logger, recent.Count);
        }
        catch (Exception e) when (e is CommandException or SocketException)
        {
            // The peers reconnect by themselves, only later.
            LogReconnectFailed(logger, e.Message);
        }
    }

    private const int DiscardPort = 9;

    private static readonly TimeSpan s_sessionLifetime = TimeSpan.FromSeconds(180);

    /// <summary>Saves nothing and removes the interface and the claim (the daemon saved the totals before).</summary>
    public void TearDown()
    {
        GatewayClaim.Delete(Config.Interface);
        PidFile.Delete(Config.Interface);
        _network.Dispose();
    }

    public void Dispose() => _network.Dispose();

    /// <summary>Whether two configurations give the interface the same addresses and MTU.</summary>
    public static bool SameAddressing(GatewayConfig a, GatewayConfig b) =>
        a.Subnet == b.Subnet && a.Subnet6 == b.Subnet6 && Equals(a.Address, b.Address) && Equals(a.Address6, b.Address6) && a.Mtu == b.Mtu;

    /// <summary>
    /// Gives the running interface the new addresses and MTU of a hand edit: the new address goes on before the old
    /// one comes off, so the gateway stays reachable through the tunnel throughout.
    /// </summary>
    /// <exception cref="CommandException">ip refused a step.</exception>
    public static void Readdress(GatewayConfig before, GatewayConfig after, ILogger logger)
    {
        GatewayInterface.Configure(after);
        if (!Equals(before.Address, after.Address) || before.Subnet.PrefixLength != after.Subnet.PrefixLength)
        {
            _ = ExternalTool.TryRun("ip", ["-4", "address", "del", $"{before.Address}/{before.Subnet.PrefixLength}", "dev", before.Interface]);
        }

        if (before.Address6 is IPAddress old6 && before.Subnet6 is IPNetwork oldSubnet6 &&
            (!Equals(old6, after.Address6) || oldSubnet6.PrefixLength != after.Subnet6?.PrefixLength))
        {
            _ = ExternalTool.TryRun("ip", ["-6", "address", "del", $"{old6}/{oldSubnet6.PrefixLength}", "dev", before.Interface]);
        }

        LogReaddressed(logger, after.Interface, after.Address, after.Subnet.PrefixLength, after.Mtu);
    }

    /// <summary>
    /// Refuses what another gateway or program already holds: the interface name, the UDP port, the subnets (a
    /// running gateway's, or an address on any other interface inside them). Each refusal names the holder.
    /// </summary>
    private static void CheckConflicts(GatewayConfig config, string configPath)
    {
        foreach (GatewayClaim other in GatewayClaim.Running())
        {
            if (other.Interface == config.Interface)
            {
                continue;
            }

            string holder = $"gateway {other.Interface} ({other.Config}, pid {other.Pid})";
            if (other.Port == config.ListenPort)
            {
                throw new CommandException($"UDP port {config.ListenPort} is held by {holder}; choose another listen_port in {configPath}");
            }

            foreach (IPNetwork mine in config.VpnSubnets)
            {
                if (other.Subnets.FirstOrDefault(theirs => Overlaps(mine, theirs)) is IPNetwork taken && taken != default)
                {
                    throw new CommandException($"the subnet {mine} overlaps {taken} of {holder}; give this gateway another subnet in {configPath}");
                }
            }
        }

        foreach (LocalAddress local in LocalAddresses.All())
        {
            if (local.Interface == config.Interface || IPAddress.IsLoopback(local.Address))
            {
                continue;
            }

            foreach (IPNetwork mine in config.VpnSubnets)
            {
                if (mine.Contains(local.Address) || (local.PrefixLength > 0 && local.Network.Contains(mine.BaseAddress)))
                {
                    throw new CommandException($"the subnet {mine} overlaps {local.Address}/{local.PrefixLength} on interface {local.Interface}; give this gateway another subnet in {configPath}");
                }
            }
        }

        if (PortProblem(config.ListenPort) is string problem)
        {
            throw new CommandException($"UDP port {config.ListenPort} {problem}; choose another listen_port in {configPath}");
        }
    }

    /// <summary>Whether the UDP port can be bound for IPv4 and IPv6 now; the reason when it cannot.</summary>
    private static string? PortProblem(int port)
    {
        foreach (AddressFamily family in (ReadOnlySpan<AddressFamily>)[AddressFamily.InterNetwork, AddressFamily.InterNetworkV6])
        {
            try
            {
                using var probe = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
                if (family == AddressFamily.InterNetworkV6)
                {
                    probe.DualMode = false;
                }

                probe.Bind(new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, port));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return "is in use by another program (ss -ulpn shows which)";
            }
            catch (SocketException)
            {
                // No IPv6 here (EAFNOSUPPORT, EOPNOTSUPP, EADDRNOTAVAIL): the engine opens only what it can.
            }
        }

        return null;
    }

    private static bool Overlaps(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Problem}; the gateway comes up all the same, and its totals are saved once there is room")]
    private static partial void LogStateUnsaved(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "asking {Count} recently connected peers to reconnect")]
    private static partial void LogReconnecting(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot ask the peers to reconnect: {Problem}")]
    private static partial void LogReconnectFailed(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "removing interface {Name}, left by a gateway daemon that is no longer running")]
    private static partial void LogLeftover(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "interface {Name} now has {Address}/{Prefix}, MTU {Mtu}")]
    private static partial void LogReaddressed(ILogger logger, string name, IPAddress address, int prefix, int mtu);
}
