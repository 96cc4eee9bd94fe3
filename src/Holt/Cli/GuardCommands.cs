using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Holt.Config;
using Holt.Gateway;
using Holt.Guard;
using Holt.Hosting;
using Holt.Text;

namespace Holt.Cli;

/// <summary><c>holt guard ...</c>: brute-force defence. <c>holt guard test</c> checks a filter against a log, as fail2ban-regex does.</summary>
internal static class GuardCommands
{
    public static Command Create()
    {
        var guard = new Command("guard", "Brute-force defence: ban the sources of repeated authentication failures.\nExample: holt guard test /var/log/auth.log");
        guard.Subcommands.Add(Test());
        guard.Subcommands.Add(Ban());
        guard.Subcommands.Add(Unban());
        guard.Subcommands.Add(Status());
        guard.Subcommands.Add(Run());
        return guard;
    }

    private static Command Run()
    {
        var config = GatewayOptions.Config();
        var command = new Command(
            "run",
            """
            Run the guard in the foreground until SIGTERM or Ctrl-C: follow the jails' logs and ban. holt up's daemon
            runs the guard by itself ([guard] enabled = true); this is for a machine without the gateway, or for
            watching what it does. Reads [guard] from holt.toml, or uses the defaults (an sshd jail) without one.
            Example: holt guard run
            """)
        {
            config,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            Privileges.Require();
            ConfigStore store = HoltFile.ResolveForGuard(result.GetValue(config));
            HoltConfig? file = null;
            if (store.Exists)
            {
                using (store.Lock())
                {
                    file = store.Load();
                }
            }

            var logger = new Logging.TextLogger(Console.Error, "guard", Logging.LogLevelSwitch.FromEnvironment());
            using var stop = new StopRequest();
            using var host = new ServiceHost(store, logger, TimeProvider.System);
            host.Add(new GuardDaemonService(standBy: false), GuardSettings.Of, critical: true);
            host.Run(file, stop.Token, () => Console.Error.WriteLine($"The guard runs ({(file is null ? "default jails" : store.Path)}); Ctrl-C stops it."));
            Console.Error.WriteLine($"The guard stopped ({stop.Reason}).");
            return 0;
        }));
        return command;
    }

    private static Command Ban()
    {
        var config = GatewayOptions.Config();
        var address = new Argument<string>("ADDRESS") { Description = "An IPv4 or IPv6 address, or a subnet (CIDR)." };
        var jail = new Option<string>("--jail") { Description = "The jail the ban is recorded under (default manual).", DefaultValueFactory = _ => "manual" };
        var time = new Option<string>("--time") { Description = "How long: 90m, 12h, 7d, 2w (default 1h).", DefaultValueFactory = _ => "1h" };
        var force = new Option<bool>("--force") { Description = "Ban even a way in (a peer's endpoint, this machine's address, an SSH session, ignoreip); says what it cuts." };
        var command = new Command("ban", "Ban an address or subnet now; the kernel lifts the ban when its time is up.\nExample: holt guard ban 203.0.113.9 --time 1d") { config, address, jail, time, force };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            IPNetwork network = GuardOperations.ParseTarget(result.GetValue(address)!);
            string jailName = result.GetValue(jail)!;
            if (!GuardSection.IsJailName(jailName))
            {
                throw new CommandException("--jail: use 1 to 32 letters, digits, '-', '_' or '.'");
            }

            TimeSpan duration = GuardOperations.ParseDuration(result.GetValue(time)!, "--time");

            // Before the ban store: a ban recorded there but refused by nft would come back at the guard's next start.
            Privileges.Require();
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            HoltConfig? file = store.Exists ? store.Load() : null;

            if (GuardOperations.Ban(network, jailName, duration, result.GetValue(force), file, TimeProvider.System) is string cuts)
            {
                Console.Error.WriteLine($"holt: warning: this ban cuts {cuts}");
            }

            Console.Error.WriteLine($"Banned {GuardOperations.Describe(network)} for {result.GetValue(time)} (jail {jailName}).");
            return 0;
        }));
        return command;
    }

    private static Command Unban()
    {
        var address = new Argument<string>("ADDRESS") { Description = "The banned address or subnet." };
        var command = new Command("unban", "Lift a ban now.\nExample: holt guard unban 203.0.113.9") { address };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            IPNetwork network = GuardOperations.ParseTarget(result.GetValue(address)!);

            // Before the ban store: lifted there alone, the ban would stay in the kernel while this said "Unbanned".
            Privileges.Require();
            GuardOperations.Unban(network, TimeProvider.System);
            Console.Error.WriteLine($"Unbanned {GuardOperations.Describe(network)}.");
            return 0;
        }));
        return command;
    }

    private static Command Status()
    {
        var command = new Command(
            "status",
            "The running guard's jails (their logs, failures and bans since it started) and the bans the kernel holds, with their jail and remaining time.\nExample: holt guard status");
        var json = GatewayOptions.Json();
        command.Options.Add(json);
        command.SetAction(result => CommandRunner.Run(() =>
        {
            // The bans are what it lists, and only nftables has them: without the privilege there is nothing to show.
            Privileges.Require();
            if (result.GetValue(json))
            {
                DateTimeOffset now = TimeProvider.System.GetUtcNow();
                Console.Out.Write(JsonSerializer.Serialize(GuardOperations.Report(now, now - GuardOperations.HistorySpan), GuardJson.Default.GuardReport) + "\n");
                return 0;
            }

            var text = new StringBuilder();
            if (GuardStatus.ReadRunning() is IReadOnlyList<JailStatus> jails)
            {
                text.Append(Format.Table(
                    ["JAIL", "FILTER", "READS", "FAILURES", "BANS"],
                    jails.Select(j => (IReadOnlyList<string>)[
                        j.Name, j.Filter, j.Sources.Count > 0 ? string.Join(", ", j.Sources) : "-",
                        j.Failures.ToString(CultureInfo.InvariantCulture), j.Bans.ToString(CultureInfo.InvariantCulture),
                    ])));
                text.Append('\n');
            }
            else
            {
                Console.Error.WriteLine("The guard is not running (holt up runs it, or holt guard run); bans already made stay until their time is up.");
            }

            IReadOnlyList<Ban> bans = BanTable.List();
            text.Append(bans.Count == 0 ? "no bans\n" : Format.Table(
                ["ADDRESS", "JAIL", "REMAINING"],
                bans.OrderBy(b => b.Network.ToString(), StringComparer.Ordinal).Select(b => (IReadOnlyList<string>)[
                    GuardOperations.Describe(b.Network), b.Jail ?? "-", b.Remaining is TimeSpan left ? Format.Span(left) : "-",
                ])));
            Console.Out.Write(text.ToString());
            Console.Error.WriteLine($"{bans.Count} banned.");
            return 0;
        }));
        return command;
    }

    private static Command Test()
    {
        var file = new Argument<string>("FILE") { Description = "The log file to test (plain or gzip)." };
        var filterName = new Option<string>("--filter")
        {
            Description = $"The filter: {string.Join(", ", FilterCatalog.BuiltIn)} (default sshd).",
            DefaultValueFactory = _ => "sshd",
        };
        var regex = new Option<string[]>("--regex")
        {
            Description = "Test your own pattern instead of a named filter: a .NET regex whose (?<host>...) group is the client's IP address. Repeat for more patterns; the first that matches a line decides.",
            HelpName = "PATTERN",
        };
        var top = new Option<int>("--top") { Description = "How many addresses to list (default 20; with --json, all unless given).", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts: lines read, matched and missed, failures per address, and the time taken." };
        var command = new Command(
            "test",
            """
            Run a filter over a log file and report what it would count, like fail2ban-regex: lines read, lines that
            matched, and failures per address.
            Example: holt guard test /var/log/auth.log --filter sshd
            Example: holt guard test /var/log/nginx/access.log --filter wordpress
            Example: holt guard test app.log --regex '^login failed from (?<host>\S+)$'
            Example: holt guard test /var/log/auth.log --json | jq '.failures[0]'
            """)
        {
            file, filterName, regex, top, json,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string[] patterns = result.GetValue(regex) ?? [];
            bool filterGiven = result.GetResult(filterName) is { Implicit: false };
            if (patterns.Length > 0 && filterGiven)
            {
                throw new CommandException("--filter and --regex cannot be combined: --regex tests your own pattern instead of a named filter");
            }

            IGuardFilter filter;
            try
            {
                filter = patterns.Length > 0 ? new RegexFilter("regex", patterns) : FilterCatalog.Create(result.GetValue(filterName)!);
            }
            catch (ArgumentException e)
            {
                throw new CommandException($"{(patterns.Length > 0 ? "--regex" : "--filter")}: {e.Message}", e);
            }

            int count = result.GetValue(top);
            if (count is < 1 or > 100_000)
            {
                throw new CommandException("--top must be between 1 and 100000");
            }

            string path = result.GetValue(file)!;
            var clock = Stopwatch.StartNew();

            // "Now" for the filters is the file's modification time: it gives classic syslog timestamps their year.
            DateTimeOffset modified = AuthLogReader.LastWritten(path);
            var perAddress = new Dictionary<IPAddress, long>();
            long read = 0, matched = 0;
            var tally = new ReadTally();
            foreach (string line in AuthLogReader.ReadLines(path, tally))
            {
                read++;
                if (filter.MatchLine(line, modified) is Failure failure)
                {
                    matched++;
                    perAddress[failure.Address] = perAddress.GetValueOrDefault(failure.Address) + 1;
                }
            }

            clock.Stop();
            long syslogLines = filter is SshdLineFilter sshd ? sshd.SyslogLines : -1;
            long timeouts = filter is RegexFilter timed ? timed.Timeouts : 0;
            IEnumerable<KeyValuePair<IPAddress, long>> ranked = perAddress.OrderByDescending(p => p.Value).ThenBy(p => p.Key.ToString(), StringComparer.Ordinal);
            if (result.GetValue(json))
            {
                bool topGiven = result.GetResult(top) is { Implicit: false };
                var view = new GuardTestView(
                    path, filter.Name, read, syslogLines < 0 ? null : syslogLines, matched, read - matched, tally.SkippedLines, timeouts, perAddress.Count,
                    Math.Round(clock.Elapsed.TotalSeconds, 6), (topGiven ? ranked.Take(count) : ranked).Select(p => new AddressFailures(p.Key.ToString(), p.Value)).ToList());
                Console.Out.Write(JsonSerializer.Serialize(view, GuardTestJson.Default.GuardTestView) + "\n");
                return 0;
            }

            var text = new StringBuilder();
            string syslog = syslogLines >= 0 ? string.Create(CultureInfo.InvariantCulture, $", {syslogLines} syslog lines") : "";
            text.Append(CultureInfo.InvariantCulture, $"Lines: {read} read{syslog}, {matched} matched, {read - matched} missed\n");
            if (tally.SkippedLines > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"Skipped: {tally.SkippedLines} (lines longer than {LineSplitter.MaxLineLength} bytes, or cut by NUL padding; not read)\n");
            }

            if (timeouts > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"Timeouts: {timeouts} (lines on which a pattern ran longer than {RegexFilter.MatchTimeout.TotalMilliseconds:0} ms; not counted)\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"Addresses: {perAddress.Count}\n");
            text.Append(CultureInfo.InvariantCulture, $"Time: {clock.Elapsed.TotalSeconds:0.000} s ({(read / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)):0} lines/s)\n\n");
            text.Append(Format.Table(
                ["ADDRESS", "FAILURES"],
                ranked.Take(count).Select(p => (IReadOnlyList<string>)[p.Key.ToString(), p.Value.ToString(CultureInfo.InvariantCulture)])));
            Console.Out.Write(text.ToString());
            return 0;
        }));
        return command;
    }
}

