using System.CommandLine;
using System.Security.Cryptography;
using Holt.Config;
using Holt.External;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Storage;

namespace Holt.Cli;

/// <summary>
/// <c>holt install</c> and <c>holt uninstall</c>: the running binary in /usr/local/bin, a configuration if there is
/// none, and a systemd unit that starts the gateway at boot and again after a failure. Both are idempotent: what is
/// already in place is left alone and said so. With <c>--root DIR</c> they work on a tree of files where no systemd
/// runs (an image being built, a test): the unit is enabled by its symlink, as <c>systemctl --root</c> does, and
/// nothing is started.
/// </summary>
internal static class InstallCommands
{
    private const string BinaryPath = "usr/local/bin/holt";

    public static IEnumerable<Command> Create() => [Install(), Uninstall()];

    private static Command Install()
    {
        var root = RootOption();
        var endpoint = new Option<string?>("--endpoint") { Description = "For a new configuration: the host name or address clients dial (detected when omitted)." };
        var command = new Command(
            "install",
            """
            Install Holt as a service: copy this binary to /usr/local/bin/holt, create /etc/holt/holt.toml if there is
            none (as holt init does), write the systemd unit holt.service, enable it and start it (restart it when the
            binary or the unit changed). Running it again changes only what differs.
            Example: holt install && holt peer add laptop --admin
            """)
        {
            root, endpoint,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            (string top, bool live) = Root(result.GetValue(root));
            Privileges.Require();

            // Before anything is copied: a directory or a FIFO there is neither a configuration to keep nor a place to create one.
            ConfigStore store = HoltFile.Resolve(Path.Combine(top, ConfigStore.DefaultPath.TrimStart('/')));
            store.RefuseSpecial("use");
            var done = new List<string>();
            string binary = Path.Combine(top, BinaryPath);
            bool binaryChanged = CopyBinary(binary, done);
            CopyHook(Path.GetDirectoryName(binary)!, done);

            if (!store.Exists)
            {
                GatewayConfig created = InitCommand.Initialize(store, new InitOptions { Endpoint = result.GetValue(endpoint) }, force: false);
                done.Add($"created {store.Path} (interface {created.Interface}, {created.Subnet}, UDP port {created.ListenPort}, clients dial {created.ClientEndpoint})");
            }
            else
            {
                done.Add($"kept {store.Path}");
            }

            string unitPath = Path.Combine(top, SystemdUnit.Directory, SystemdUnit.Name);
            bool unitChanged = WriteIfDifferent(unitPath, SystemdUnit.Text("/" + BinaryPath), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            done.Add(unitChanged ? $"wrote {unitPath}" : $"{unitPath} is up to date");
            string wants = Path.Combine(top, SystemdUnit.Directory, SystemdUnit.WantedBy + ".wants", SystemdUnit.Name);
            done.Add(Enable(wants) ? $"enabled {SystemdUnit.Name} ({wants})" : $"{SystemdUnit.Name} is enabled");
            if (live)
            {
                _ = ExternalTool.Run("systemctl", ["daemon-reload"]);
                bool restart = binaryChanged || unitChanged;
                _ = ExternalTool.Run("systemctl", [restart ? "restart" : "start", SystemdUnit.Name]);
                done.Add(restart ? $"started {SystemdUnit.Name} (systemctl restart)" : $"{SystemdUnit.Name} runs (systemctl start)");
            }
            else
            {
                done.Add($"not started: {top} is not the running system");
            }

            foreach (string line in done)
            {
                Console.Error.WriteLine("  " + line);
            }

            Console.Error.WriteLine("Installed. Next: holt peer add laptop --admin, import its config on your laptop, then open http://VPN-ADDRESS:9587/ through the tunnel.");
            return 0;
        }));
        return command;
    }

    private static Command Uninstall()
    {
        var root = RootOption();
        var purge = new Option<bool>("--purge") { Description = "Also delete /etc/holt (the configuration and every key) and /var/lib/holt (state, bans, history)." };
        var command = new Command(
            "uninstall",
            """
            Undo holt install: stop and disable holt.service, remove the unit and /usr/local/bin/holt. The configuration
            and the state stay unless --purge is given. Running it again finds nothing to do.
            Example: holt uninstall --purge
            """)
        {
            root, purge,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            (string top, bool live) = Root(result.GetValue(root));
            Privileges.Require();
            var done = new List<string>();
            string unitPath = Path.Combine(top, SystemdUnit.Directory, SystemdUnit.Name);
            string wants = Path.Combine(top, SystemdUnit.Directory, SystemdUnit.WantedBy + ".wants", SystemdUnit.Name);
            if (live && File.Exists(unitPath))
            {
                // Stopping it runs holt down: the interface goes, and the firewall's table when it is not enabled.
                _ = ExternalTool.TryRun("systemctl", ["disable", "--now", SystemdUnit.Name]);
                done.Add($"stopped and disabled {SystemdUnit.Name}");
            }

            foreach (string path in (string[])[wants, unitPath, Path.Combine(top, BinaryPath), Path.Combine(top, Path.GetDirectoryName(BinaryPath)!, "holt-wg-quick")])
            {
                if (File.Exists(path) || UnixFile.TypeOf(path, follow: false) == FileType.SymbolicLink)
                {
                    File.Delete(path);
                    done.Add($"removed {path}");
                }
            }

            if (live && done.Count > 0)
            {
                _ = ExternalTool.TryRun("systemctl", ["daemon-reload"]);
            }

            foreach (string directory in (string[])[Path.Combine(top, "etc/holt"), Path.Combine(top, StateStore.DefaultDirectory.TrimStart('/'))])
            {
                if (!Directory.Exists(directory))
                {
                    continue;
                }

                if (result.GetValue(purge))
                {
                    Directory.Delete(directory, recursive: true);
                    done.Add($"deleted {directory}");
                }
                else
                {
                    done.Add($"kept {directory} (--purge deletes it)");
                }
            }

            if (!done.Any(d => d.StartsWith("removed", StringComparison.Ordinal) || d.StartsWith("stopped", StringComparison.Ordinal) || d.StartsWith("deleted", StringComparison.Ordinal)))
            {
                Console.Error.WriteLine("Holt is not installed here; nothing to remove.");
                return 0;
            }

            foreach (string line in done)
            {
                Console.Error.WriteLine("  " + line);
            }

            Console.Error.WriteLine("Uninstalled.");
            return 0;
        }));
        return command;
    }

    private static Option<string?> RootOption() => new("--root")
    {
        Description = "Work on the file tree under DIR instead of this system (an image, a test): nothing is started or stopped.",
    };

    /// <summary>The tree to work on, and whether it is the running system (whose systemd must then be there).</summary>
    private static (string Top, bool Live) Root(string? root)
    {
        if (root is not null && !Directory.Exists(root))
        {
            throw new CommandException($"--root: {root} is not a directory");
        }

        string top = Path.GetFullPath(root ?? "/");
        bool live = top == "/";
        return !live || Directory.Exists("/run/systemd/system")
            ? (top, live)
            : throw new CommandException("this system does not run systemd (no /run/systemd/system): start the gateway with holt up from its own init instead");
    }

    /// <summary>Copies the running binary to <paramref name="target"/> (mode 0755, atomically) unless it is the same; true when it changed.</summary>
    private static bool CopyBinary(string target, List<string> done)
    {
        string source = Environment.ProcessPath ?? throw new CommandException("cannot tell where this holt binary is");
        // A framework-dependent build (an apphost that starts holt.dll under the JIT) does not run alone.
        if (!Path.GetFileName(source).Equals("holt", StringComparison.Ordinal) || File.Exists(Path.Combine(Path.GetDirectoryName(source)!, "holt.dll")))
        {
            throw new CommandException($"install copies the published holt binary, not {source} (dotnet publish src/Holt -c Release -r linux-x64 -o DIR, then DIR/holt install)");
        }

        byte[] content = File.ReadAllBytes(source);
        if (File.Exists(target) && SHA256.HashData(File.ReadAllBytes(target)).AsSpan().SequenceEqual(SHA256.HashData(content)))
        {
            done.Add($"{target} is this binary already");
            return false;
        }

        AtomicFile.CreateParent(target);
        _ = AtomicFile.WriteAllBytes(target, content, Executable);
        done.Add($"copied {source} to {target}");
        return true;
    }

    /// <summary>The wg-quick hook ships beside the binary, and goes where it goes.</summary>
    private static void CopyHook(string directory, List<string> done)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "holt-wg-quick");
        string target = Path.Combine(directory, "holt-wg-quick");
        if (File.Exists(source) && Path.GetFullPath(source) != Path.GetFullPath(target) && WriteIfDifferent(target, File.ReadAllText(source), Executable))
        {
            done.Add($"copied {source} to {target}");
        }
    }

    private static bool WriteIfDifferent(string path, string text, UnixFileMode mode)
    {
        if (File.Exists(path) && File.ReadAllText(path) == text && File.GetUnixFileMode(path) == mode)
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _ = AtomicFile.WriteAllText(path, text, mode);
        return true;
    }

    /// <summary>The symlink <c>systemctl enable</c> makes; true when it was missing.</summary>
    private static bool Enable(string wants)
    {
        string target = "/" + Path.Combine(SystemdUnit.Directory, SystemdUnit.Name);
        if (UnixFile.TypeOf(wants, follow: false) == FileType.SymbolicLink && new FileInfo(wants).LinkTarget == target)
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(wants)!);
        if (UnixFile.TypeOf(wants, follow: false) != FileType.Missing)
        {
            File.Delete(wants);
        }

        _ = File.CreateSymbolicLink(wants, target);
        return true;
    }

    private const UnixFileMode Executable =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
}
