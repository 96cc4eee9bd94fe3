using System.CommandLine;
using System.Text.Json;
using Holt.Config;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Monitor;
using Holt.Monitor.Checks;
using Holt.Text;
using Holt.Uapi;

namespace Holt.Cli;

/// <summary><c>holt monitor check</c>: every [[monitor.check]] run once, now, with the tunnel's part in each result.</summary>
internal static class MonitorCheckCommand
{
    public static Command Create()
    {
        var config = GatewayOptions.Config();
        var json = GatewayOptions.Json();
        var other = new Option<string?>("--interface", "-i")
        {
            Description = "The WireGuard interface whose peers' handshakes the results report (by default the gateway's).",
        };
        var command = new Command(
            "check",
            """
            Run every [[monitor.check]] of holt.toml once, now, and print one line each: the check, ok or FAIL, its
            latency, why it failed, and whether the peer its target sits behind is handshaking, so that "the tunnel is
            up but the service is down" reads differently from "the tunnel is down". Exit code 1 when any check fails.
            icmp checks need root (a raw socket); the handshakes need it while the gateway runs.
            Example: holt monitor check --json
            """)
        {
            config, json, other,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            HoltConfig holt = store.Load();
            IReadOnlyList<CheckConfig> checks = holt.Monitor.Checks;
            if (checks.Count == 0)
            {
                Console.Error.WriteLine($"{store.Path} has no [[monitor.check]]: nothing to run");
                return 0;
            }

            GatewayConfig? gateway = holt.Find<GatewayConfig>();
            string? interfaceName = result.GetValue(other) ?? gateway?.Interface;
            var tunnel = new TunnelPeers(Sampler(interfaceName), TimeProvider.System);
            tunnel.Update(gateway is not null && interfaceName == gateway.Interface ? gateway.Peers : null);
            using var runner = new CheckRunner(new CheckExecutor(TimeProvider.System), tunnel, TimeProvider.System);
            using var stop = new StopRequest();
            IReadOnlyList<CheckResult> results = runner.RunOnceAsync(checks, stop.Token).GetAwaiter().GetResult();
            List<CheckView> views = checks.Zip(results, CheckView.Of).ToList();
            if (result.GetValue(json))
            {
                Console.Out.Write(JsonSerializer.Serialize(views, CheckJson.Default.ListCheckView) + "\n");
            }
            else
            {
                Console.Out.Write(Table(views, TerminalColor.Output));
            }

            return views.All(v => v.Ok == true) ? 0 : 1;
        }));
        return command;
    }

    /// <summary>The checks as <c>holt monitor check</c> and <c>holt monitor status</c> print them; with <paramref name="color"/>, results in their colour.</summary>
    public static string Table(IEnumerable<CheckView> views, bool color) => Format.Table(
        ["CHECK", "TYPE", "TARGET", "RESULT", "LATENCY", "PEER", "TUNNEL", "WHY"],
        views.Select(v => (IReadOnlyList<string>)[
            Printable.Of(v.Name), v.Type, Printable.Of(v.Target), TerminalColor.CheckResult(v.Ok switch { true => "ok", false => "FAIL", null => "pending" }, color),
            v.LatencyMs is double ms ? CheckResult.Milliseconds(TimeSpan.FromMilliseconds(ms)) + " ms" : "-",
            v.Peer is string peer ? Printable.Of(peer) : "-", v.TunnelText, v.Summary ?? "-",
        ]));

    /// <summary>Reads the interface through its control socket, or the kernel's through wg; null when there is none.</summary>
    private static Func<DeviceStatus?> Sampler(string? interfaceName)
    {
        if (interfaceName is null)
        {
            return () => null;
        }

        WireGuardControl control = File.Exists(UapiServer.SocketPathFor(interfaceName)) ? new EngineControl(interfaceName) : new KernelControl(interfaceName);
        return control.TryGet;
    }
}
