using System.Globalization;

namespace Holt.Gateway;

/// <summary>
/// <c>/run/holt/INTERFACE.pid</c>: how <c>holt down</c> finds the gateway daemon. A pid is trusted only while
/// that process is still a holt, so a stale file never makes Holt signal an unrelated process.
/// </summary>
internal static class PidFile
{
    public const string Directory = "/run/holt";

    public static string PathFor(string interfaceName) => Path.Combine(Directory, interfaceName + ".pid");

    public static void Write(string interfaceName)
    {
        _ = System.IO.Directory.CreateDirectory(Directory);
        Storage.AtomicFile.WriteAllText(PathFor(interfaceName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n", Storage.AtomicFile.Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    public static void Delete(string interfaceName)
    {
        try
        {
            File.Delete(PathFor(interfaceName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The daemon's pid if its file names a live holt process, else null.</summary>
    public static int? ReadLive(string interfaceName)
    {
        try
        {
            string text = File.ReadAllText(PathFor(interfaceName)).Trim();
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid <= 1)
            {
                return null;
            }

            return Machine.HoltProcess.IsHolt(pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
