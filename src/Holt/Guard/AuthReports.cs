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

    /// <param name="damaged">
    /// Told of a file that is not a valid gzip file (cut short, damaged): the problem, naming the file, and how many
    /// of its lines were read before it.
    /// </param>
    public static void AddFiles(IEnumerable<string> paths, Action<AuthEvent> add, Action<string, long> skipped, Action<string, long> damaged)
    {
        foreach (string path in paths)
        {
            var filter = new SshdFilter();
            var tally = new ReadTally();
            long lines = 0;
            try
            {
                foreach ((LogLine? line, long count) in AuthLogReader.ReadCounting(path, tally))
                {
                    lines = count;
                    if (line is not null && filter.Process(line, path) is AuthEvent e)
                    {
                        add(e);
                    }
                }
            }
            catch (CommandException e) when (e.InnerException is InvalidDataException)
            {
                // A damaged rotation is said and passed over, and the other files still count: a .gz that logrotate's
                // compression left cut short (a full disk, a crash) is a common leftover, and one bad week must not
                // hide the others. Its lines before the damage stay counted: they decompressed as written, and a
                // file cut short lost only its end. Any other problem (not a log, unreadable) still stops the report.
                damaged(e.Message, lines);
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
            // The page shows what can be read; a damaged old rotation is the report command's to explain.
            AddFiles(files, Add, (_, _) => { }, (_, _) => { });
        }
        else
        {
            AddJournal(from, null, Add, (_, _) => { });
        }

        return report.View(top);
    }
}
