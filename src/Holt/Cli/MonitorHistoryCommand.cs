using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Holt.Config;
using Holt.Gateway;
using Holt.Monitor;
using Holt.Text;

namespace Holt.Cli;

/// <summary>
/// <c>holt monitor history NAME</c>: one peer's traffic, state and sessions over a span, from the monitor's store,
/// in as many rows as a screen holds: the stored minutes or hours summed into steps that give at most
/// <see cref="MaxRows"/> rows.
/// </summary>
internal static class MonitorHistoryCommand
{
    /// <summary>About a screenful.</summary>
    public const int MaxRows = 60;

    private static readonly TimeSpan s_defaultSpan = TimeSpan.FromHours(24);

    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The peer: its name in holt.toml, or its public key." };
        var since = new Option<string>("--since") { Description = "How far back: 90m, 24h, 7d, 90d (default 24h).", DefaultValueFactory = _ => "24h" };
        var config = GatewayOptions.Config();
        var json = GatewayOptions.Json();
        var other = new Option<string?>("--interface", "-i") { Description = "A WireGuard interface that is not a Holt gateway's (one holt monitor run watches); NAME is then as the monitor named it." };
        var command = new Command(
            "history",
            """
            One peer's history as the monitor recorded it: per stretch of time what it received and sent, its average
            and peak rates, how much of the time it was up and its usual state; then its connection sessions (when it
            came up and went away, from where, and what it moved). The last two days are kept by the minute, ninety
            days by the hour.
            Example: holt monitor history home --since 7d
            """)
        {
            name, since, config, json, other,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string peerText = result.GetValue(name)!;
            string sinceText = result.GetValue(since)!;
            if (!DurationText.TryParse(sinceText, "mhdw", out TimeSpan span))
            {
                throw new CommandException($"--since must be a duration such as 90m, 24h, 7d or 90d, not '{Printable.Of(sinceText)}'");
            }

            string interfaceName;
            IReadOnlyList<PeerConfig> configured = [];
            if (result.GetValue(other) is string foreign)
            {
                interfaceName = foreign;
            }
            else
            {
                GatewayConfig gateway = HoltFile.Resolve(result.GetValue(config)).Load().Gateway;
                interfaceName = gateway.Interface;
                configured = gateway.Peers;
            }

            string path = MonitorStore.DefaultPath;
            if (!File.Exists(path))
            {
                throw new CommandException($"no history yet: {path} does not exist (the monitor of holt up, or holt monitor run, writes it)");
            }

            using MonitorStore store = MonitorStore.Open(path);
            (string key, string peerName) = Resolve(peerText, configured, store.Peers(interfaceName), interfaceName);
            HistoryReport report = Build(store, interfaceName, key, peerName, span, TimeProvider.System.GetUtcNow());
            Console.Out.Write(result.GetValue(json) ? JsonSerializer.Serialize(report, HistoryJson.Default.HistoryReport) + "\n" : Render(report));
            return 0;
        }));
        return command;
    }

    /// <summary>The peer <paramref name="text"/> names: a peer of holt.toml by name or key, else one the history knows.</summary>
    internal static (string PublicKey, string Name) Resolve(
        string text, IReadOnlyList<PeerConfig> configured, IReadOnlyList<(string PublicKey, string Name)> known, string interfaceName)
    {
        if ((configured.FirstOrDefault(p => p.Name == text) ?? configured.FirstOrDefault(p => p.PublicKey == text)) is PeerConfig peer)
        {
            return (peer.PublicKey, peer.Name);
        }

        // A peer since removed from holt.toml keeps its history until it ages out.
        List<(string PublicKey, string Name)> stored = [.. known.Where(k => k.Name == text), .. known.Where(k => k.PublicKey == text)];
        return stored.Count > 0
            ? stored[0]
            : throw new CommandException($"no peer '{Printable.Of(text)}' on {Printable.Of(interfaceName)}, in holt.toml or in the history (holt monitor status lists the peers)");
    }

    /// <summary>The finest step that cuts <paramref name="span"/> into at most <see cref="MaxRows"/> rows.</summary>
    internal static TimeSpan StepFor(TimeSpan span) => HistoryReports.StepFor(span, MaxRows);

    /// <summary>The report for the span that ends at <paramref name="now"/>, in at most <see cref="MaxRows"/> rows.</summary>
    internal static HistoryReport Build(MonitorStore store, string interfaceName, string publicKey, string name, TimeSpan span, DateTimeOffset now) =>
        HistoryReports.Build(store, interfaceName, publicKey, name, span, now, MaxRows);

    /// <summary>The report as the terminal shows it: a line saying what it is, the points, then the sessions. Times in UTC.</summary>
    internal static string Render(HistoryReport report)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{report.Peer} on {report.Interface} since {Time(report.Since)} UTC, every {DurationText.Format(TimeSpan.FromSeconds(report.Step))} (from the {report.Tier[..^1]} rows)\n");
        if (report.Points.Count == 0)
        {
            text.Append("no history in this span\n");
        }
        else
        {
            text.Append(Format.Table(
                ["TIME", "RX", "TX", "AVG RX", "AVG TX", "PEAK RX", "PEAK TX", "UP", "STATE"],
                report.Points.Select(p => (IReadOnlyList<string>)[
                    Time(p.Start), Format.Bytes(p.RxBytes), Format.Bytes(p.TxBytes),
                    Rate(p.AverageRxRate), Rate(p.AverageTxRate), Rate(p.PeakRxRate), Rate(p.PeakTxRate),
                    p.States.UpFraction is double up ? (up * 100).ToString("0", CultureInfo.InvariantCulture) + " %" : "-",
                    p.States.Mostly() ?? "-",
                ])));
        }

        text.Append('\n');
        if (report.Sessions.Count == 0)
        {
            text.Append("no sessions in this span\n");
            return text.ToString();
        }

        text.Append(Format.Table(
            ["SESSION START", "END", "DURATION", "ENDPOINT", "RX", "TX"],
            report.Sessions.Select(s => (IReadOnlyList<string>)[
                Time(s.Start), s.End is DateTimeOffset end ? Time(end) : "open", Duration((s.End ?? report.Until) - s.Start),
                s.Endpoint ?? "-", Format.Bytes(s.RxBytes), Format.Bytes(s.TxBytes),
            ])));
        return text.ToString();
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Rate(long bytesPerSecond) => bytesPerSecond <= 0 ? "0" : Format.Bytes((ulong)bytesPerSecond) + "/s";

    /// <summary>A duration in its two largest units: 2d 3h, 5h 12m, 4m 10s, 30s.</summary>
    private static string Duration(TimeSpan time)
    {
        if (time < TimeSpan.Zero)
        {
            time = TimeSpan.Zero;
        }

        return time.TotalDays >= 1 ? $"{(int)time.TotalDays}d {time.Hours}h"
            : time.TotalHours >= 1 ? $"{(int)time.TotalHours}h {time.Minutes}m"
            : time.TotalMinutes >= 1 ? $"{(int)time.TotalMinutes}m {time.Seconds}s"
            : $"{(int)time.TotalSeconds}s";
    }
}
