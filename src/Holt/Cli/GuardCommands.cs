using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Holt.Guard;

namespace Holt.Cli;

/// <summary><c>holt guard ...</c>: brute-force defence. <c>holt guard test</c> checks a filter against a log, as fail2ban-regex does.</summary>
internal static class GuardCommands
{
    public static Command Create()
    {
        var guard = new Command("guard", "Brute-force defence: ban the sources of repeated authentication failures.\nExample: holt guard test /var/log/auth.log");
        guard.Subcommands.Add(Test());
        return guard;
    }

    private static Command Test()
    {
        var file = new Argument<string>("FILE") { Description = "The log file to test (plain or gzip)." };
        var filterName = new Option<string>("--filter") { Description = "The filter: sshd (default) or sshd-aggressive.", DefaultValueFactory = _ => "sshd" };
        var top = new Option<int>("--top") { Description = "How many addresses to list (default 20).", DefaultValueFactory = _ => 20 };
        var command = new Command(
            "test",
            """
            Run a filter over a log file and report what it would count, like fail2ban-regex: lines read, lines that
            matched, and failures per address.
            Example: holt guard test /var/log/auth.log --filter sshd
            """)
        {
            file, filterName, top,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            bool aggressive = result.GetValue(filterName) switch
            {
                "sshd" => false,
                "sshd-aggressive" => true,
                var other => throw new CommandException($"--filter: unknown filter '{Gateway.PeerName.Printable(other ?? "")}' (sshd or sshd-aggressive)"),
            };
            int count = result.GetValue(top);
            if (count is < 1 or > 100_000)
            {
                throw new CommandException("--top must be between 1 and 100000");
            }

            string path = result.GetValue(file)!;
            var clock = Stopwatch.StartNew();
            var filter = new SshdFilter(aggressive);
            var perAddress = new Dictionary<IPAddress, long>();
            long read = 0, parsed = 0, matched = 0;
            foreach ((LogLine? line, long lines) in AuthLogReader.ReadCounting(path))
            {
                read = lines;
                if (line is null)
                {
                    continue;
                }

                parsed++;
                if (filter.Process(line, path) is AuthEvent { Kind: not AuthKind.Accepted, Address: IPAddress address })
                {
                    matched++;
                    perAddress[address] = perAddress.GetValueOrDefault(address) + 1;
                }
            }

            clock.Stop();
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"Lines: {read} read, {parsed} syslog lines, {matched} matched, {read - matched} missed\n");
            text.Append(CultureInfo.InvariantCulture, $"Addresses: {perAddress.Count}\n");
            text.Append(CultureInfo.InvariantCulture, $"Time: {clock.Elapsed.TotalSeconds:0.000} s ({(read / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)):0} lines/s)\n\n");
            text.Append(Format.Table(
                ["ADDRESS", "FAILURES"],
                perAddress.OrderByDescending(p => p.Value).ThenBy(p => p.Key.ToString(), StringComparer.Ordinal).Take(count)
                    .Select(p => (IReadOnlyList<string>)[p.Key.ToString(), p.Value.ToString(CultureInfo.InvariantCulture)])));
            Console.Out.Write(text.ToString());
            return 0;
        }));
        return command;
    }
}
