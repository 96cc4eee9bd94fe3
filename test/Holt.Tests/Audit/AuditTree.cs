using Holt.Audit;
using Holt.Config;
using Holt.Storage;
using Holt.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Audit;

/// <summary>
/// A machine in a temporary directory for the audit's areas: files written at absolute paths (/etc/passwd,
/// /proc/sys/...) land below <see cref="Root"/>, with the mode asked for, and <see cref="Machine"/> reads them.
/// </summary>
internal sealed class AuditTree : IDisposable
{
    /// <summary>The fixed time the audits run at.</summary>
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public AuditTree() => Root = Directory.CreateTempSubdirectory("holt-audit-").FullName;

    public string Root { get; }

    /// <summary>The uid this test runs as, which owns every file it writes (root under CI, a user elsewhere).</summary>
    public uint Uid => UnixFile.StatusOf(Root, follow: false)!.Uid;

    public FakeTimeProvider Time { get; } = new(Now);

    public string PathOf(string absolute) => Path.Combine(Root, absolute.TrimStart('/'));

    /// <summary>Writes <paramref name="text"/> at <paramref name="absolute"/>, creating its directories, with <paramref name="mode"/>.</summary>
    public string Write(string absolute, string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        string path = PathOf(absolute);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    public string Folder(string absolute, UnixFileMode? mode = null)
    {
        string path = PathOf(absolute);
        Directory.CreateDirectory(path);
        if (mode is UnixFileMode set)
        {
            File.SetUnixFileMode(path, set);
        }

        return path;
    }

    /// <summary>holt.toml at /etc/holt/holt.toml in the tree (the file need not exist).</summary>
    public ConfigStore Store => TestConfig.Store(PathOf("/etc/holt/holt.toml"));

    public AuditMachine Machine(ConfigStore? store = null, int staleDays = 90, ToolRunner? run = null) =>
        new(Root, Time, run ?? ((_, _) => null)) { Store = store, StaleDays = staleDays };

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
