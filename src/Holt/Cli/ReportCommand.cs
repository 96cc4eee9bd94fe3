using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Holt.Guard;
using Holt.Text;

namespace Holt.Cli;

/// <summary><c>holt report auth</c>: who tried to log in, who got in, and from where.</summary>
internal static class ReportCommand
{
    public const string DefaultAuthLog = AuthReports.DefaultAuthLog;

    public static Command Create()
    {
        var report = new Command("report", "Reports from the machine's logs.\nExample: holt report auth --since 24h");
        var files = new Argument<string[]>("FILE") { Description = "Log files to read (default: /var/log/auth.log and its rotations, .gz included, else the journal).", Arity = ArgumentArity.ZeroOrMore };
        var since = new Option<string?>("--since") { Description = "Only events at or after this: 24h, 7d, 2026-11-01 or 2026-11-01T08:00:00Z." };
        var until = new Option<string?>("--until") { Description = "Only events before this (same forms)." };
        var top = new Option<int>("--top") { Description = "How many addresses, users and logins to list (default 10).", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };
        var journal = new Option<bool>("--journal") { Description = "Read sshd's messages from the systemd journal (systems without auth.log)." };
        var btmp = new Option<string?>("--btmp") { Description = "Also count the failed logins of a btmp file (the records behind lastb), e.g. /var/log/btmp.", Arity = ArgumentArity.ZeroOrOne };
        var wtmp = new Option<string?>("--wtmp") { Description = "Also count the SSH logins of a wtmp file (the records behind last), e.g. /var/log/wtmp.", Arity = ArgumentArity.ZeroOrOne };
        var auth = new Command(
            "auth",
            """
            Summarize SSH authentication: failed and invalid-user attempts, successful logins by method, top source
            addresses with first and last seen, top user names, logins by user and address, attempts per hour.
            Reads sshd's lines (sshd and sshd-session) from syslog files, plain or gzip, or the journal (--journal),
            and the binary btmp/wtmp records (--btmp, --wtmp; failures in btmp repeat those in the logs).
            Example: holt report auth --since 7d --top 20
            """)
        {
            files, since, until, top, json, journal, btmp, wtmp,
        };
        auth.SetAction(result => CommandRunner.Run(() =>
        {
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            DateTimeOffset? from = result.GetValue(since) is string s ? ParseTime(s, now, "--since") : null;
            DateTimeOffset? to = result.GetValue(until) is string u ? ParseTime(u, now, "--until") : null;
            int count = result.GetValue(top);
            if (count is < 1 or > 10_000)
            {
                throw new CommandException("--top must be between 1 and 10000");
            }

            var report = new AuthReport();
            void Add(AuthEvent e)
            {
                if ((from is null || e.Time >= from) && (to is null || e.Time < to))
                {
                    report.Add(e);
                }
            }

            bool useJournal = result.GetValue(journal);
            string[] given = result.GetValue(files) ?? [];
            bool binaryOnly = given.Length == 0 && !useJournal && (result.Tokens.Any(t => t.Value is "--btmp" or "--wtmp"));
            IReadOnlyList<string> paths = given.Length > 0 ? given : useJournal || binaryOnly ? [] : AuthReports.DefaultFiles();
            if (given.Length == 0 && !useJournal && !binaryOnly && paths.Count == 0)
            {
                // Debian 12 and others without rsyslog keep sshd's messages in the journal alone: read it there, as
                // the guard's sshd jail does, and say so (on standard error, so JSON stays clean).
                Console.Error.WriteLine($"{DefaultAuthLog} does not exist: reading sshd's messages from the systemd journal.");
                useJournal = true;
            }

            AuthReports.AddFiles(paths, Add, ReportSkipped, ReportDamaged);
            if (useJournal)
            {
                AuthReports.AddJournal(from, to, Add, ReportSkipped);
            }

            foreach ((string option, string defaultPath, bool failures) in new[] { ("--btmp", "/var/log/btmp", true), ("--wtmp", "/var/log/wtmp", false) })
            {
                if (!result.Tokens.Any(t => t.Value == option))
                {
                    continue;
                }

                string path = (failures ? result.GetValue(btmp) : result.GetValue(wtmp)) ?? defaultPath;
                using FileStream stream = OpenBinary(path);
                foreach (AuthEvent e in failures ? Utmp.ReadFailures(stream) : Utmp.ReadLogins(stream))
                {
                    Add(e);
                }
            }

            AuthReportView view = report.View(count);
            Console.Out.Write(result.GetValue(json)
                ? JsonSerializer.Serialize(view, ReportJson.Default.AuthReportView) + "\n"
                : AuthReport.Render(view));
            return 0;
        }));
        report.Subcommands.Add(auth);
        return report;
    }

    /// <summary>A btmp or wtmp file; like a log, only a regular file (/dev/zero would be read forever).</summary>
    private static FileStream OpenBinary(string path) => new(LogFile.Open(path, "read"), FileAccess.Read);

    /// <summary>Said on standard error, so the report (and its JSON) stays as it was; the lines were left out of it.</summary>
    private static void ReportSkipped(string source, long skipped)
    {
        if (skipped > 0)
        {
            Console.Error.WriteLine($"Skipped {skipped} lines of {source}: longer than {LineSplitter.MaxLineLength} bytes, or cut by NUL padding.");
        }
    }

    /// <summary>A file passed over (see <see cref="AuthReports.AddFiles"/>): said on standard error, and the report goes on.</summary>
    private static void ReportDamaged(string problem, long linesBefore) =>
        Console.Error.WriteLine(linesBefore > 0
            ? $"holt: warning: {problem}; the report has its first {linesBefore} lines only"
            : $"holt: warning: {problem}; the report leaves it out");

    /// <summary>A past duration (90m, 24h, 7d, 2w) before now, a date (midnight UTC) or a UTC date and time.</summary>
    internal static DateTimeOffset ParseTime(string text, DateTimeOffset now, string option)
    {
        if (Config.DurationText.TryParse(text, "mhdw", out TimeSpan span))
        {
            return now - span;
        }

        string[] formats = ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssK"];
        return DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time)
            ? time.ToUniversalTime()
            : throw new CommandException($"{option}: '{Printable.Of(text)}' is not a duration (24h, 7d) or a date (2026-11-01, 2026-11-01T08:00:00Z)");
    }
}
