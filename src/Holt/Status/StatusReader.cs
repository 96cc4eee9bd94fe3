using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Guard;
using Holt.Nft;
using Holt.Uapi;

namespace Holt.Status;

/// <summary>
/// Builds <see cref="HoltStatus"/>: the gateway of holt.toml with its named peers (and any peer on its interface
/// that holt.toml does not know), every other interface with a control socket, the firewall and the guard. When
/// holt.toml does not read, the gateway that runs with it is still found through its daemon's claim, and shown
/// from the interface itself, with the problem.
/// </summary>
internal static class StatusReader
{
    public static HoltStatus Read(ConfigStore store, DateTimeOffset now)
    {
        HoltConfig? config = null;
        string? problem = null;
        if (store.Exists)
        {
            try
            {
                config = store.Load();
            }
            catch (CommandException e)
            {
                problem = e.Message;
            }
        }

        var interfaces = new List<InterfaceView>();
        GatewayConfig? gateway = config?.Gateway;
        string? gatewayName = gateway?.Interface ?? GatewayClaim.Running().FirstOrDefault(c => c.Config == store.Path)?.Interface;
        if (gateway is not null)
        {
            interfaces.Add(Gateway(gateway, now));
        }
        else if (gatewayName is not null)
        {
            interfaces.Add(Unknown(gatewayName, "gateway"));
        }

        interfaces.AddRange(Others(gatewayName));
        return new HoltStatus
        {
            Config = store.Path,
            ConfigProblem = problem,
            Interfaces = interfaces,
            Firewall = gatewayName is null ? null : Firewall(gatewayName, config, now),
            Guard = Guard(),
        };
    }

    /// <summary>The firewall of the gateway <paramref name="name"/>; <paramref name="config"/> is null while holt.toml does not read.</summary>
    public static FirewallView Firewall(string name, HoltConfig? config, DateTimeOffset now)
    {
        string? loaded = FirewallTable.Loaded(name);
        GatewayState? state = null;
        try
        {
            state = StateStore.Load(name);
        }
        catch (CommandException)
        {
            // A damaged state file: the table's integrity is unknown, and shown as not intact.
        }

        PendingView? pending = FirewallRuntime.ReadPending(name) is (_, DateTimeOffset deadline)
            ? new PendingView(deadline, (int)Math.Max(0, Math.Ceiling((deadline - now).TotalSeconds)), state?.KeepSsh)
            : null;
        return new FirewallView
        {
            Enabled = config?.Firewall.Enabled,
            Table = Ruleset.TableName(name),
            Loaded = loaded is not null,
            Intact = loaded is not null && loaded == state?.TableDigest,
            SshPorts = config?.Firewall.SshPorts ?? [],
            Exposures = config?.Exposures.Count ?? 0,
            Pending = pending,
            Repairs = RepairLog.Read(FirewallRuntime.RepairsPath(name)),
        };
    }

    private static GuardView Guard()
    {
        IReadOnlyList<JailStatus>? jails = GuardStatus.ReadRunning();
        return new GuardView
        {
            Running = jails is not null,
            Banned = BanTable.List().Count,
            Jails = jails ?? [],
            Repairs = RepairLog.Read(GuardDaemonService.RepairsPath),
        };
    }

    private static InterfaceView Gateway(GatewayConfig gateway, DateTimeOffset now)
    {
        DeviceStatus? device = WireGuardControl.For(gateway).TryGet();
        var known = gateway.Peers.Select(p => p.PublicKey).ToHashSet(StringComparer.Ordinal);
        return new InterfaceView
        {
            Name = gateway.Interface,
            Role = "gateway",
            Running = device is not null,
            Backend = gateway.Backend == Backend.Kernel ? "kernel" : "engine",
            PublicKey = GatewaySection.PublicKeyOf(gateway.PrivateKey),
            ListenPort = device?.ListenPort ?? gateway.ListenPort,
            Peers = PeerView.Build(gateway, StateStore.Load(gateway.Interface), device, now),
            TunnelPeers = device?.Peers.Where(p => !known.Contains(p.PublicKey)).Select(ToView).ToList() ?? [],
        };
    }

    /// <summary>An interface known only by its name: whatever its control socket says.</summary>
    private static InterfaceView Unknown(string name, string role)
    {
        DeviceStatus? device = new EngineControl(name).TryGet();
        return new InterfaceView
        {
            Name = name,
            Role = role,
            Running = device is not null,
            PublicKey = device?.PublicKey,
            ListenPort = device?.ListenPort,
            TunnelPeers = device?.Peers.Select(ToView).ToList() ?? [],
        };
    }

    private static IEnumerable<InterfaceView> Others(string? gatewayName)
    {
        if (!Directory.Exists(UapiServer.SocketDirectory))
        {
            yield break;
        }

        foreach (string socket in Directory.EnumerateFiles(UapiServer.SocketDirectory, "*.sock").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(socket);
            if (name == gatewayName || !Holt.Tunnel.InterfaceName.IsValid(name))
            {
                continue;
            }

            InterfaceView view = Unknown(name, "tunnel");
            if (view.Running)
            {
                yield return view;
            }
        }
    }

    private static TunnelPeerView ToView(PeerStatus p) => new(p.PublicKey, p.Endpoint, p.LatestHandshake, p.RxBytes, p.TxBytes, p.AllowedIps);
}
