namespace Holt.Machine;

/// <summary>Other processes of this machine, as Holt needs to know them.</summary>
internal static class HoltProcess
{
    /// <summary>
    /// Whether process <paramref name="pid"/> exists and is a holt (the binary, or holt.dll under dotnet): a pid
    /// from a file is trusted only then, so a stale file never makes Holt signal or trust an unrelated process.
    /// </summary>
    public static bool IsHolt(int pid)
    {
        try
        {
            // The command line is NUL-separated.
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0').Any(a => Path.GetFileName(a) is "holt" or "holt.dll");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
