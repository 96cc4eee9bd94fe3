using System.Globalization;
using System.Net;
using System.Text;
using Holt.External;
using Holt.Uapi;
using Holt.WireGuard.Keys;

namespace Holt.Gateway;

/// <summary>One peer as the gateway wants it on the interface.</summary>
internal sealed record DesiredPeer(string PublicKey, string? PresharedKey, IReadOnlyList<IPNetwork> AllowedIps, int Keepalive);

/// <summary>The interface's whole WireGuard configuration as the gateway wants it.</summary>
internal sealed record DesiredDevice(string PrivateKey, int ListenPort, IReadOnlyList<DesiredPeer> Peers);

/// <summary>Which peers a sync created afresh on the interface and which it removed.</summary>
internal sealed record SyncResult(IReadOnlyList<string> Created, IReadOnlyList<string> Removed);

/// <summary>
/// Reads and changes a running WireGuard interface, whichever implementation carries it. A sync changes only what
/// differs, as <c>wg syncconf</c> does: a peer whose settings are unchanged keeps its session and counters.
/// </summary>
internal abstract class WireGuardControl(string interfaceName)
{
    public string InterfaceName { get; } = interfaceName;

    public static WireGuardControl For(GatewayConfig config) => config.Backend == Backend.Kernel
        ? new KernelControl(config.Interface)
        : new EngineControl(config.Interface);

    /// <summary>The interface's state, or null when it is not running.</summary>
    public abstract DeviceStatus? TryGet();

    /// <summary>Changes the interface from <paramref name="current"/> (its state just read) to <paramref name="desired"/>.</summary>
    public abstract SyncResult Sync(DesiredDevice desired, DeviceStatus current);

    /// <summary>Sets the endpoints of peers already on the interface (base64 key, "ADDRESS:PORT" as wg prints it).</summary>
    public abstract void SetEndpoints(IReadOnlyList<(string PublicKey, string Endpoint)> endpoints);

    /// <summary>Reads the interface's state, then syncs it.</summary>
    public SyncResult Sync(DesiredDevice desired) =>
        Sync(desired, TryGet() ?? throw new CommandException($"interface {InterfaceName} is not running"));

    protected static SyncResult Compare(DeviceStatus before, DesiredDevice desired)
    {
        var existing = new HashSet<string>(before.Peers.Select(p => p.PublicKey), StringComparer.Ordinal);
        var wanted = new HashSet<string>(desired.Peers.Select(p => p.PublicKey), StringComparer.Ordinal);
        return new SyncResult(
            desired.Peers.Select(p => p.PublicKey).Where(k => !existing.Contains(k)).ToList(),
            existing.Where(k => !wanted.Contains(k)).ToList());
    }

    protected static bool SameAllowedIps(IReadOnlyList<string> current, IReadOnlyList<IPNetwork> wanted)
    {
        var a = new HashSet<string>(current, StringComparer.Ordinal);
        return a.Count == wanted.Count && wanted.All(n => a.Contains(n.ToString()));
    }
}

/// <summary>Holt's engine (or any userspace implementation) through its control socket.</summary>
internal sealed class EngineControl(string interfaceName) : WireGuardControl(interfaceName)
{
    /// <summary>
    /// Null when no one serves the socket, including a socket file left by a process killed with -9. An engine that
    /// this process runs (the gateway daemon's own, sampled by its monitor) is read directly: the same state
    /// without writing and parsing the text.
    /// </summary>
    public override DeviceStatus? TryGet()
    {
        if (UapiServer.TryReadLocal(UapiServer.SocketPathFor(InterfaceName)) is DeviceStatus local)
        {
            return local;
        }

        try
        {
            return UapiClient.TryGet(InterfaceName);
        }
        catch (CommandException) when (!File.Exists(UapiServer.SocketPathFor(InterfaceName)))
        {
            // The interface went away during the exchange.
            return null;
        }
    }

    public override SyncResult Sync(DesiredDevice desired, DeviceStatus current)
    {
        string body = Difference(current, desired);
        if (body.Length > 0)
        {
            UapiClient.Set(InterfaceName, body);
        }

        return Compare(current, desired);
    }

    public override void SetEndpoints(IReadOnlyList<(string PublicKey, string Endpoint)> endpoints)
    {
        var body = new StringBuilder();
        foreach ((string key, string endpoint) in endpoints)
        {
            body.Append("public_key=").Append(Hex(key)).Append("\nupdate_only=true\nendpoint=").Append(endpoint).Append('\n');
        }

        if (body.Length > 0)
        {
            UapiClient.Set(InterfaceName, body.ToString());
        }
    }

