using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Holt.Config;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Monitor;
using Holt.Text;
using Holt.Uapi;

namespace Holt.Cli;

/// <summary><c>holt monitor</c>: what the daemon's monitor sees of the peers.</summary>
internal static class MonitorCommands
{
    public static Command Create()
    {
        var monitor = new Command("monitor", "The gateway's monitor: each peer's state (up, idle, stale, down, never, disabled) and why.\nExample: holt monitor status");
        monitor.Subcommands.Add(Status());
        monitor.Subcommands.Add(Run());
        monitor.Subcommands.Add(MonitorCheckCommand.Create());
        monitor.Subcommands.Add(MonitorAlertsCommand.Create());
        monitor.Subcommands.Add(MonitorNotifyCommand.Create());
        monitor.Subcommands.Add(MonitorHistoryCommand.Create());
        return monitor;
    }

    internal static Option<string?> InterfaceOption() =>
        new("--interface", "-i") { Description = "A WireGuard interface that is not a Holt gateway's (one holt monitor run watches)." };

    private static string HostLine(HostView host)
    {
        static string Figure(double? value, string unit) => value is double v ? v.ToString("0.#", CultureInfo.InvariantCulture) + unit : "-";
        return $"host: cpu {Figure(host.CpuPercent, " %")}, memory {Figure(host.MemoryUsedPercent, " %")} used, " +
            $"load {Figure(host.Load1, "")} {Figure(host.Load5, "")} {Figure(host.Load15, "")}, " +
            $"state disk {Figure(host.StateDiskFreePercent, " %")} free, " +
            $"UDP receive-buffer errors {(host.UdpReceiveBufferErrors is long errors ? errors.ToString(CultureInfo.InvariantCulture) : "-")}";
    }

    private static string LinkLine(string interfaceName, LinkView link)
    {
        static string Rate(double? rate) => rate is double r ? Format.Bytes((ulong)Math.Max(0, r)) + "/s" : "-";
        string flaps = link.Flaps == 1 ? "1 flap" : $"{link.Flaps} flaps";
        return $"interface {interfaceName}: {(link.Up ? "up" : "DOWN")}, {flaps} since the monitor started, " +
            $"receiving {Rate(link.ReceiveRate)}, sending {Rate(link.SendRate)}";
    }

    /// <summary>What the last edit the daemon took changed, for the "applied" line; nothing before the first edit.</summary>
    internal static string ChangesText(DaemonView daemon) =>
        daemon.ConfigChanges.Count == 0 ? "" : $" ({string.Join("; ", daemon.ConfigChanges)})";

    internal static string DaemonLines(DaemonView daemon, DateTimeOffset now)
    {
        var text = new System.Text.StringBuilder();
        string runs = daemon.Runs is DaemonRuns r
            ? $"; {r.Starts} starts, {r.UncleanStarts} after a run that never stopped{(r.AfterUncleanStop ? ", this one too" : "")}"
            : "";
        text.Append(CultureInfo.InvariantCulture, $"daemon: started {Format.Age(daemon.StartedAt, now)}{runs}\n");
        text.Append(daemon.ConfigProblem is string problem
            ? $"holt.toml: REFUSED {Format.Age(daemon.ConfigProblemSince, now)}, the last good configuration runs: {problem}\n"
            : $"holt.toml: applied {Format.Age(daemon.ConfigAppliedAt, now)}{ChangesText(daemon)}; {daemon.ConfigRefused} edits refused since the start\n");
        text.Append("services: ").AppendJoin(", ", daemon.Services.Select(s =>
            (s.Running ? s.Name : s.LastFault is null ? s.Name + " (starting)" : s.Name + " FAILING") + (s.Restarts > 0 ? $" ({s.Restarts} restarts, last fault {Format.Age(s.LastFault, now)})" : ""))).Append('\n');
        return text.ToString();
    }

