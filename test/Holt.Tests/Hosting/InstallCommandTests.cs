using Holt.Hosting;
using Holt.Tests.Support;

namespace Holt.Tests.Hosting;

/// <summary>
/// holt install and uninstall on a root directory of the test's own, where no systemd runs, with the executable
/// users run: the files they leave, the unit as systemd-analyze verify reads it (against the system's own units,
/// copied into the root), and what a second run does.
/// </summary>
public sealed class InstallCommandTests : IDisposable
{
    private const string Analyze = "/usr/bin/systemd-analyze";

    private readonly string _root = Directory.CreateTempSubdirectory("holt-install-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Install_ThenUninstall_OnARootOfItsOwn()
    {
        if (!HoltProcess.IsNativeAot)
        {
            // Under the JIT, holt is an apphost that needs holt.dll beside it: install refuses to copy it alone.
            (int refused, _, string why) = Run("install", "--root", _root, "--endpoint", "vpn.example.com");
            Assert.Equal(1, refused);
            Assert.Contains("install copies the published holt binary", why, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
            return;
        }

        (int code, string output, string error) = Run("install", "--root", _root, "--endpoint", "vpn.example.com");

        Assert.True(code == 0, error);
        Assert.Equal("", output);
        string binary = Path.Combine(_root, "usr/local/bin/holt");
        string unit = Path.Combine(_root, "etc/systemd/system/holt.service");
        string wants = Path.Combine(_root, "etc/systemd/system/multi-user.target.wants/holt.service");
        string config = Path.Combine(_root, "etc/holt/holt.toml");
        Assert.Equal(File.ReadAllBytes(HoltProcess.ExecutablePath), File.ReadAllBytes(binary));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(binary));
        Assert.Equal(SystemdUnit.Text("/usr/local/bin/holt"), File.ReadAllText(unit));
        Assert.Equal("/etc/systemd/system/holt.service", new FileInfo(wants).LinkTarget);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        Assert.Contains("endpoint = \"vpn.example.com\"", File.ReadAllText(config), StringComparison.Ordinal);
        Assert.Contains("not started: " + _root + " is not the running system", error, StringComparison.Ordinal);
        Assert.Contains("Next: holt peer add laptop --admin", error, StringComparison.Ordinal);
        Verify();

        // Again: nothing differs, so nothing is written, and the configuration (with its keys) is kept.
        string key = File.ReadAllText(config);
        DateTime written = File.GetLastWriteTimeUtc(unit);
        (int again, _, string second) = Run("install", "--root", _root);
        Assert.True(again == 0, second);
        Assert.Contains("is this binary already", second, StringComparison.Ordinal);
        Assert.Contains("holt.service is up to date", second, StringComparison.Ordinal);
        Assert.Contains("holt.service is enabled", second, StringComparison.Ordinal);
        Assert.Equal(key, File.ReadAllText(config));
        Assert.Equal(written, File.GetLastWriteTimeUtc(unit));

        // Uninstall keeps the configuration and the state; --purge takes them; a second uninstall finds nothing.
        Directory.CreateDirectory(Path.Combine(_root, "var/lib/holt"));
        (int removed, _, string removal) = Run("uninstall", "--root", _root);
        Assert.True(removed == 0, removal);
        Assert.False(File.Exists(binary));
        Assert.False(File.Exists(unit));
        Assert.Equal("missing", FileTypeOf(wants));
        Assert.True(File.Exists(config));
        Assert.Contains("kept " + Path.Combine(_root, "etc/holt") + " (--purge deletes it)", removal, StringComparison.Ordinal);
        (int purged, _, string purge) = Run("uninstall", "--root", _root, "--purge");
        Assert.True(purged == 0, purge);
        Assert.False(Directory.Exists(Path.Combine(_root, "etc/holt")));
        Assert.False(Directory.Exists(Path.Combine(_root, "var/lib/holt")));
        (int nothing, _, string none) = Run("uninstall", "--root", _root);
        Assert.Equal(0, nothing);
        Assert.Equal("Holt is not installed here; nothing to remove.\n", none);
    }

    [Fact]
    public void ARootThatIsNotADirectory_IsRefusedInOneLine()
    {
        (int code, _, string error) = Run("install", "--root", Path.Combine(_root, "missing"));

        Assert.Equal(1, code);
        Assert.Equal($"holt: --root: {Path.Combine(_root, "missing")} is not a directory\n", error);
    }

    [Fact]
    public void WithoutSystemd_InstallAndUninstall_SayItInOneLine_AndChangeNothing()
    {
        if (Directory.Exists("/run/systemd/system"))
        {
            // This machine runs systemd: without --root, install would really install. The case needs a machine
            // without it, such as CI's.
            return;
        }

        string[] paths = ["/usr/local/bin/holt", "/etc/systemd/system/holt.service", "/etc/holt"];
        bool[] before = paths.Select(Path.Exists).ToArray();
        foreach (string[] command in new[] { new[] { "install", "--endpoint", "vpn.example.com" }, ["uninstall"], ["uninstall", "--purge"] })
        {
            (int code, string output, string error) = Run(command);

            Assert.Equal(1, code);
            Assert.Equal("", output);
            Assert.Equal("holt: this system does not run systemd (no /run/systemd/system): start the gateway with holt up from its own init instead\n", error);
        }

        Assert.Equal(before, paths.Select(Path.Exists).ToArray());
    }

    /// <summary>systemd-analyze verify against the system's own units, copied into the root; any complaint fails.</summary>
    private void Verify()
    {
        Assert.True(File.Exists(Analyze) || !Zbar.IsCi, $"needs systemd's {Analyze}");
        if (!File.Exists(Analyze))
        {
            return;
        }

        CopyTree("/lib/systemd/system", Path.Combine(_root, "usr/lib/systemd/system"));
        (int code, string output, string error) = HoltProcess.RunProgram(Analyze, null, null, "verify", "--root=" + _root, "holt.service");
        Assert.True(code == 0 && error.Length == 0 && output.Length == 0, $"systemd-analyze verify: exit {code}\n{output}{error}");
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string entry in Directory.EnumerateFileSystemEntries(from))
        {
            string target = Path.Combine(to, Path.GetFileName(entry));
            var info = new FileInfo(entry);
            if (info.LinkTarget is string link)
            {
                File.CreateSymbolicLink(target, link);
            }
            else if (Directory.Exists(entry))
            {
                CopyTree(entry, target);
            }
            else
            {
                File.Copy(entry, target);
            }
        }
    }

    private static string FileTypeOf(string path) =>
        File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null ? "present" : "missing";

    private static (int Code, string Output, string Error) Run(params string[] arguments) => HoltProcess.Run(null, arguments);
}
