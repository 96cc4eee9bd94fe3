using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Guard;
using Holt.Machine;
using Holt.Nft;
using Holt.Uapi;

namespace Holt.Status;

/// <summary>
/// Builds <see cref="HoltStatus"/>: the gateway of holt.toml with its named peers (and any peer on its interface
/// that holt.toml does not know), every other interface with a control socket, the firewall and the guard. When
/// holt.toml does not read, the gateway that runs with it is still found through its daemon's claim, and shown
/// from the interface itself, with the problem. What this process may not read (a user without CAP_NET_ADMIN, root's
/// files and sockets) is left unknown and said in <see cref="HoltStatus.Unread"/>, never shown as empty or down.
/// </summary>
internal static class StatusReader
{
    /// <param name="store">holt.toml.</param>
    /// <param name="now">The time the status is for.</param>
    /// <param name="loaded">
    /// The configuration the daemon runs with, to show instead of reading the file again (the metrics read the status
    /// every scrape, and 1,000 peers take a while to parse); null to read the file.
    /// </param>
    /// <param name="tables">
    /// Whether to read the firewall's and the guard's nftables tables too (two <c>nft</c> runs); without them
    /// <see cref="HoltStatus.Firewall"/> and <see cref="HoltStatus.Guard"/> are left out.
    /// </param>
    public static HoltStatus Read(ConfigStore store, DateTimeOffset now, HoltConfig? loaded = null, bool tables = true)
    {
        HoltConfig? config = loaded;
        string? problem = null;
        if (config is null && store.Exists)
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
        var unread = new List<string>();
        GatewayConfig? gateway = config?.Gateway;
        string? gatewayName = gateway?.Interface ?? GatewayClaim.Running().FirstOrDefault(c => c.Config == store.Path)?.Interface;
        if (gateway is not null)
        {
            interfaces.Add(Gateway(gateway, now, unread));
        }
        else if (gatewayName is not null)
        {
            interfaces.Add(Unknown(gatewayName, "gateway", unread));
        }

        interfaces.AddRange(Others(gatewayName, unread));
        FirewallView? firewall = gatewayName is null || !tables ? null : Firewall(gatewayName, config, now, unread);
        GuardView? guard = tables ? Guard(unread) : null;
        return new HoltStatus
        {
            Config = store.Path,
            ConfigProblem = problem,
            Interfaces = interfaces,
            Firewall = firewall,
            Guard = guard,
            Unread = unread,
        };
    }