    /// <summary>The set request that turns <paramref name="current"/> into <paramref name="desired"/>, or "" if none.</summary>
    internal static string Difference(DeviceStatus current, DesiredDevice desired)
    {
        var body = new StringBuilder();
        using (PrivateKey key = PrivateKey.Parse(desired.PrivateKey))
        {
            if (current.PublicKey != key.PublicKey.ToBase64())
            {
                body.Append("private_key=").Append(Hex(desired.PrivateKey)).Append('\n');
            }
        }

        if (current.ListenPort != desired.ListenPort)
        {
            body.Append("listen_port=").Append(desired.ListenPort.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        var wanted = desired.Peers.ToDictionary(p => p.PublicKey, StringComparer.Ordinal);
        foreach (PeerStatus peer in current.Peers)
        {
            if (!wanted.ContainsKey(peer.PublicKey))
            {
                body.Append("public_key=").Append(Hex(peer.PublicKey)).Append("\nremove=true\n");
            }
        }

        var present = current.Peers.ToDictionary(p => p.PublicKey, StringComparer.Ordinal);
        foreach (DesiredPeer peer in desired.Peers)
        {
            if (present.TryGetValue(peer.PublicKey, out PeerStatus? now) &&
                now.PresharedKey == peer.PresharedKey &&
                now.PersistentKeepalive == peer.Keepalive &&
                SameAllowedIps(now.AllowedIps, peer.AllowedIps))
            {
                continue;
            }

            body.Append("public_key=").Append(Hex(peer.PublicKey)).Append('\n');
            body.Append("preshared_key=").Append(peer.PresharedKey is null ? new string('0', 64) : Hex(peer.PresharedKey)).Append('\n');
            body.Append("persistent_keepalive_interval=").Append(peer.Keepalive.ToString(CultureInfo.InvariantCulture)).Append('\n');
            body.Append("replace_allowed_ips=true\n");
            foreach (IPNetwork network in peer.AllowedIps)
            {
                body.Append("allowed_ip=").Append(network.ToString()).Append('\n');
            }
        }

        return body.ToString();
    }

    private static string Hex(string base64) => Convert.ToHexStringLower(Convert.FromBase64String(base64));
}

/// <summary>The kernel module, through <c>wg</c> (wireguard-tools): <c>wg show dump</c> and <c>wg syncconf</c>.</summary>
internal sealed class KernelControl(string interfaceName) : WireGuardControl(interfaceName)
{
    private const string InstallHint = "apt-get install wireguard-tools";

    public override DeviceStatus? TryGet()
    {
        ToolResult result = ExternalTool.TryRun("wg", ["show", InterfaceName, "dump"], installHint: InstallHint);
        return result.ExitCode == 0 ? ParseDump(InterfaceName, result.Output) : null;
    }

    public override SyncResult Sync(DesiredDevice desired, DeviceStatus current)
    {
        // The configuration, keys included, goes through standard input, never the command line.
        _ = ExternalTool.Run("wg", ["syncconf", InterfaceName, "/dev/stdin"], ConfigText(desired), InstallHint);
        return Compare(current, desired);
    }

    public override void SetEndpoints(IReadOnlyList<(string PublicKey, string Endpoint)> endpoints)
    {
        foreach ((string key, string endpoint) in endpoints)
        {
            _ = ExternalTool.Run("wg", ["set", InterfaceName, "peer", key, "endpoint", endpoint], installHint: InstallHint);
        }
    }

    internal static string ConfigText(DesiredDevice desired)
    {
        var text = new StringBuilder();
        text.Append("[Interface]\nPrivateKey = ").Append(desired.PrivateKey).Append('\n');
        text.Append("ListenPort = ").Append(desired.ListenPort.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (DesiredPeer peer in desired.Peers)
        {
            text.Append("\n[Peer]\nPublicKey = ").Append(peer.PublicKey).Append('\n');
            if (peer.PresharedKey is not null)
            {
                text.Append("PresharedKey = ").Append(peer.PresharedKey).Append('\n');
            }

            if (peer.AllowedIps.Count > 0)
            {
                text.Append("AllowedIPs = ").AppendJoin(", ", peer.AllowedIps.Select(n => n.ToString())).Append('\n');
            }

            if (peer.Keepalive > 0)
            {
                text.Append("PersistentKeepalive = ").Append(peer.Keepalive.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary><c>wg show NAME dump</c>: a line for the interface, then one tab-separated line per peer.</summary>
    internal static DeviceStatus ParseDump(string interfaceName, string dump)
    {
        string[] lines = dump.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            throw new CommandException($"wg show {interfaceName} dump printed nothing");
        }

        try
        {
            string[] head = lines[0].Split('\t');
            var peers = new List<PeerStatus>();
            foreach (string line in lines.Skip(1))
            {
                string[] f = line.Split('\t');
                long handshake = long.Parse(f[4], CultureInfo.InvariantCulture);
                peers.Add(new PeerStatus(
                    f[0],
                    f[1] == "(none)" ? null : f[1],
                    f[2] == "(none)" ? null : f[2],
                    handshake == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(handshake),
                    ulong.Parse(f[5], CultureInfo.InvariantCulture),
                    ulong.Parse(f[6], CultureInfo.InvariantCulture),
                    f[7] == "off" ? (ushort)0 : ushort.Parse(f[7], CultureInfo.InvariantCulture),
                    f[3] == "(none)" ? [] : f[3].Split(',')));
            }

            return new DeviceStatus(
                ushort.Parse(head[2], CultureInfo.InvariantCulture),
                ParseFirewallMark(head[3]),
                head[1] == "(none)" ? null : head[1],
                peers);
        }
        catch (Exception e) when (e is FormatException or OverflowException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw new CommandException($"cannot read wg show {interfaceName} dump: {e.Message.Split('\n')[0].Trim()}", e);
        }
    }

    // wg prints a mark as 0x%x, and "off" for none (show.c, dump_print); decimal is taken too.
    private static uint ParseFirewallMark(string text)
    {
        if (text == "off")
        {
            return 0;
        }

        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.Parse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
            : uint.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
