using System.CommandLine;
using System.Text.Json;
using Holt.Audit;
using Holt.Config;

namespace Holt.Cli;

/// <summary><c>holt audit</c>: what leaves this server open, and <c>holt audit fix</c> for what can be closed safely.</summary>
internal static class AuditCommands
{
    /// <summary>The exit code when the audit found something critical (0: nothing critical; 1: the audit itself failed).</summary>
    public const int CriticalFound = 3;

    public static Command Create()
    {
        var config = GatewayOptions.Config();
        var json = GatewayOptions.Json();
        var only = OnlyOption();
        var sshdConfig = SshdConfigOption();
        var staleDays = new Option<int>("--stale-days")
        {
            Description = "A peer without a handshake for this many days has stale credentials (default 90).",
            DefaultValueFactory = _ => 90,
        };
        var audit = new Command(
            "audit",
            $"""
            Check the whole machine for what leaves it open: sshd's effective configuration, every listening socket
            and whether the internet reaches it, Docker's published ports, the firewall, WireGuard and Holt's files,
            accounts and keys, kernel settings and updates, WordPress admin pages. Each finding has a stable ID, a
            severity, the evidence, why it matters and the exact fix; the report ends with a score.
            Exit status: 0 when nothing critical is found, {CriticalFound} when something is, 1 when the audit could not run.
            Areas: {string.Join(", ", Auditor.AreaNames)}.
            Example: holt audit --only sshd --only listeners
            """)
        {
            config, json, only, sshdConfig, staleDays,
        };
        audit.SetAction(result => CommandRunner.Run(() =>
        {
            int stale = result.GetValue(staleDays);
            if (stale < 1)
            {
                throw new CommandException("--stale-days must be at least 1");
            }

            AuditMachine machine = Machine(result.GetValue(config), result.GetValue(sshdConfig), stale);
            AuditReport report = Auditor.Run(machine, result.GetValue(only) ?? []);
            Console.Out.Write(result.GetValue(json)
                ? JsonSerializer.Serialize(report, AuditJson.Plain.AuditReport) + "\n"
                : AuditText.Write(report));
            return report.Critical > 0 ? CriticalFound : 0;
        }));
        return audit;
    }

    /// <summary>The machine as this host is: its root, the system clock, holt.toml when there is one.</summary>
    internal static AuditMachine Machine(string? configOption, string? sshdConfig, int staleDays = 90)
    {
        ConfigStore store = HoltFile.Resolve(configOption);
        if (sshdConfig is not null && !File.Exists(sshdConfig))
        {
            throw new CommandException($"--sshd-config {sshdConfig}: no such file");
        }

        return new AuditMachine("/", TimeProvider.System)
        {
            Store = File.Exists(store.Path) || configOption is not null ? store : null,
            SshdConfig = sshdConfig,
            StaleDays = staleDays,
        };
    }

    private static Option<string[]> OnlyOption() => new("--only")
    {
        Description = $"Check only this area (repeatable): {string.Join(", ", Auditor.AreaNames)}.",
        AllowMultipleArgumentsPerToken = false,
    };

    private static Option<string?> SshdConfigOption() => new("--sshd-config")
    {
        Description = "sshd's configuration file, when it is not sshd's default (/etc/ssh/sshd_config).",
    };
}
