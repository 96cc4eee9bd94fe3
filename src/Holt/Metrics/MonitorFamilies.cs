using Holt.Monitor;
using Holt.Monitor.Checks;

namespace Holt.Metrics;

/// <summary>
/// The monitor's checks (probes of another gateway included, as type <c>probe</c>) and its alerts, from the same
/// <see cref="MonitorStatus"/> as <c>holt monitor status</c>. A check that has not run yet has no series; a figure
/// a check type does not measure is absent, never 0.
/// </summary>
internal static class MonitorFamilies
{
    public static void Write(ExpositionWriter writer, MonitorStatus monitor)
    {
        List<CheckView> ran = [.. monitor.Checks.Where(c => c.Ok is not null)];
        if (ran.Count > 0)
        {
            Checks(writer, monitor.Interface, ran);
        }

        writer.Family("holt_alert", MetricType.Gauge, "1 for each alert that is not inactive, with its rule (alertname), severity and phase (pending, firing, resolving)");
        foreach (ActiveAlert alert in monitor.Alerts)
        {
            writer.Sample(1L,
                new Label("interface", monitor.Interface), new Label("alertname", Alerting.AlertName(alert.Rule)), new Label("key", alert.Key),
                new Label("severity", Alerting.SeverityText(alert.Severity)), new Label("alertstate", alert.Phase));
        }
    }

    private static void Checks(ExpositionWriter writer, string interfaceName, List<CheckView> checks)
    {
        Label[] LabelsOf(CheckView c) => [new("interface", interfaceName), new("check", c.Name), new("type", c.Type), new("peer", c.Peer ?? "")];

        writer.Family("holt_check_success", MetricType.Gauge, "1 when the check's last run passed, 0 when it failed");
        foreach (CheckView check in checks)
        {
            writer.Sample(check.Ok == true ? 1L : 0L, LabelsOf(check));
        }

        Each(writer, checks, "holt_check_duration_seconds", "How long the check's last run took to get its answer (the round trip of a ping, a connect, a response, a handshake)", c => c.LatencyMs / 1000, LabelsOf);
        Each(writer, checks, "holt_check_peer_handshaking", "1 when the peer the check's target sits behind had a current handshake at the last run, 0 when not", c => c.PeerHandshaking switch { true => 1, false => 0, null => null }, LabelsOf);
        Each(writer, checks, "holt_check_http_status_code", "The HTTP status of the check's last response", c => c.HttpStatus, LabelsOf);
        Each(writer, checks, "holt_check_icmp_loss_ratio", "Share of the last run's pings that got no reply, 0 to 1", c => c.LossPercent / 100, LabelsOf);
        Each(writer, checks, "holt_check_icmp_jitter_seconds", "Mean difference between consecutive round trips of the last run's pings", c => c.JitterMs / 1000, LabelsOf);
    }

    private static void Each(ExpositionWriter writer, List<CheckView> checks, string name, string help, Func<CheckView, double?> value, Func<CheckView, Label[]> labels)
    {
        List<(CheckView Check, double Value)> present = [.. checks.Select(c => (c, value(c))).Where(p => p.Item2 is not null).Select(p => (p.c, p.Item2!.Value))];
        if (present.Count == 0)
        {
            return;
        }

        writer.Family(name, MetricType.Gauge, help);
        foreach ((CheckView check, double figure) in present)
        {
            writer.Sample(figure, labels(check));
        }
    }
}
