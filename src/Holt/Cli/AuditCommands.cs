using System.CommandLine;
using System.Text.Json;
using Holt.Audit;
using Holt.Config;
using Holt.Hosting;

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
            string[] areas = result.GetValue(only) ?? [];
            AuditReport report = Auditor.Run(machine, areas);
            if (areas.Length == 0)
            {
                Keep(report);
            }

            Console.Out.Write(result.GetValue(json)
                ? JsonSerializer.Serialize(report, AuditJson.Plain.AuditReport) + "\n"
                : AuditText.Write(report));
            return report.Critical > 0 ? CriticalFound : 0;
        }));
        audit.Subcommands.Add(Fix());
        audit.Subcommands.Add(Confirm());
        audit.Subcommands.Add(Rollback());
        audit.Subcommands.Add(RollbackWatch());
        return audit;
    }

    private static Command Fix()
    {
        var config = GatewayOptions.Config();
        var ids = new Argument<string[]>("ID") { Description = "Finding IDs, as holt audit prints them.", Arity = ArgumentArity.ZeroOrMore };
        var safe = new Option<bool>("--safe") { Description = "Make every fix that cannot cut you off (holt audit marks them)." };
        var sshdConfig = SshdConfigOption();
        var authLog = new Option<string[]>("--auth-log")
        {
            Description = "Where sshd logs logins, to tell how this session logged in (default: /var/log/auth.log and /var/log/secure, and the journal).",
        };
        var timeout = new Option<int>("--confirm-timeout")
        {
            Description = $"Seconds to wait for holt audit confirm before the change rolls back (default {(int)AuditFixes.DefaultConfirmTimeout.TotalSeconds}).",
            DefaultValueFactory = _ => (int)AuditFixes.DefaultConfirmTimeout.TotalSeconds,
        };
        var command = new Command(
            "fix",
            """
            Make the fixes holt audit found, where they can be made safely: sshd's settings go into
            /etc/ssh/sshd_config.d/00-holt.conf (the first value wins), checked with sshd -t, then sshd reloads and
            keeps every open session. Unless holt audit confirm follows within --confirm-timeout, from a new SSH login,
            the previous drop-in comes back by itself. Refused while this session logged in with a password (for
            password fixes) or its user has no authorized key. Fixes Holt cannot make are printed as instructions.
            Example: holt audit fix --safe, then from a new login: holt audit confirm
            """)
        {
            config, ids, safe, sshdConfig, authLog, timeout,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            Privileges.Require();
            AuditMachine machine = Machine(result.GetValue(config), result.GetValue(sshdConfig));
            string[] logs = result.GetValue(authLog) is { Length: > 0 } given ? given : ["/var/log/auth.log", "/var/log/secure"];
            var lockout = new SshdLockout
            {
                Session = Holt.Machine.SshSession.CurrentClient(),
                ServerAddress = Holt.Machine.SshSession.CurrentServerAddress(),
                AuthLogs = logs,
                User = Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudo ? sudo : Environment.UserName,
                Machine = machine,
            };
            FixOutcome outcome = AuditFixes.Fix(machine, result.GetValue(ids) ?? [], result.GetValue(safe), TimeSpan.FromSeconds(result.GetValue(timeout)), lockout);
            foreach (string warning in outcome.Warnings)
            {
                Console.Error.WriteLine($"holt: warning: {warning}");
            }

            foreach (Finding finding in outcome.Applied)
            {
                Console.Out.Write($"fixed    {finding.Id}: {finding.SshdLine}\n");
            }

            foreach (Finding finding in outcome.ByHand)
            {
                Console.Out.Write($"by hand  {finding.Id}: {finding.Fix}\n");
            }

            if (outcome.Deadline is DateTimeOffset deadline)
            {
                int seconds = (int)Math.Ceiling((deadline - TimeProvider.System.GetUtcNow()).TotalSeconds);
                Console.Error.WriteLine(
                    $"{outcome.Reload ?? "sshd is not running; it reads the drop-in when it starts"}. Log in again in a new SSH session and run holt audit confirm within {seconds} s; otherwise the previous sshd configuration comes back by itself.");
            }
            else if (outcome.ByHand.Count == 0)
            {
                Console.Error.WriteLine("Nothing to fix.");
            }

            return 0;
        }));
        return command;
    }

    private static Command Confirm()
    {
        var force = new Option<bool>("--force") { Description = "Confirm from a session that began before the fix, or outside SSH: nothing then shows a new login works." };
        var command = new Command(
            "confirm",
            """
            Keep the sshd changes the last holt audit fix made. Run it from an SSH session that began after the fix:
            that the login worked is the proof that the change did not lock you out.
            Example: ssh admin@10.8.0.1 sudo holt audit confirm
            """)
        {
            force,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            Privileges.Require();
            using (AuditPending.Lock())
            {
                AuditPending pending = AuditPending.Read() ?? throw new CommandException("no audit fix is waiting for confirmation (it was confirmed already, or rolled back)");
                DateTimeOffset? session = SessionStart.Current();
                string? problem = session is null
                    ? "this is not an SSH session, so it shows nothing about new logins"
                    : session < pending.Applied - TimeSpan.FromSeconds(1)
                        ? $"this SSH session began at {session:HH:mm:ss}Z, before the fix ({pending.Applied:HH:mm:ss}Z), so it shows nothing about new logins"
                        : null;
                if (problem is not null)
                {
                    if (!result.GetValue(force))
                    {
                        throw new CommandException($"{problem}; log in again (a new ssh) and confirm from there, or add --force");
                    }

                    Console.Error.WriteLine($"holt: warning: {problem}; confirming anyway (--force)");
                }

                AuditPending.Delete();
            }

            Console.Error.WriteLine("Confirmed: sshd keeps the new settings.");
            return 0;
        }));
        return command;
    }

    private static Command Rollback()
    {
        var command = new Command("rollback", "Put sshd's configuration back as it was before the unconfirmed fix, now.\nExample: holt audit rollback");
        command.SetAction(result => CommandRunner.Run(() =>
        {
            Privileges.Require();
            using (AuditPending.Lock())
            {
                AuditPending pending = AuditPending.Read() ?? throw new CommandException("no audit fix is waiting for confirmation, so there is nothing to roll back");
                string? reload = AuditFixes.RollBack(pending);
                Console.Error.WriteLine($"Rolled back: {pending.DropIn} is as it was{(reload is null ? "" : $"; {reload}")}.");
            }

            return 0;
        }));
        return command;
    }

    /// <summary>The hidden watcher a fix starts; it rolls back after the deadline unless confirmed.</summary>
    private static Command RollbackWatch()
    {
        var token = new Option<string>("--token") { Required = true };
        var command = new Command("rollback-watch", "Internal: started by holt audit fix.") { token };
        command.Hidden = true;
        command.SetAction(result => CommandRunner.Run(() =>
        {
            ReadySignal? ready = Daemon.TakeReadySignal();
            _ = AuditFixes.WatchAndRollBack(result.GetValue(token)!, ready, TimeProvider.System);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Keeps a full report for the daemon's metrics and dashboard. Only root's: the state directory is root's, and
    /// an audit without root sees less (no host keys, no other users' sockets) than the one it would replace. A
    /// report that cannot be kept is said, and the audit's own answer and exit status stand.
    /// </summary>
    private static void Keep(AuditReport report)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        var store = new AuditStore(AuditStore.DefaultPath);
        try
        {
            store.Save(report);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"holt: warning: the report is not kept for the dashboard and /metrics: {store.Path}: {e.Message}");
        }
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
            Sshd = SshdExecutable(),
        };
    }

    /// <summary>
    /// The sshd to ask: HOLT_SSHD when set (an sshd outside the usual places), else Debian's /usr/sbin/sshd, else the
    /// first on PATH; the default path when there is none, so the message names what is missing.
    /// </summary>
    private static string SshdExecutable()
    {
        if (Environment.GetEnvironmentVariable("HOLT_SSHD") is { Length: > 0 } named)
        {
            return named;
        }

        const string debian = "/usr/sbin/sshd";
        if (File.Exists(debian))
        {
            return debian;
        }

        string? onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "sshd")).FirstOrDefault(File.Exists);
        return onPath ?? debian;
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
