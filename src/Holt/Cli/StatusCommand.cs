using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Holt.Gateway;
using Holt.Status;
using Holt.Text;

namespace Holt.Cli;

/// <summary>
/// <c>holt status</c>: the gateway's interface with its named peers, any other WireGuard interface with a control
/// socket (client tunnels of <c>holt up --config</c>, <c>holt tunnel</c>, wireguard-go), and a summary of the
/// firewall and the guard. It works while holt.toml is broken by a hand edit, and says so.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var config = GatewayOptions.Config();
        var json = GatewayOptions.Json();
        var command = new Command("status", "Show interfaces, peers, handshake ages, transfer and endpoints, the firewall and the guard.\nExample: holt status --json") { config, json };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            HoltStatus status = StatusReader.Read(HoltFile.Resolve(result.GetValue(config)), now);
            if (result.GetValue(json))
            {
                Console.Out.Write(JsonSerializer.Serialize(status, StatusJson.Plain.HoltStatus) + "\n");
            }
            else
            {
                Console.Out.Write(Render(status, now, TerminalColor.Output));
            }

            if (status.ConfigProblem is string problem)
            {
                Console.Error.WriteLine($"holt: {problem} (the running gateway keeps its last good configuration)");
            }

            PrintUnread(status);
            return 0;
        }));
        return command;
    }

    /// <summary>The status as text; with <paramref name="color"/>, each peer's state in its colour.</summary>
    private static string Render(HoltStatus status, DateTimeOffset now, bool color)
    {
        if (status.Interfaces.Count == 0 && status.ConfigProblem is null)
        {
            return "No gateway configuration and no WireGuard interfaces running. Start with: holt up\n";
        }

        var text = new StringBuilder();
        foreach (InterfaceView view in status.Interfaces)
        {
            string state = view.Running switch { true => "up", false => "down", null => "state unknown" };
            text.Append(CultureInfo.InvariantCulture, $"interface: {view.Name} ({view.Role}{(view.Backend is null ? "" : ", " + view.Backend)}, {state})\n");
            text.Append(CultureInfo.InvariantCulture, $"  public key: {view.PublicKey ?? "(none)"}\n");
            if (view.Role == "gateway" && view.Running == true && Monitor.MonitorStatus.Read(view.Name)?.Daemon is Hosting.DaemonView daemon)
            {
                // Confirms that the daemon took the last edit of holt.toml (a hand edit above all), and what it changed.
                text.Append(CultureInfo.InvariantCulture, $"  holt.toml: applied {Format.Age(daemon.ConfigAppliedAt, now)}{MonitorCommands.ChangesText(daemon)}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"  listening port: {view.ListenPort}\n");
            if (view.Role == "gateway" && view == status.Interfaces[0])
            {
                if (status.Firewall is FirewallView firewall)
                {
                    text.Append("  firewall: ").Append(FirewallSummary(firewall)).Append('\n');
                }

                if (status.Guard is GuardView guard)
                {
                    text.Append("  guard: ").Append(GuardSummary(guard)).Append('\n');
                }
            }

            if (view.Peers.Count > 0)
            {
                // An interface that could not be read leaves what only it knows unknown: saved totals alone would undercount.
                text.Append('\n');
                text.Append(PeerCommands.Table(view.Peers, now, live: view.Running is not null, color));
            }
            else if (view.Role == "gateway")
            {
                text.Append("\n  no peers yet: holt peer add NAME\n");
            }

            foreach (TunnelPeerView peer in view.TunnelPeers)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n  peer: {peer.PublicKey}{(view.Role == "gateway" ? " (unmanaged: not in holt.toml; the gateway removes it)" : "")}\n");
                text.Append(CultureInfo.InvariantCulture, $"    endpoint: {peer.Endpoint ?? "-"}\n");
                text.Append(CultureInfo.InvariantCulture, $"    allowed ips: {(peer.AllowedIps.Count == 0 ? "(none)" : string.Join(", ", peer.AllowedIps))}\n");
                text.Append(CultureInfo.InvariantCulture, $"    latest handshake: {Format.Age(peer.LatestHandshake, now)}\n");
                text.Append(CultureInfo.InvariantCulture, $"    transfer: {Format.Bytes(peer.RxBytes)} received, {Format.Bytes(peer.TxBytes)} sent\n");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>What could not be read and why, one line each on standard error, after what could.</summary>
    internal static void PrintUnread(HoltStatus status)
    {
        foreach (string unread in status.Unread)
        {
            Console.Error.WriteLine($"holt: {unread}");
        }
    }

    /// <summary>One line: on or off, loaded or not, a pending apply and its time left, repairs.</summary>
    internal static string FirewallSummary(FirewallView firewall)
    {
        var parts = new List<string>
        {
            firewall.Enabled switch { true => "on", false => "off", null => "unknown (holt.toml does not read)" },
            firewall.Loaded switch
            {
                null => $"table inet {firewall.Table} not read",
                false => $"table inet {firewall.Table} not loaded",
                true when firewall.Intact == true => $"table inet {firewall.Table} loaded",
                true => $"table inet {firewall.Table} changed by someone else (being restored)",
            },
        };
        if (firewall.Pending is PendingView pending)
        {
            parts.Add($"an apply awaits holt firewall confirm: {pending.SecondsLeft} s left");
        }

        if (firewall.Exposures > 0)
        {
            parts.Add($"{firewall.Exposures} exposed port{(firewall.Exposures == 1 ? "" : "s")}");
        }

        if (firewall.Repairs.Count > 0)
        {
            parts.Add($"repaired {firewall.Repairs.Count} time{(firewall.Repairs.Count == 1 ? "" : "s")}, last {firewall.Repairs.Last:yyyy-MM-dd HH:mm:ss}Z ({firewall.Repairs.Reason})");
        }

        return string.Join("; ", parts);
    }

    internal static string GuardSummary(GuardView guard)
    {
        string running = guard.Running switch { true => "running", false => "not running", null => "state unknown" };
        string line = $"{running}, {(guard.Banned is int banned ? $"{banned} banned" : "bans not read")}";
        if (guard.Repairs.Count > 0)
        {
            line += $"; ban table restored {guard.Repairs.Count} time{(guard.Repairs.Count == 1 ? "" : "s")}, last {guard.Repairs.Last:yyyy-MM-dd HH:mm:ss}Z";
        }

        return line;
    }
}
