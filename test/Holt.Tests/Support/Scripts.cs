using System.ComponentModel;
using System.Diagnostics;

namespace Holt.Tests.Support;

/// <summary>Executable scripts that stand in for other programs (a fake journalctl).</summary>
internal static class Scripts
{
    private const int ETXTBSY = 26;

    /// <summary>
    /// Writes an executable script and waits until it can be run. A child that another test forks while this file is
    /// open for writing inherits that descriptor until it executes its own program, and meanwhile exec(2) of the
    /// script fails with ETXTBSY ("Text file busy"); a probe run, killed at once, shows the window has passed.
    /// </summary>
    public static string WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
                using Process probe = Process.Start(start)!;
                probe.Kill();
                probe.WaitForExit();
                return path;
            }
            catch (Win32Exception e) when (e.NativeErrorCode == ETXTBSY && attempt < 500)
            {
                Thread.Sleep(10);
            }
        }
    }
}
