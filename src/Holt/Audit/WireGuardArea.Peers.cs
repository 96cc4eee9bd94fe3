using System.Globalization;
using System.Text.Json;
using Holt.Config;
using Holt.Gateway;
using Holt.Guard;
using Holt.Monitor;
using Holt.Storage;

namespace Holt.Audit;

internal sealed partial class WireGuardArea
{
    /// <summary>
    /// Each peer's credentials: without a pre-shared key, expired but still enabled, unused for
    /// <see cref="AuditMachine.StaleDays"/> days, and the admin peers, which reach the dashboard and the admin ports.
    /// A peer's last handshake is the newest the interface, the state file and the monitor's history know of.
    /// </summary>
    private void CheckPeers(AuditMachine machine, GatewayConfig gateway, List<Finding> findings)
    {
        var problems = new List<string>();
        Dictionary<string, DateTimeOffset> seen = LastHandshakes(machine, gateway, problems);
        DateTimeOffset now = machine.Now;
        var limit = TimeSpan.FromDays(machine.StaleDays);
        string unread = problems.Count == 0 ? "" : $" ({string.Join("; ", problems)})";
        foreach (PeerConfig peer in gateway.Peers)
        {
            if (peer.PresharedKey is null)
            {
                findings.Add(Finding($"no-psk:{peer.Name}", Severity.Info, $"peer {peer.Name} has no pre-shared key",
                    $"holt.toml: [[peer]] name = \"{peer.Name}\" has no preshared_key",
                    "A pre-shared key mixed into the handshake keeps recorded traffic secret even from a future quantum computer that breaks Curve25519.",
                    $"make the peer again with a key (holt peer remove {peer.Name} && holt peer add {peer.Name}, then give the device its new config), " +
                    $"or add preshared_key = \"<holt genpsk's output>\" to the peer in holt.toml and PresharedKey = <the same> to the device's [Peer]"));
            }

            if (!peer.Enabled)
            {
                continue;
            }

            if (peer.IsExpired(now))
            {
                findings.Add(Finding($"expired-peer:{peer.Name}", Severity.Warning, $"peer {peer.Name} expired but is still enabled",
                    $"holt.toml: [[peer]] name = \"{peer.Name}\": expires = {Day(peer.Expires!.Value)}, enabled",
                    "Holt keeps an expired peer off the interface, but its keys stay valid: removing the expiry (a hand edit, holt peer set --expires never) lets the device in again.",
                    $"holt peer remove {peer.Name}"));
                continue;
            }

            (bool stale, string lastSeen) = Staleness(peer, seen, now, limit);
            if (stale)
            {
                string title = seen.ContainsKey(peer.PublicKey)
                    ? $"peer {peer.Name} has not connected in {machine.StaleDays} days"
                    : $"peer {peer.Name} has never connected";
                findings.Add(Finding($"stale-peer:{peer.Name}", Severity.Warning, title,
                    $"peer {peer.Name}: {lastSeen}{unread}",
                    "A key nobody uses is a key nobody misses: a lost or sold device, or a former colleague's laptop, still opens the VPN.",
                    $"holt peer disable {peer.Name} (or holt peer remove {peer.Name})"));
            }

            if (peer.Admin)
            {
                findings.Add(Finding($"admin-peer:{peer.Name}", stale ? Severity.Warning : Severity.Info,
                    stale ? $"admin peer {peer.Name} has not connected in {machine.StaleDays} days" : $"peer {peer.Name} is an admin peer",
                    $"holt.toml: [[peer]] name = \"{peer.Name}\": admin = true; {lastSeen}",
                    "Through the tunnel an admin peer gets the dashboard without a password, and the admin ports; whoever holds its keys runs the gateway." +
                    (stale ? " One unused this long may be a device nobody watches." : ""),
                    stale ? $"holt peer set {peer.Name} --admin off (or holt peer remove {peer.Name})" : $"keep the list short; holt peer set {peer.Name} --admin off for a device that need not be one"));
            }
        }
    }

