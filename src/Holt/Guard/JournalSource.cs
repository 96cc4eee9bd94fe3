using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Holt.Guard;

/// <summary>One journal entry as a log line, with the cursor that lets a reader resume right after it.</summary>
internal sealed record JournalEntry(LogLine Line, string? Cursor);

/// <summary>Which part of the journal to read.</summary>
/// <param name="Since">Entries at or after this time.</param>
/// <param name="Until">Entries at or before this time.</param>
/// <param name="AfterCursor">Entries after this cursor (a position saved from <see cref="JournalEntry.Cursor"/>).</param>
/// <param name="Follow">Keep reading new entries as they arrive (<c>journalctl -f</c>) until cancelled.</param>
/// <param name="Units">Read these systemd units' entries instead of sshd's (a user-defined filter's jail).</param>
internal sealed record JournalQuery(
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    string? AfterCursor = null,
    bool Follow = false,
    IReadOnlyList<string>? Units = null);

/// <summary>
/// Reads sshd's messages from the systemd journal through <c>journalctl -o json</c>: the journal's files are a
/// private format, and journalctl is the interface systemd supports for reading them.
/// </summary>
/// <remarks>
/// sshd's messages are selected by the process name (<c>_COMM</c>, set by journald from the kernel, which the
/// process cannot fake) or by the syslog tag (<c>SYSLOG_IDENTIFIER</c>), each for both <c>sshd</c> and
/// <c>sshd-session</c> (OpenSSH 9.8 moved per-connection work, and its logging, into sshd-session).
/// </remarks>
internal sealed class JournalSource
{
    /// <summary>The program names sshd logs under.</summary>
    public static readonly IReadOnlyList<string> Programs = ["sshd", "sshd-session"];

    private const int BlockSize = 64 * 1024;
    private const int ErrorHeadSize = 4096;

    private readonly string _executable;

    /// <param name="executable">journalctl, or another path to it (tests pass a fake).</param>
    public JournalSource(string executable = "journalctl") => _executable = executable;

    /// <summary>
    /// Output lines skipped by the last <see cref="Read"/> so far: longer than <see cref="LineSplitter.MaxLineLength"/>
    /// or cut by NUL bytes (journalctl prints neither; a line like that is damaged).
    /// </summary>
    public long SkippedLines { get; private set; }

    /// <summary>The journalctl arguments for a query.</summary>
    public static IReadOnlyList<string> Arguments(JournalQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var arguments = new List<string> { "-o", "json", "--no-pager", "--quiet" };
        if (query.Since is { } since)
        {
            // "@seconds" is an instant; a formatted date would be read in journalctl's local time zone.
            arguments.Add("--since=@" + Math.Floor(since.ToUnixTimeMilliseconds() / 1000.0).ToString(CultureInfo.InvariantCulture));
        }

        if (query.Until is { } until)
        {
            arguments.Add("--until=@" + Math.Ceiling(until.ToUnixTimeMilliseconds() / 1000.0).ToString(CultureInfo.InvariantCulture));
        }

        if (query.AfterCursor is { } cursor)
        {
            arguments.Add("--after-cursor=" + cursor);
        }

        if (query.Follow)
        {
            arguments.Add("--follow");
            if (query.Since is null && query.AfterCursor is null)
            {
                // Without a position, -f would first repeat the last ten entries; a follower wants only new ones.
                arguments.Add("--lines=0");
            }
        }

        if (query.Units is { Count: > 0 } units)
        {
            // The unit is set by journald from the cgroup; the service cannot choose it.
            foreach (string unit in units)
            {
                arguments.Add("_SYSTEMD_UNIT=" + (unit.Contains('.', StringComparison.Ordinal) ? unit : unit + ".service"));
            }

            return arguments;
        }

        // Matches on one field are ORed; "+" ORs the two groups, so an entry matches either way it is named.
        foreach (string program in Programs)
        {
            arguments.Add("_COMM=" + program);
        }

        arguments.Add("+");
        foreach (string program in Programs)
        {
            arguments.Add("SYSLOG_IDENTIFIER=" + program);
        }

        return arguments;
    }

    /// <summary>
    /// Runs journalctl and yields its entries as they are read. A follow query ends when <paramref name="cancel"/>
    /// is cancelled; any other ends with journalctl's output.
    /// </summary>
    /// <exception cref="CommandException">journalctl is missing or failed.</exception>
    public IEnumerable<JournalEntry> Read(JournalQuery query, CancellationToken cancel = default)
    {
        var start = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in Arguments(query))
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new CommandException($"could not start {_executable}");
        }
        catch (Win32Exception e)
        {
            throw new CommandException(
                $"journalctl is not installed; this system has no systemd journal to read (read the log file with --log FILE instead): {e.Message}",
                e);
        }

        return ReadOutput(process, cancel);
    }

    private IEnumerable<JournalEntry> ReadOutput(Process process, CancellationToken cancel)
    {
        using (process)
        using (cancel.Register(() => Stop(process)))
        {
            process.StandardInput.Close();
            SkippedLines = 0;
            Task<string> error = HeadOfAsync(process.StandardError.BaseStream);
            var splitter = new LineSplitter();
            byte[] block = new byte[BlockSize];
            var entries = new List<JournalEntry>();
            try
            {
                // Read as bytes through a LineSplitter, not with ReadLine: one huge line must not take all memory.
                int read;
                while ((read = process.StandardOutput.BaseStream.Read(block)) > 0)
                {
                    Parse(splitter, block.AsSpan(0, read), entries);
                    SkippedLines = splitter.SkippedLines;
                    foreach (JournalEntry entry in entries)
                    {
                        yield return entry;
                    }

                    entries.Clear();
                }

                if (splitter.TryFinish(out ReadOnlySpan<byte> last) && JournalJson.Parse(last) is { } final)
                {
                    yield return final;
                }
            }
            finally
            {
                // A reader that stops early must not leave journalctl (above all journalctl -f) running behind it.
                if (!process.HasExited)
                {
                    Stop(process);
                }
            }

            process.WaitForExit();
            if (process.ExitCode != 0 && !cancel.IsCancellationRequested)
            {
                string message = error.Result.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0)
                    ?? $"exit code {process.ExitCode}";
                throw new CommandException($"{_executable} failed: {message}");
            }
        }
    }

    private static void Parse(LineSplitter splitter, ReadOnlySpan<byte> block, List<JournalEntry> entries)
    {
        while (splitter.TryRead(ref block, out ReadOnlySpan<byte> line))
        {
            if (!line.IsEmpty && JournalJson.Parse(line) is { } entry)
            {
                entries.Add(entry);
            }
        }
    }

    /// <summary>The first few kilobytes of a stream (journalctl's errors), reading the rest to its end and dropping it.</summary>
    private static async Task<string> HeadOfAsync(Stream stream)
    {
        byte[] head = new byte[ErrorHeadSize];
        byte[] rest = new byte[ErrorHeadSize];
        int length = 0, read;
        while ((read = await stream.ReadAsync(length < head.Length ? head.AsMemory(length) : rest.AsMemory()).ConfigureAwait(false)) > 0)
        {
            length += length < head.Length ? read : 0;
        }

        return Encoding.UTF8.GetString(head, 0, length);
    }

    private static void Stop(Process process)
    {
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }
    }
}