    private static Command Run()
    {
        var name = new Option<string>("--interface", "-i") { Description = "The WireGuard interface to watch: wireguard-go or Holt's engine (its control socket), or the kernel's (wg).", Required = true };
        var interval = new Option<string>("--interval") { Description = "How often to sample every peer (default 5s).", DefaultValueFactory = _ => "5s" };
        var via = new Option<string>("--via")
        {
            Description = "How to read the interface: auto (its control socket when there is one, else wg), socket, or wg (wg show dump, as for the kernel's).",
            DefaultValueFactory = _ => "auto",
        };
        via.AcceptOnlyFromAmong("auto", "socket", "wg");
        var command = new Command(
            "run",
            """
            Watch a WireGuard interface that is not a Holt gateway's, in the foreground: every peer's state, logged as it
            changes, and shown by holt monitor status --interface NAME. Ctrl-C stops it. A gateway's daemon (holt up)
            watches its own interface already.
            Example: holt monitor run --interface wg0
            """)
        {
            name, interval, via,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            Privileges.Require();
            string interfaceName = result.GetValue(name)!;
            if (!DurationText.TryParse(result.GetValue(interval), "sm", out TimeSpan every) || every < MonitorConfig.MinInterval || every > MonitorConfig.MaxInterval)
            {
                throw new CommandException($"--interval must be from 1s to 1m, not '{Printable.Of(result.GetValue(interval) ?? "")}'");
            }

            if (GatewayClaim.Running().Any(c => c.Interface == interfaceName))
            {
                throw new CommandException($"{interfaceName} is a Holt gateway's, and its daemon monitors it already (holt monitor status)");
            }

            bool socket = result.GetValue(via) switch
            {
                "socket" => true,
                "wg" => false,
                _ => File.Exists(UapiServer.SocketPathFor(interfaceName)),
            };
            WireGuardControl control = socket ? new EngineControl(interfaceName) : new KernelControl(interfaceName);
            if (control.TryGet() is null)
            {
                throw new CommandException($"no WireGuard interface {Printable.Of(interfaceName)} runs here (neither a control socket nor the kernel's)");
            }

            var logger = new Logging.TextLogger(Console.Error, "monitor", Logging.LogLevelSwitch.FromEnvironment());
            using var stop = new StopRequest();
            using MonitorStore? history = MonitorStore.TryOpen(logger);
            InterfaceAlerts? kept = history is null ? null : new InterfaceAlerts(history, interfaceName);
            using var service = new MonitorService(
                control.TryGet, host: new HostSignals(StateStore.StateDirectory()), alerts: new AlertWiring(kept, GatewayName: AlertWiring.ThisHost), history: history);
            var failed = new TaskCompletionSource<Exception>();
            service.Start(
                new MonitorSettings(interfaceName, null, new MonitorConfig { Interval = every }),
                new ServiceContext(service.Name, TimeProvider.System, logger, (_, e) => failed.TrySetResult(e)));
            Console.Error.WriteLine($"The monitor watches {interfaceName} every {DurationText.Format(every)}; Ctrl-C stops it.");
            _ = WaitHandle.WaitAny([stop.Token.WaitHandle, ((IAsyncResult)failed.Task).AsyncWaitHandle]);
            service.Stop();
            if (failed.Task.IsCompleted)
            {
                throw new CommandException($"the monitor failed: {failed.Task.Result.Message}", failed.Task.Result);
            }

            return 0;
        }));
        return command;
    }

    private static Command Status()
    {
        var config = GatewayOptions.Config();
        var json = GatewayOptions.Json();
        var other = InterfaceOption();
        var command = new Command(
            "status",
            "Every peer's state as the running monitor last saw it, why, and since when; and how many expected peers are up.\nExample: holt monitor status --json")
        {
            config, json, other,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            MonitorStatus status = ReadRunning(result.GetValue(config), result.GetValue(other));
            if (result.GetValue(json))
            {
                Console.Out.Write(JsonSerializer.Serialize(status, MonitorJson.Default.MonitorStatus) + "\n");
                return 0;
            }

            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            bool color = TerminalColor.Output;
            Console.Out.Write(Format.Table(
                ["PEER", "STATE", "SINCE", "WHY"],
                status.Peers.Select(p => (IReadOnlyList<string>)[
                    p.Expected ? p.Name + " (expected)" : p.Name, TerminalColor.MonitorState(p.State, color), Format.Age(p.Since, now), p.Why,
                ])));
            Console.Out.Write($"expected peers up: {status.ExpectedUp} of {status.ExpectedTotal}; sampled {Format.Age(status.SampledAt, now)}, every {DurationText.Format(status.Interval)}\n");
            if (status.Host is HostView host)
            {
                Console.Out.Write(HostLine(host) + "\n");
            }

            if (status.Link is LinkView link)
            {
                Console.Out.Write(LinkLine(status.Interface, link) + "\n");
            }

            if (status.Daemon is DaemonView daemon)
            {
                Console.Out.Write(DaemonLines(daemon, now));
            }

            if (status.Checks.Count > 0)
            {
                Console.Out.Write("\n" + MonitorCheckCommand.Table(status.Checks, color));
            }

            if (status.Alerts.Count > 0)
            {
                Console.Out.Write("\n" + MonitorAlertsCommand.Table(status.Alerts, now, color));
            }

            return 0;
        }));
        return command;
    }

    /// <summary>
    /// What the running monitor last saw: of <paramref name="interfaceName"/> (a <c>holt monitor run</c>), or of the
    /// gateway of holt.toml at <paramref name="configPath"/>.
    /// </summary>
    internal static MonitorStatus ReadRunning(string? configPath, string? interfaceName)
    {
        if (interfaceName is not null)
        {
            Privileges.Require();
            return MonitorStatus.Read(interfaceName)
                ?? throw new CommandException($"no monitor watches {Printable.Of(interfaceName)} (holt monitor run --interface {Printable.Of(interfaceName)} does)");
        }

        ConfigStore store = HoltFile.Resolve(configPath);
        string name;
        try
        {
            GatewayConfig gateway = store.Load().Gateway;
            Privileges.RequireWhileRunning(gateway, "what its monitor saw is readable by root alone");
            name = gateway.Interface;
        }
        catch (CommandException e) when (GatewayClaim.Running().FirstOrDefault(c => c.Config == store.Path) is GatewayClaim running)
        {
            // A broken hand edit: the running gateway (found by its claim) keeps its last good configuration, and
            // its monitor's status is what shows that.
            Privileges.Require();
            Console.Error.WriteLine($"holt: {e.Message} (the running gateway keeps its last good configuration)");
            name = running.Interface;
        }

        return MonitorStatus.Read(name)
            ?? throw new CommandException($"the monitor of {name} is not running (holt up runs it, unless [monitor] has enabled = false)");
    }
}
