using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Holt.Storage;
using Holt.Uapi;

namespace Holt.Gateway;

/// <summary>
/// What the gateway remembers beyond its configuration: each peer's traffic totals and when it was last seen,
/// across daemon restarts and reboots. The interface's own counters start at zero whenever a peer is (re)created
/// on it; the totals here add each sample's growth, so they only ever grow.
/// </summary>
internal sealed class GatewayState
{
    /// <summary>Peers by public key (a rename keeps the history; a new key is a new device).</summary>
    public Dictionary<string, PeerTraffic> Peers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The SHA-256 of the nftables table last applied, so an edit that leaves it unchanged (most do) skips running
    /// nft, which costs 10 to 30 ms. Cleared when the daemon starts, which always applies the table.
    /// </summary>
    public string? RulesetDigest { get; set; }

    /// <summary>
    /// The canonical digest of the table as the kernel held it right after Holt last loaded it (or null after Holt
    /// removed it). The daemon compares the table against it to notice when someone else removed or changed it.
    /// </summary>
    public string? TableDigest { get; set; }

    /// <summary>The SSH session ("ADDRESS PORT") that ran the last firewall apply; the firewall always lets it in.</summary>
    public string? KeepSsh { get; set; }

    public PeerTraffic For(string publicKey)
    {
        if (!Peers.TryGetValue(publicKey, out PeerTraffic? traffic))
        {
            traffic = new PeerTraffic();
            Peers[publicKey] = traffic;
        }

        return traffic;
    }

    /// <summary>
    /// Adds what the interface counted since the last sample. A counter below its last value means the peer was
    /// recreated on the interface (daemon restart, disable and enable), so all of it is new.
    /// </summary>
    public bool Sample(DeviceStatus device)
    {
        bool changed = false;
        foreach (PeerStatus peer in device.Peers)
        {
            PeerTraffic traffic = For(peer.PublicKey);
            ulong rxDelta = peer.RxBytes >= traffic.DeviceRx ? peer.RxBytes - traffic.DeviceRx : peer.RxBytes;
            ulong txDelta = peer.TxBytes >= traffic.DeviceTx ? peer.TxBytes - traffic.DeviceTx : peer.TxBytes;
            if (rxDelta != 0 || txDelta != 0)
            {
                traffic.RxTotal += rxDelta;
                traffic.TxTotal += txDelta;
                changed = true;
            }

            traffic.DeviceRx = peer.RxBytes;
            traffic.DeviceTx = peer.TxBytes;
            if (peer.LatestHandshake is DateTimeOffset handshake && (traffic.LastHandshake is null || handshake > traffic.LastHandshake))
            {
                traffic.LastHandshake = handshake;
                changed = true;
            }

            if (peer.Endpoint is string endpoint && endpoint != traffic.LastEndpoint)
            {
                traffic.LastEndpoint = endpoint;
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>The peer is (re)created on the interface: its counters there start again from zero.</summary>
    public void Recreated(string publicKey)
    {
        PeerTraffic traffic = For(publicKey);
        traffic.DeviceRx = 0;
        traffic.DeviceTx = 0;
    }

    /// <summary>Forgets peers that are no longer configured.</summary>
    public void Prune(IEnumerable<string> configuredKeys)
    {
        var keep = new HashSet<string>(configuredKeys, StringComparer.Ordinal);
        foreach (string key in Peers.Keys.Where(k => !keep.Contains(k)).ToList())
        {
            _ = Peers.Remove(key);
        }
    }
}

internal sealed class PeerTraffic
{
    public ulong RxTotal { get; set; }

    public ulong TxTotal { get; set; }

    /// <summary>The interface's counter at the last sample.</summary>
    public ulong DeviceRx { get; set; }

    public ulong DeviceTx { get; set; }

    public DateTimeOffset? LastHandshake { get; set; }

    public string? LastEndpoint { get; set; }
}

/// <summary>
/// The state file, <c>/var/lib/holt/INTERFACE.json</c> (<c>HOLT_STATE_DIR</c> moves the directory), written 0600
/// and atomically. A missing file is an empty state; an unreadable one is reported, never silently replaced.
/// </summary>
internal static class StateStore
{
    public const string DefaultDirectory = "/var/lib/holt";
    public const string DirectoryVariable = "HOLT_STATE_DIR";

    /// <summary>Where Holt keeps its state: <c>/var/lib/holt</c>, or <c>HOLT_STATE_DIR</c> when set.</summary>
    public static string StateDirectory()
    {
        string? directory = Environment.GetEnvironmentVariable(DirectoryVariable);
        return string.IsNullOrEmpty(directory) ? DefaultDirectory : directory;
    }

    public static string PathFor(string interfaceName) => Path.Combine(StateDirectory(), interfaceName + ".json");

    public static GatewayState Load(string interfaceName)
    {
        string path = PathFor(interfaceName);
        try
        {
            using FileStream stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, StateJson.Default.GatewayState) ?? new GatewayState();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new GatewayState();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new CommandException($"cannot read the gateway state {path}: {e.Message} (move it aside to start the totals afresh)", e);
        }
    }

    /// <summary>
    /// Saves like <see cref="Save"/>, but a failure (a full disk) is returned in <paramref name="error"/> rather than
    /// thrown: for the daemon, whose state is bookkeeping that must never keep the tunnel or the firewall from
    /// coming up. Whatever was not saved is saved by the next write that finds room.
    /// </summary>
    public static bool TrySave(string interfaceName, GatewayState state, [NotNullWhen(false)] out string? error)
    {
        try
        {
            Save(interfaceName, state);
            error = null;
            return true;
        }
        catch (CommandException e)
        {
            error = e.Message;
            return false;
        }
    }

    public static void Save(string interfaceName, GatewayState state)
    {
        string path = PathFor(interfaceName);
        try
        {
            AtomicFile.CreateParent(path);
            AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(state, StateJson.Default.GatewayState));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot write the gateway state {path}: {e.Message}", e);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(GatewayState))]
internal sealed partial class StateJson : JsonSerializerContext;