    /// <summary>The firewall of the gateway <paramref name="name"/>; <paramref name="config"/> is null while holt.toml does not read.</summary>
    private static FirewallView Firewall(string name, HoltConfig? config, DateTimeOffset now, List<string> unread)
    {
        // nft lists nothing to a process that may not read nftables, just as when the table is not there.
        bool readable = Capabilities.HasNetAdmin();
        string? listing = readable ? NftTables.ListJson(Ruleset.TableName(name)) : null;
        string? loaded = listing is null ? null : NftCanonical.Digest(listing);
        if (!readable)
        {
            unread.Add($"cannot read table inet {Ruleset.TableName(name)}: {Capabilities.NetAdminMissing}");
        }

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
            Loaded = readable ? loaded is not null : null,
            Intact = readable ? loaded is not null && loaded == state?.TableDigest : null,
            SshPorts = config?.Firewall.SshPorts ?? [],
            Exposures = config?.Exposures.Count ?? 0,
            Pending = pending,
            Repairs = RepairLog.Read(FirewallRuntime.RepairsPath(name)),
            Counters = readable ? (listing is null ? FirewallCounters.None : FirewallCounters.Read(listing)) : null,
        };
    }

    private static GuardView Guard(List<string> unread)
    {
        IReadOnlyList<JailStatus>? jails = GuardStatus.ReadRunning();
        bool? running = jails is not null;
        if (jails is null && Denied(GuardStatus.PathFor()))
        {
            running = null;
            unread.Add($"cannot read {GuardStatus.PathFor()}: permission denied");
        }

        int? banned = null;
        try
        {
            banned = BanTable.List().Count;
        }
        catch (CommandException e)
        {
            unread.Add(e.Message);
        }

        return new GuardView
        {
            Running = running,
            Banned = banned,
            Jails = jails ?? [],
            Repairs = RepairLog.Read(GuardDaemonService.RepairsPath),
        };
    }

    private static InterfaceView Gateway(GatewayConfig gateway, DateTimeOffset now, List<string> unread)
    {
        (DeviceStatus? device, bool? running) = Device(WireGuardControl.For(gateway), unread);
        var known = gateway.Peers.Select(p => p.PublicKey).ToHashSet(StringComparer.Ordinal);
        return new InterfaceView
        {
            Name = gateway.Interface,
            Role = "gateway",
            Running = running,
            Backend = gateway.Backend == Backend.Kernel ? "kernel" : "engine",
            PublicKey = GatewaySection.PublicKeyOf(gateway.PrivateKey),
            ListenPort = device?.ListenPort ?? gateway.ListenPort,
            Peers = PeerView.Build(gateway, State(gateway.Interface, unread), device, now),
            TunnelPeers = device?.Peers.Where(p => !known.Contains(p.PublicKey)).Select(ToView).ToList() ?? [],
        };
    }

    /// <summary>An interface known only by its name: whatever its control socket says.</summary>
    private static InterfaceView Unknown(string name, string role, List<string> unread)
    {
        (DeviceStatus? device, bool? running) = Device(new EngineControl(name), unread);
        return new InterfaceView
        {
            Name = name,
            Role = role,
            Running = running,
            PublicKey = device?.PublicKey,
            ListenPort = device?.ListenPort,
            TunnelPeers = device?.Peers.Select(ToView).ToList() ?? [],
        };
    }

    /// <summary>The interface's state, and whether it runs: null when this process may not ask (the reason goes to <paramref name="unread"/>).</summary>
    private static (DeviceStatus? Device, bool? Running) Device(WireGuardControl control, List<string> unread)
    {
        // wg show fails alike for an interface that is not there and for a process that may not ask the kernel.
        if (control is KernelControl && !Capabilities.HasNetAdmin())
        {
            unread.Add($"cannot read interface {control.InterfaceName}: {Capabilities.NetAdminMissing}");
            return (null, null);
        }

        try
        {
            DeviceStatus? device = control.TryGet();
            return (device, device is not null);
        }
        catch (CommandException e)
        {
            // Root's control socket seen by another user, or one that does not answer: unknown, not down.
            unread.Add(e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AccessDenied }
                ? $"cannot read interface {control.InterfaceName}: permission denied on {UapiServer.SocketPathFor(control.InterfaceName)} (needs root)"
                : e.Message);
            return (null, null);
        }
    }

    /// <summary>The saved totals and handshakes; empty when they cannot be read, which is said in <paramref name="unread"/>.</summary>
    private static GatewayState State(string name, List<string> unread)
    {
        try
        {
            return StateStore.Load(name);
        }
        catch (CommandException e)
        {
            unread.Add(e.InnerException is UnauthorizedAccessException ? $"cannot read the gateway state {StateStore.PathFor(name)}: permission denied" : e.Message);
            return new GatewayState();
        }
    }

    /// <summary>Whether <paramref name="path"/> exists but this process may not read it (root's 0600 file, another user).</summary>
    private static bool Denied(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static IEnumerable<InterfaceView> Others(string? gatewayName, List<string> unread)
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

            InterfaceView view = Unknown(name, "tunnel", unread);
            if (view.Running is not false)
            {
                yield return view;
            }
        }
    }

    private static TunnelPeerView ToView(PeerStatus p) => new(p.PublicKey, p.Endpoint, p.LatestHandshake, p.RxBytes, p.TxBytes, p.AllowedIps);
}
