using System.Globalization;
using System.Text.RegularExpressions;
using Holt.Hosting;

namespace Holt.Monitor;

/// <summary>The rules on the daemon itself: a refused holt.toml, a start after an unclean stop, a failing service.</summary>
internal sealed partial class Alerting
{
    private DateTimeOffset? _startSeen;

    private void DaemonConditions(List<Condition> conditions, DaemonView? daemon, AlertRules rules)
    {
        if (daemon is null)
        {
            return;
        }

        if (rules.ConfigRefused.Enabled)
        {
            // The file's place only: the reason may quote the line, and a line of holt.toml may hold a token.
            string where = daemon.ConfigProblem is string problem && Location().Match(problem) is { Success: true } match ? match.Groups[1].Value : "holt.toml";
            conditions.Add(new Condition("config_refused:" + _interface, "config_refused", rules.ConfigRefused, AlertSeverity.Warning,
                "holt.toml was refused; the daemon runs the last good configuration",
                daemon.ConfigProblem is null
                    ? "holt.toml reads"
                    : $"{where} does not read, so what it says does not run (the reason is in the daemon's log and in holt monitor status)",
                [], daemon.ConfigProblem is not null, null));
        }

        // The start is judged once, in the first round that sees it.
        bool restarted = daemon.Runs is { AfterUncleanStop: true } && _startSeen != daemon.StartedAt;
        _startSeen = daemon.StartedAt;
        if (rules.DaemonRestarted.Enabled)
        {
            conditions.Add(new Condition("daemon_restarted:" + _interface, "daemon_restarted", rules.DaemonRestarted, AlertSeverity.Warning,
                "the daemon started again after it stopped without shutting down",
                string.Create(CultureInfo.InvariantCulture,
                    $"the run before this one ended without stopping (a kill -9, a crash, a power cut); the daemon started at {daemon.StartedAt:u}, {daemon.Runs?.UncleanStarts ?? 0} such starts of {daemon.Runs?.Starts ?? 0}"),
                [], restarted, null));
        }

        // A service that has not started yet (the ones after the monitor, at the daemon's start) is not failing.
        foreach (ServiceState service in daemon.Services.Where(_ => rules.ServiceFailing.Enabled))
        {
            bool failing = !service.Running && service.LastFault is not null;
            conditions.Add(new Condition("service_failing:" + service.Name, "service_failing", rules.ServiceFailing, AlertSeverity.Critical,
                $"the daemon's {service.Name} service is failing",
                !failing
                    ? $"{service.Name} runs"
                    : string.Create(CultureInfo.InvariantCulture, $"{service.Name} failed at {service.LastFault:u} and is being started again ({service.Restarts} restarts so far); its reason is in the daemon's log"),
                [new("service", service.Name)], failing, null));
        }
    }

    /// <summary>"PATH:LINE" at the start of a refusal such as "/etc/holt/holt.toml:12: ...".</summary>
    [GeneratedRegex(@"^(.+?:\d+): ")]
    private static partial Regex Location();
}
