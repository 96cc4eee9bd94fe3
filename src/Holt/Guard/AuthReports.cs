namespace Holt.Guard;

/// <summary>
/// Feeds an <see cref="AuthReport"/> from sshd's logs, for <c>holt report auth</c> and the dashboard's Guard page:
/// syslog files (plain or gzip) read through the sshd filter, or the journal. Lines the reader skips (too long, cut
/// by NUL padding) are counted and handed to <c>skipped</c> with their source.
/// </summary>
internal static class AuthReports
{
    public const string DefaultAuthLog = "/var/log/auth.log";

    /// <summary>auth.log and its rotations that exist, newest last; none on a system without rsyslog.</summary>
    public static IReadOnlyList<string> DefaultFiles() => AuthLogReader.RotatedFamily(DefaultAuthLog);

    public static void AddFiles(IEnumerable<string> paths, Action<AuthEvent> add, Action<string, long> skipped)
    {
        foreach (string path in paths)
        {
            var filter = new SshdFilter();
            var tally = new ReadTally();
            foreach (LogLine line in AuthLogReader.Read(path, tally))
            {
                if (filter.Process(line, path) is AuthEvent e)
                {
                    add(e);
                }
            }

            skipped(path, tally.SkippedLines);
        }
    }

    public static void AddJournal(DateTimeOffset? from, DateTimeOffset? to, Action<AuthEvent> add, Action<string, long> skipped)
    {
        var filter = new SshdFilter();
        var source = new JournalSource();
        foreach (JournalEntry entry in source.Read(new JournalQuery(Since: from, Until: to)))
        {
            if (filter.Process(entry.Line, "journal") is AuthEvent e)
            {
                add(e);
            }
        }

        skipped("journalctl's output", source.SkippedLines);
    }

    /// <summary>
    /// The report of the last <paramref name="span"/> before <paramref name="now"/>, from auth.log and its rotations
    /// when there is one, else from the journal: what the guard's sshd jail reads by default.
    /// </summary>
    public static AuthReportView Recent(DateTimeOffset now, TimeSpan span, int top)
    {
        var report = new AuthReport();
        DateTimeOffset from = now - span;
        void Add(AuthEvent e)
        {
            if (e.Time >= from && e.Time <= now)
            {
                report.Add(e);
            }
        }

        IReadOnlyList<string> files = DefaultFiles();
        if (files.Count > 0)
        {
            AddFiles(files, Add, (_, _) => { });
        }
        else
        {
            AddJournal(from, null, Add, (_, _) => { });
        }

        return report.View(top);
    }
}