    /// <summary>Whether the peer counts as stale, and its last handshake as the evidence says it.</summary>
    private static (bool Stale, string LastSeen) Staleness(PeerConfig peer, Dictionary<string, DateTimeOffset> seen, DateTimeOffset now, TimeSpan limit)
    {
        if (seen.TryGetValue(peer.PublicKey, out DateTimeOffset last))
        {
            return (now - last > limit, $"last handshake {Day(last)} ({Age(now - last)})");
        }

        // Never seen: a peer counts from when it was made; one whose date is unknown has no age to give.
        return peer.Created is DateTimeOffset created
            ? (now - created > limit, $"no handshake ever seen; created {Day(created)} ({Age(now - created)})")
            : (true, "never seen: no handshake recorded, and holt.toml has no created date for it");
    }

    /// <summary>The newest handshake of each peer, by public key, from every source that reads; those that do not are said in <paramref name="problems"/>.</summary>
    private Dictionary<string, DateTimeOffset> LastHandshakes(AuditMachine machine, GatewayConfig gateway, List<string> problems)
    {
        var latest = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        void Add(string key, DateTimeOffset time)
        {
            if (!latest.TryGetValue(key, out DateTimeOffset known) || time > known)
            {
                latest[key] = time;
            }
        }

        foreach ((string key, DateTimeOffset time) in LiveHandshakes(machine, gateway) ?? new Dictionary<string, DateTimeOffset>())
        {
            Add(key, time);
        }

        string statePath = $"{_stateDirectory.TrimEnd('/')}/{gateway.Interface}.json";
        try
        {
            if (machine.ReadText(statePath) is string text &&
                JsonSerializer.Deserialize(text, StateJson.Default.GatewayState) is GatewayState state)
            {
                foreach ((string key, PeerTraffic traffic) in state.Peers)
                {
                    if (traffic.LastHandshake is DateTimeOffset time)
                    {
                        Add(key, time);
                    }
                }
            }
        }
        catch (Exception e) when (e is AuditAreaException or JsonException)
        {
            problems.Add($"{statePath} did not read: {OneLine(e.Message)}");
        }

        string monitorPath = $"{_stateDirectory.TrimEnd('/')}/{MonitorStore.FileName}";
        try
        {
            foreach ((string key, DateTimeOffset time) in MonitorStore.LastHandshakes(machine.PathOf(monitorPath), gateway.Interface))
            {
                Add(key, time);
            }
        }
        catch (StoreException e)
        {
            problems.Add($"{monitorPath} did not read: {OneLine(e.Message)}");
        }

        return latest;
    }

    /// <summary>The guard, enabled in holt.toml, should be kept running by the daemon: its status file names a live Holt process.</summary>
    private void CheckGuard(AuditMachine machine, HoltConfig config, List<Finding> findings)
    {
        if (!config.Guard.Enabled)
        {
            return;
        }

        string statusPath = $"{_stateDirectory.TrimEnd('/')}/guard.status";
        string? why = null;
        try
        {
            if (machine.ReadText(statusPath) is not string text)
            {
                why = $"{statusPath} does not exist";
            }
            else
            {
                using JsonDocument document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind != JsonValueKind.Object ||
                    !document.RootElement.TryGetProperty("pid", out JsonElement pid) || !pid.TryGetInt32(out int id) || id <= 0)
                {
                    why = $"{statusPath} names no process";
                }
                else if (!IsHolt(machine, id))
                {
                    why = $"{statusPath} names pid {id}, which is not a running holt";
                }
            }
        }
        catch (JsonException)
        {
            why = $"{statusPath} is not the guard's status";
        }

        if (why is not null)
        {
            findings.Add(Finding("guard-off", Severity.Warning, "the guard is enabled in holt.toml but not running",
                $"[guard] enabled (the default); {why}",
                "Without the guard nothing bans the addresses that try password after password on sshd and the other watched services.",
                "holt up (or systemctl restart holt when holt install set it up); holt status shows the guard's jails once it runs"));
        }
    }

    /// <summary>Whether <paramref name="pid"/> runs holt: its command line (NUL-separated) names it, as HoltProcess decides.</summary>
    private static bool IsHolt(AuditMachine machine, int pid)
    {
        try
        {
            return machine.ReadText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline") is string line &&
                line.Split('\0').Any(a => Path.GetFileName(a) is "holt" or "holt.dll");
        }
        catch (AuditAreaException)
        {
            return false;
        }
    }

    private static string Day(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Age(TimeSpan age) => age < TimeSpan.Zero ? "in the future" : $"{(int)age.TotalDays} days ago";

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
