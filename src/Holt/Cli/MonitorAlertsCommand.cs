using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Holt.Config;
using Holt.Monitor;
using Holt.Storage;
using Holt.Text;

namespace Holt.Cli;

/// <summary>The monitor's alerts as <c>holt monitor alerts</c> shows them: those not inactive, and what fired and resolved lately.</summary>
internal sealed record AlertsView
{
    public required string Interface { get; init; }

    public required IReadOnlyList<ActiveAlert> Active { get; init; }

    /// <summary>Firing and resolved notices since <c>--since</c>, oldest first.</summary>
    public required IReadOnlyList<AlertMessage> History { get; init; }
}

/// <summary><c>holt monitor alerts</c>: the running monitor's alerts, and their history from its store.</summary>
internal static class MonitorAlertsCommand
{
    public static Command Create()
    {
        var config = GatewayOptions.Config();
        var json = GatewayOptions.Json();
        var other = MonitorCommands.InterfaceOption();
        var since = new Option<string>("--since") { Description = "How far back the history goes: 90s, 30m, 24h, 7d, 2w.", DefaultValueFactory = _ => "24h" };
        var command = new Command(
            "alerts",
            "The monitor's alerts: those pending, firing or resolving now (and what holds one back), then the notices sent since --since.\nExample: holt monitor alerts --since 7d")
        {
            config, json, other, since,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string sinceText = result.GetValue(since)!;
            if (!DurationText.TryParse(sinceText, "smhdw", out TimeSpan span))
            {
                throw new CommandException($"--since must be a duration such as 30m, 24h or 7d, not \"{Printable.Of(sinceText)}\"");
            }

            MonitorStatus status = MonitorCommands.ReadRunning(result.GetValue(config), result.GetValue(other));
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            var view = new AlertsView { Interface = status.Interface, Active = status.Alerts, History = NoticesSince(status.Interface, now - span) };
            if (result.GetValue(json))
            {
                Console.Out.Write(JsonSerializer.Serialize(view, AlertsJson.Default.AlertsView) + "\n");
                return 0;
            }

            bool color = TerminalColor.Output;
            Console.Out.Write(view.Active.Count == 0 ? $"no alert on {view.Interface} is pending or firing\n" : Table(view.Active, now, color));
            if (view.History.Count > 0)
            {
                Console.Out.Write($"\nnotices since {DurationText.Format(span)} ago:\n" + Format.Table(
                    ["WHEN", "NOTICE", "SEVERITY", "SUMMARY", "WHY"],
                    view.History.Select(m => (IReadOnlyList<string>)[
                        Format.Age(m.EndsAt ?? m.StartsAt, now), TerminalColor.AlertPhase(m.Resolved ? "resolved" : "firing", color), Alerting.SeverityText(m.Severity), m.Summary, m.Description,
                    ])));
            }

            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The alerts not inactive, as a table: phase (in its colour with <paramref name="color"/>), severity, since when,
    /// what and why, and what holds one back.
    /// </summary>
    public static string Table(IReadOnlyList<ActiveAlert> alerts, DateTimeOffset now, bool color) => Format.Table(
        ["ALERT", "PHASE", "SEVERITY", "SINCE", "WHY"],
        alerts.Select(a => (IReadOnlyList<string>)[
            a.Summary, TerminalColor.AlertPhase(a.HeldBy is null ? a.Phase : $"{a.Phase} (held back by {a.HeldBy})", color), Alerting.SeverityText(a.Severity),
            Format.Age(a.Since, now), a.Description,
        ]));

    /// <summary>The notices the interface's monitor sent since <paramref name="since"/>, from monitor.db (none before it exists).</summary>
    private static IReadOnlyList<AlertMessage> NoticesSince(string interfaceName, DateTimeOffset since)
    {
        if (!File.Exists(MonitorStore.DefaultPath))
        {
            return [];
        }

        try
        {
            using MonitorStore store = MonitorStore.Open(MonitorStore.DefaultPath);
            return new InterfaceAlerts(store, interfaceName).History(since);
        }
        catch (StoreException e)
        {
            throw new CommandException($"cannot read the alerts' history: {e.Message}", e);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(AlertsView))]
internal sealed partial class AlertsJson : JsonSerializerContext;
