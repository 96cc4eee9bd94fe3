namespace Holt.Integration.Tests.Harness;

/// <summary>
/// A real OpenSSH server in a lab namespace, on port 22, with its own host key and one authorized client key, all
/// in the lab's directory; and the real ssh client to reach it from any namespace. It runs in the foreground
/// (<c>sshd -D -e</c>) as a lab process, so teardown stops it.
/// </summary>
internal sealed class Sshd
{
    private readonly string _clientKey;

    private Sshd(BackgroundProcess process, string clientKey, string directory, string config)
    {
        Process = process;
        _clientKey = clientKey;
        Directory = directory;
        ConfigPath = config;
    }

    public BackgroundProcess Process { get; }

    /// <summary>Where its keys, configuration and pid file are.</summary>
    public string Directory { get; }

    public string ConfigPath { get; }

    /// <summary>The private key root's authorized_keys accepts.</summary>
    public string ClientKey => _clientKey;

    /// <param name="lab">The lab.</param>
    /// <param name="ns">Where sshd listens.</param>
    /// <param name="syslog">
    /// Log through this rsyslogd instead of to standard error: sshd then runs in a mount namespace of its own whose
    /// /dev is a small tmpfs (the host's null, zero, random, urandom, tty, ptmx and pts bound into it) with /dev/log
    /// pointing at the lab's socket, so the host's /dev is never touched.
    /// </param>
    /// <param name="passwords">Allow password logins (which fail: no account here has a password sshd would take).</param>
    /// <param name="editConfig">Changes the configuration before sshd starts (given the directory and the text).</param>
    public static async Task<Sshd> StartAsync(Lab lab, NetworkNamespace ns, Rsyslog? syslog = null, bool passwords = false, Func<string, string, string>? editConfig = null)
    {
        string directory = Path.Combine(lab.Directory, "sshd-" + ns.Name);
        System.IO.Directory.CreateDirectory(directory);
        string hostKey = Path.Combine(directory, "host_key");
        string clientKey = Path.Combine(directory, "client_key");
        await Harness.Command.CheckAsync([Tools.SshKeygen, "-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
        await Harness.Command.CheckAsync([Tools.SshKeygen, "-q", "-t", "ed25519", "-N", "", "-f", clientKey]);
        File.Copy(clientKey + ".pub", Path.Combine(directory, "authorized_keys"));
        string configText = $"""
            Port 22
            ListenAddress 0.0.0.0
            ListenAddress ::
            HostKey {hostKey}
            PidFile {Path.Combine(directory, "sshd.pid")}
            AuthorizedKeysFile {Path.Combine(directory, "authorized_keys")}
            StrictModes no
            PermitRootLogin prohibit-password
            PasswordAuthentication {(passwords ? "yes" : "no")}
            KbdInteractiveAuthentication no
            UsePAM no
            LogLevel VERBOSE

            """;
        string config = await lab.WriteFileAsync(Path.Combine("sshd-" + ns.Name, "sshd_config"), editConfig is null ? configText : editConfig(directory, configText));

        // sshd's privilege separation directory; Debian's service creates it, a bare sshd does not.
        System.IO.Directory.CreateDirectory("/run/sshd");
        BackgroundProcess process;
        if (syslog is null)
        {
            process = lab.StartProcess(ns, Tools.Sshd, "-D", "-e", "-f", config);
        }
        else
        {
            string hostDev = Path.Combine(directory, "hostdev");
            System.IO.Directory.CreateDirectory(hostDev);
            string script = await lab.WriteFileAsync(Path.Combine("sshd-" + ns.Name, "start.sh"), $"""
                set -e
                mount --make-rprivate /
                mount --rbind /dev {hostDev}
                mount -t tmpfs -o mode=755 holt-test-dev /dev
                for node in null zero full random urandom tty ptmx; do touch /dev/$node; mount --bind {hostDev}/$node /dev/$node; done
                mkdir /dev/pts
                mount --bind {hostDev}/pts /dev/pts
                umount -l {hostDev}
                ln -s {syslog.Socket} /dev/log
                exec {Tools.Sshd} -D -f {config}

                """);
            process = lab.StartProcess(ns, Tools.Unshare, "-m", Tools.Sh, script);
        }

        await Poll.UntilAsync(
            async () => process.HasExited || (await ns.ExecAsync(Tools.Ss, "-Htln", "sport = :22")).Length > 0,
            TimeSpan.FromSeconds(10),
            () => $"sshd did not start listening in {ns}: {process.Log()}");
        if (process.HasExited)
        {
            throw new Xunit.Sdk.XunitException($"sshd exited at once in {ns}: {process.Log()}");
        }

        return new Sshd(process, clientKey, directory, config);
    }

    /// <summary>The ssh command line that runs <paramref name="remoteCommand"/> as root on <paramref name="address"/>.</summary>
    public string[] Command(string address, string remoteCommand, int connectTimeoutSeconds = 3) =>
    [
        Tools.Ssh, "-i", _clientKey, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes", "-o", $"ConnectTimeout={connectTimeoutSeconds}", "-o", "LogLevel=ERROR",
        "root@" + address, remoteCommand,
    ];

    public Task<CommandResult> RunAsync(NetworkNamespace from, string address, string remoteCommand, int connectTimeoutSeconds = 3) =>
        Harness.Command.RunAsync(from.Wrap(Command(address, remoteCommand, connectTimeoutSeconds)));

    /// <summary>
    /// One password login as <paramref name="user"/> with a wrong password (sshpass types it): one failure in the log.
    /// <paramref name="method"/> is "password" or "keyboard-interactive" (PAM's prompt, where sshd uses PAM).
    /// </summary>
    public static Task<CommandResult> FailPasswordAsync(NetworkNamespace from, string address, string user = "root", int connectTimeoutSeconds = 3, string method = "password") =>
        Harness.Command.RunAsync(from.Wrap(
        [
            Tools.Sshpass, "-p", "not-the-password", Tools.Ssh, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", $"PreferredAuthentications={method}", "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1",
            "-o", $"ConnectTimeout={connectTimeoutSeconds}", "-o", "LogLevel=ERROR", user + "@" + address, "true",
        ]));
}