/// <summary><c>holt guard test --json</c>: what fail2ban-regex reports, for scripts to compare.</summary>
/// <param name="File">The log file read.</param>
/// <param name="Filter">The filter's name ("regex" for --regex).</param>
/// <param name="LinesRead">Lines read.</param>
/// <param name="SyslogLines">Of them, lines in a syslog form (the sshd filter only; null for the others).</param>
/// <param name="LinesMatched">Lines that reported a failure (each counts one).</param>
/// <param name="LinesMissed">Lines that did not.</param>
/// <param name="LinesSkipped">Lines not read: longer than the limit, or cut by NUL padding.</param>
/// <param name="RegexTimeouts">Lines on which a --regex pattern ran out of time.</param>
/// <param name="Addresses">Distinct addresses with failures.</param>
/// <param name="Seconds">The time the reading took.</param>
/// <param name="Failures">Failures per address, most first.</param>
internal sealed record GuardTestView(
    string File, string Filter, long LinesRead, long? SyslogLines, long LinesMatched, long LinesMissed, long LinesSkipped, long RegexTimeouts,
    int Addresses, double Seconds, IReadOnlyList<AddressFailures> Failures);

/// <summary>One address and its failures.</summary>
internal sealed record AddressFailures(string Address, long Failures);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(GuardTestView))]
internal sealed partial class GuardTestJson : System.Text.Json.Serialization.JsonSerializerContext;
