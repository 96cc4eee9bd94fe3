using Holt.Storage;

namespace Holt.Audit;

/// <summary>
/// How a file that holds secrets (private keys, a copy of holt.toml) should be kept: owned by root, and neither
/// readable nor writable by its group or anyone else. Shared by the areas that judge such files, so each says the
/// same thing in the same words.
/// </summary>
internal static class SecretFiles
{
    /// <summary>The bits that let someone other than the owner read or change a file.</summary>
    public const UnixFileMode Exposed =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>The bits that let someone other than the owner change a file, or replace what a directory holds.</summary>
    public const UnixFileMode WritableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>The mode as ls and chmod write it: four octal digits (0600).</summary>
    public static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0xfff, 8).PadLeft(4, '0');

    /// <summary>"mode 0644, owner uid 1000": the evidence for a file's status.</summary>
    public static string Describe(FileStatus status) => $"mode {Octal(status.Mode)}, owner uid {status.Uid}, group gid {status.Gid}";

    /// <summary>
    /// What is wrong with a secret file's mode or owner, or null when nothing is: others may read or change it, or
    /// it belongs to someone other than <paramref name="ownerUid"/> (who may then chmod it at will).
    /// </summary>
    public static string? Problem(FileStatus status, uint ownerUid)
    {
        var problems = new List<string>();
        if ((status.Mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
        {
            problems.Add((status.Mode & UnixFileMode.OtherRead) != 0 ? "every user may read it" : "its group may read it");
        }

        if ((status.Mode & WritableByOthers) != 0)
        {
            problems.Add((status.Mode & UnixFileMode.OtherWrite) != 0 ? "every user may change it" : "its group may change it");
        }

        if (status.Uid != ownerUid)
        {
            problems.Add($"it belongs to uid {status.Uid}, not {(ownerUid == 0 ? "root" : $"uid {ownerUid}")}");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>
    /// The name the audit reads <paramref name="path"/> by (an absolute path as on the machine): the path itself on
    /// a real machine, the part below the root in a test's tree. Null when a test's path lies outside its root.
    /// </summary>
    public static string? MachineName(AuditMachine machine, string path)
    {
        if (machine.Root == "/")
        {
            return path;
        }

        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(machine.Root));
        return path.StartsWith(root + "/", StringComparison.Ordinal) ? path[root.Length..] : null;
    }
}
