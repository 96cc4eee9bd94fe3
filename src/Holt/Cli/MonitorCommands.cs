using System.CommandLine;
using System.Text.Json;
using Holt.Config;
using Holt.Gateway;
using Holt.Monitor;
using Holt.Text;

namespace Holt.Cli;

/// <summary><c>holt monitor</c>: what the daemon's monitor sees of the peers.</summary>
internal static class MonitorCommands
{
    public static Command Create()
    {
        var monitor = new Command("monitor", "The gateway's monitor: each peer's state (up, idle, stale, down, never, disabled) and why.\nExample: holt monitor status");
        monitor.Subcommands.Add(Status());
        return monitor;
    }

    private static Command Status()
    {
        var config = GatewayOptions.Config();
        var json = GatewayOptions.Json();
        var command = new Command(
            "status",
            "Every peer's state as the running monitor last saw it, why, and since when; and how many expected peers are up.\nExample: holt monitor status --json")
        {
            config, json,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            GatewayConfig gateway = store.Load().Gateway;
            Privileges.RequireWhileRunning(gateway, "what its monitor saw is readable by root alone");
            MonitorStatus status = MonitorStatus.Read(gateway.Interface)
                ?? throw new CommandException($"the monitor of {gateway.Interface} is not running (holt up runs it, unless [monitor] has enabled = false)");
            if (result.GetValue(json))
            {
                Console.Out.Write(JsonSerializer.Serialize(status, MonitorJson.Default.MonitorStatus) + "\n");
                return 0;
            }

            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            Console.Out.Write(Format.Table(
                ["PEER", "STATE", "SINCE", "WHY"],
                status.Peers.Select(p => (IReadOnlyList<string>)[
                    p.Expected ? p.Name + " (expected)" : p.Name, p.State, Format.Age(p.Since, now), p.Why,
                ])));
            Console.Out.Write($"expected peers up: {status.ExpectedUp} of {status.ExpectedTotal}; sampled {Format.Age(status.SampledAt, now)}, every {DurationText.Format(status.Interval)}\n");
            return 0;
        }));
        return command;
    }
}
