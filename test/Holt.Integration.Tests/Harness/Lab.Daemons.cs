namespace Holt.Integration.Tests.Harness;

/// <summary>Tunnels started the ways operators start them: the implementation's own daemon mode, and wg-quick.</summary>
internal sealed partial class Lab
{
    /// <summary>
    /// Runs the implementation's daemonizing command (<c>holt tunnel NAME</c>, <c>wireguard-go NAME</c>), which
    /// must return only once the control socket is ready. The caller checks the result; the daemon is adopted.
    /// </summary>
    public async Task<CommandResult> LaunchDaemonAsync(Host host)
    {
        var launcher = WireGuardImplementation.For(host.Implementation);
        string log = Path.Combine(Directory, host.Interface + ".log");
        IReadOnlyList<int> before = await host.Namespace.ProcessIdsAsync();
        var tunnel = TunnelProcess.ForDaemon(host.Implementation, host.Namespace, host.Interface, log);
        _tunnels.Add(tunnel);
        host.Tunnel = tunnel;
        Log($"launching {launcher.Name} as a daemon for {host.Interface}");
        CommandResult result = await Command.RunDetachedOutputAsync(
            host.Namespace.Wrap(launcher.Daemon(host.Interface)), log, environment: WireGuardImplementation.Environment);
        if (result.Succeeded)
        {
            await tunnel.AdoptDaemonAsync(before);
        }

        return result;
    }

    /// <summary>
    /// Runs <c>wg-quick VERB CONFIG</c> in the host's namespace with the host's implementation as
    /// WG_QUICK_USERSPACE_IMPLEMENTATION. After a successful <c>up</c> the daemon it left is the host's tunnel.
    /// </summary>
    public async Task<CommandResult> WgQuickAsync(Host host, string verb, string configFile)
    {
        var launcher = WireGuardImplementation.For(host.Implementation);
        string wrapper = await WgQuickWrapperAsync();
        string log = Path.Combine(Directory, host.Interface + ".log");
        IReadOnlyList<int> before = await host.Namespace.ProcessIdsAsync();
        var environment = new Dictionary<string, string>(WireGuardImplementation.Environment)
        {
            ["WG_QUICK_USERSPACE_IMPLEMENTATION"] = launcher.WgQuickHook,
        };

        Log($"wg-quick {verb} {Path.GetFileName(configFile)} with {launcher.Name}");
        CommandResult result = await Command.RunDetachedOutputAsync(
            host.Namespace.Wrap(Tools.Unshare, "--mount", "--propagation", "private", wrapper, verb, configFile),
            log,
            environment: environment);
        if (verb == "up" && result.Succeeded)
        {
            var tunnel = TunnelProcess.ForDaemon(host.Implementation, host.Namespace, host.Interface, log);
            _tunnels.Add(tunnel);
            host.Tunnel = tunnel;
            await tunnel.AdoptDaemonAsync(before);
        }

        return result;
    }

    /// <summary>
    /// wg-quick uses the userspace implementation only when <c>ip link add NAME type wireguard</c> fails and
    /// /sys/module/wireguard does not exist. On a kernel with WireGuard (a stock Debian one) neither holds and
    /// wg-quick would quietly test the kernel instead. The wrapper runs in a private mount namespace (unshare), hides
    /// /sys/module under a tmpfs there, and hands wg-quick an exported bash function <c>ip</c> that refuses the
    /// kernel type (wg-quick puts its own directory first on PATH, so a wrapper program on PATH would be bypassed).
    /// </summary>
    private async Task<string> WgQuickWrapperAsync()
    {
        string wrapper = Path.Combine(Directory, "wg-quick-userspace");
        if (!File.Exists(wrapper))
        {
            await WriteScriptAsync(wrapper, $$"""
                #!{{Tools.Bash}}
                set -e
                mount -t tmpfs hti-no-kernel-wireguard /sys/module
                ip() {
                    case " $* " in
                    *" type wireguard "*) echo "hti: kernel WireGuard is hidden from wg-quick by the integration tests" >&2; return 2 ;;
                    esac
                    command ip "$@"
                }
                export -f ip
                exec {{Tools.WgQuick}} "$@"

                """);
        }

        return wrapper;
    }

    private static async Task WriteScriptAsync(string path, string text)
    {
        await File.WriteAllTextAsync(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
