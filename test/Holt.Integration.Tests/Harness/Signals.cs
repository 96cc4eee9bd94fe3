using System.Runtime.InteropServices;

namespace Holt.Integration.Tests.Harness;

/// <summary>Sends POSIX signals; .NET can only send SIGKILL by itself, and the shutdown tests need SIGTERM and SIGINT.</summary>
internal static partial class Signals
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Sends a signal; false when the process is already gone.</summary>
    public static bool Send(int pid, int signal) => kill(pid, signal) == 0;

    /// <summary>Whether a process still runs; an unreaped zombie has finished and counts as gone.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            // /proc/PID/stat is "PID (comm) STATE ..."; comm may contain spaces, so read after the last ')'.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int end = stat.LastIndexOf(')');
            return end > 0 && end + 2 < stat.Length && stat[end + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
