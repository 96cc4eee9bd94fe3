using System.Globalization;

namespace Holt.Audit;

/// <summary>
/// When the SSH session this process runs in began: the start time of its nearest sshd ancestor (the session's own
/// sshd process, forked at login). A confirmation from a session that began after a fix proves a new login works.
/// </summary>
internal static class SessionStart
{
    private const double TicksPerSecond = 100; // USER_HZ: 100 on every Linux architecture .NET runs on

    /// <summary>The session's start, or null when no sshd is among this process's ancestors.</summary>
    public static DateTimeOffset? Current()
    {
        long? bootSeconds = BootTime();
        if (bootSeconds is null)
        {
            return null;
        }

        int pid = Environment.ProcessId;
        for (int depth = 0; depth < 64 && pid > 1; depth++)
        {
            if (Stat(pid) is not (string comm, int parent, long startTicks))
            {
                return null;
            }

            if (pid != Environment.ProcessId && comm.StartsWith("sshd", StringComparison.Ordinal))
            {
                return DateTimeOffset.FromUnixTimeMilliseconds((bootSeconds.Value * 1000) + (long)(startTicks * 1000 / TicksPerSecond));
            }

            pid = parent;
        }

        return null;
    }

    /// <summary>/proc/PID/stat's name, parent and start time (in ticks since boot); the name may hold spaces and ')'.</summary>
    private static (string Comm, int Parent, long StartTicks)? Stat(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int open = stat.IndexOf('(', StringComparison.Ordinal);
            int close = stat.LastIndexOf(')');
            string[] fields = stat[(close + 2)..].Split(' ');

            // After the name: state (field 3) is fields[0], so parent (4) is fields[1] and starttime (22) fields[19].
            return open >= 0 && close > open && fields.Length > 19 &&
                int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int parent) &&
                long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out long start)
                ? (stat[(open + 1)..close], parent, start)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static long? BootTime()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/stat"))
            {
                if (line.StartsWith("btime ", StringComparison.Ordinal) &&
                    long.TryParse(line.AsSpan(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
                {
                    return seconds;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
