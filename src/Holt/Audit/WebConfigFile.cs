namespace Holt.Audit;

/// <summary>Reads the web servers' configuration files for <see cref="NginxConfig"/> and <see cref="ApacheConfig"/>.</summary>
internal static class WebConfigFile
{
    /// <summary>
    /// A configuration file's text, or null when the name is not a regular file that reads (a directory in
    /// sites-enabled, an include naming a directory or a dangling link): one odd name must not stop the area.
    /// </summary>
    public static string? Read(AuditMachine machine, string file)
    {
        try
        {
            return machine.StatusOf(file, follow: true) is { Type: Storage.FileType.RegularFile } ? machine.ReadText(file) : null;
        }
        catch (AuditAreaException)
        {
            return null;
        }
    }
}
